"""Media leave only through permission-checked URLs, with headers that keep them inert."""

from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from django.urls import reverse
from moto import mock_aws

from assets.services import asset_create, asset_file_ingest_image
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def asset_file(project, owner):
    asset = asset_create(project=project, actor=owner, kind="character", name="Mara")
    return asset_file_ingest_image(asset=asset, actor=owner, data=factories.image_bytes())


def test_it_serves_local_media_inline_with_nosniff_and_no_page_rights(client, project, owner,
                                                                     asset_file):
    client.force_login(owner)
    response = client.get(reverse("assets:file-thumb", args=[project.slug, asset_file.uuid]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == 'inline; filename="thumb.jpg"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Cache-Control"].startswith("private")


def test_it_answers_a_byte_range_for_video_seeking(client, project, owner, asset_file):
    client.force_login(owner)
    url = reverse("assets:file-original", args=[project.slug, asset_file.uuid])
    response = client.get(url, HTTP_RANGE="bytes=0-9")
    assert response.status_code == 206
    assert response["Content-Range"].startswith("bytes 0-9/")
    assert len(b"".join(response.streaming_content)) == 10
    assert client.get(url, HTTP_RANGE="bytes=999999999-").status_code == 416


@mock_aws
def test_it_redirects_to_a_short_lived_signed_url_when_media_live_on_s3(
    client, project, owner, settings
):
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="lotix-test")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
            "bucket_name": "lotix-test", "region_name": "us-east-1", "default_acl": None,
            "file_overwrite": False, "querystring_expire": 300, "signature_version": "s3v4"}},
    }
    asset = asset_create(project=project, actor=owner, kind="character", name="Mara")
    asset_file = asset_file_ingest_image(asset=asset, actor=owner, data=factories.image_bytes())
    client.force_login(owner)
    response = client.get(reverse("assets:file-thumb", args=[project.slug, asset_file.uuid]))
    assert response.status_code == 302
    query = parse_qs(urlsplit(response["Location"]).query)
    assert int(query["X-Amz-Expires"][0]) <= 300
    assert query["response-content-disposition"] == ['inline; filename="thumb.jpg"']
    stranger = factories.user(username="outsider")
    client.force_login(stranger)
    assert client.get(reverse("assets:file-thumb",
                              args=[project.slug, asset_file.uuid])).status_code == 404
