"""Media on S3, against a real local S3 endpoint (moto in server mode on 127.0.0.1): uploads,
take media, exports, and downloads through short-lived signed URLs."""

import io
import os
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from django.core.files.base import ContentFile
from django.urls import reverse

from assets.models import AssetFile
from projects.models import Membership
from tests import factories
from tests.s3_fixtures import ROOT, SECRET_KEY, settings_storage

pytestmark = pytest.mark.django_db


@pytest.fixture
def shot(project):
    return factories.shot(scene=factories.scene(project=project))


def signed_get(client, url: str, **headers) -> httpx.Response:
    """Follow the view's redirect to S3 with a plain HTTP client, as a browser would."""
    response = client.get(url)
    assert response.status_code == 302, response.content[:500]
    location = response["Location"]
    assert location.startswith("http://127.0.0.1:")
    return httpx.get(location, headers=headers, timeout=10)


def query(url: str) -> dict:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def test_it_stores_an_uploaded_reference_in_the_bucket(client, project, owner, s3):
    client.force_login(owner)
    response = client.post(reverse("assets:asset-upload", args=[project.slug]), {
        "asset": "", "name": "Mara", "kind": "character", "approval": "internal",
        "files": ContentFile(factories.image_bytes(width=320, height=180), name="mara.png"),
    })
    assert response.status_code == 302, response.content[:500]
    asset_file = AssetFile.objects.get()
    prefix = f"projects/{project.uuid}/assets/{asset_file.uuid}/"
    keys = s3.list_keys(prefix)
    assert asset_file.file.name in keys and asset_file.thumbnail.name in keys
    assert all(key.startswith(prefix) for key in s3.list_keys())
    assert "mara" not in "".join(keys)  # never a user-supplied name in a key
    thumb = signed_get(client, reverse("assets:file-thumb", args=[project.slug,
                                                                 asset_file.uuid]))
    assert thumb.status_code == 200
    assert thumb.content == s3.read(asset_file.thumbnail.name)
    assert thumb.headers["Content-Type"] == "image/jpeg"


def test_it_stores_a_takes_media_in_the_bucket_and_plays_it_through_a_signed_url(
    client, project, owner, shot, s3
):
    take = factories.finished_take(shot=shot, frames=24)
    prefix = f"projects/{project.uuid}/takes/{take.uuid}/"
    assert s3.list_keys(prefix) == [prefix + name for name in
                               ("filmstrip.jpg", "last.png", "poster.jpg", "video.mp4")]
    client.force_login(owner)
    url = reverse("takes:take-video", args=[project.slug, take.uuid])
    video = signed_get(client, url)
    assert video.status_code == 200
    assert video.content == s3.read(prefix + "video.mp4")
    assert video.content[4:8] == b"ftyp"
    assert video.headers["Content-Type"] == "video/mp4"
    assert video.headers["Content-Disposition"] == 'inline; filename="video.mp4"'
    # The player seeks with byte ranges, which S3 answers itself.
    part = signed_get(client, url, Range="bytes=0-99")
    assert part.status_code == 206 and part.content == video.content[:100]
    stranger = factories.user(username="outsider")
    client.force_login(stranger)
    assert client.get(url).status_code == 404


def test_it_writes_an_export_zip_into_the_bucket(client, project, owner, shot, s3,
                                                 django_capture_on_commit_callbacks):
    from exports.models import ExportStatus
    from exports.services import export_build, export_request

    take = factories.finished_take(shot=shot, frames=24, review_state="approved")
    membership = Membership.objects.select_related("project", "user").get(user=owner)
    with django_capture_on_commit_callbacks(execute=False):
        export = export_request(membership=membership)
    assert export_build(export.pk) == ExportStatus.SUCCEEDED
    export.refresh_from_db()
    assert export.file.name.startswith(f"projects/{project.uuid}/exports/")
    assert export.file.name in s3.list_keys(f"projects/{project.uuid}/exports/")
    client.force_login(owner)
    download = signed_get(client, reverse("exports:export-download",
                                          kwargs={"slug": project.slug,
                                                  "export_uuid": export.uuid}))
    assert download.status_code == 200
    assert download.content == s3.read(export.file.name)
    names = zipfile.ZipFile(io.BytesIO(download.content)).namelist()
    videos = [name for name in names if name.endswith(".mp4")]
    assert len(videos) == 1 and videos[0].endswith(f"_{shot.code}_{take.label}.mp4")


def test_it_signs_downloads_for_five_minutes_unless_configured(s3_options, moto_server):
    assert s3_options["querystring_expire"] == 300
    assert s3_options["signature_version"] == "s3v4"
    assert s3_options["endpoint_url"] == moto_server
    shorter = settings_storage({"LOTIX_S3_BUCKET": "b-lotix", "LOTIX_S3_URL_TTL": "2"})
    assert shorter["OPTIONS"]["querystring_expire"] == 2


def test_it_refuses_to_start_with_a_signed_url_lifetime_below_one_second():
    result = subprocess.run(
        [sys.executable, "-c", "import lotix.settings"], cwd=ROOT, capture_output=True,
        text=True, timeout=60, check=False,
        env={**os.environ, "LOTIX_S3_BUCKET": "b-lotix", "LOTIX_S3_URL_TTL": "0"})
    assert result.returncode != 0
    assert "LOTIX_S3_URL_TTL must be at least 1, not 0." in result.stderr


def resigned(url: str, *, expires: str | None = None) -> tuple[str, str]:
    """(the URL's signature, the SigV4 signature recomputed from its own query, with
    X-Amz-Expires replaced by `expires` when given)."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    given = dict(pairs)["X-Amz-Signature"]
    pairs = [(k, expires if k == "X-Amz-Expires" and expires else v) for k, v in pairs
             if k != "X-Amz-Signature"]
    fields = dict(pairs)
    request = AWSRequest(method="GET", url=urlunsplit(
        parts._replace(query=urlencode(pairs, quote_via=quote, safe="-_.~"))))
    key, _date, region, service, _ = fields["X-Amz-Credential"].split("/")
    auth = S3SigV4QueryAuth(Credentials(key, SECRET_KEY), service, region,
                            expires=int(fields["X-Amz-Expires"]))
    request.context["timestamp"] = fields["X-Amz-Date"]
    canonical = auth.canonical_request(request)
    return given, auth.signature(auth.string_to_sign(request, canonical), request)


def test_it_hands_out_signed_urls_that_expire_after_the_configured_lifetime(
    client, project, owner, shot, s3, settings
):
    """moto (5.x) does not enforce X-Amz-Expires on presigned URLs in server mode, so an
    expired URL still downloads from it. What is checked instead: the URL lasts exactly the
    configured TTL from now, works now, and its signature covers the lifetime (a URL edited to
    last longer no longer matches its signature, so S3 and MinIO refuse it)."""
    options = settings_storage({"LOTIX_S3_BUCKET": s3.bucket, "LOTIX_S3_ENDPOINT_URL": s3.endpoint,
                                "AWS_DEFAULT_REGION": "us-east-1",
                                "LOTIX_S3_URL_TTL": "2"})["OPTIONS"]
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}}
    take = factories.finished_take(shot=shot, frames=24)
    client.force_login(owner)
    response = client.get(reverse("takes:take-video", args=[project.slug, take.uuid]))
    assert response.status_code == 302
    url = response["Location"]
    fields = query(url)
    assert fields["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert fields["X-Amz-Expires"] == "2"
    signed_at = datetime.strptime(fields["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - signed_at).total_seconds()) < 10
    assert httpx.get(url, timeout=10).status_code == 200
    given, recomputed = resigned(url)
    assert recomputed == given
    longer_given, longer = resigned(url, expires="3600")
    assert longer != longer_given
