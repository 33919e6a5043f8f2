import pytest

from assets.models import AssetFile
from assets.services import (
    AssetFileDuplicate,
    AssetFileRejected,
    asset_create,
    asset_file_ingest_image,
)
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def asset(project, owner):
    return asset_create(project=project, actor=owner, kind="character", name="Mara")


def test_it_stores_a_reencoded_image_under_a_server_made_key(asset, owner, media_storage):
    asset_file = asset_file_ingest_image(
        asset=asset, actor=owner, data=factories.image_bytes(fmt="PNG"),
        original_name="../../etc/passwd.png",
    )
    assert asset_file.file.name == (
        f"projects/{asset.project.uuid}/assets/{asset_file.uuid}/original.jpg"
    )
    assert (media_storage / asset_file.thumbnail.name).exists()
    assert (asset_file.width, asset_file.height, asset_file.format) == (64, 36, "JPEG")
    assert asset_file.preflight[0]["level"] == "warn"


@pytest.mark.parametrize(
    "data",
    [b"", b"<html><script>alert(1)</script></html>", b"GIF89a" + b"\x00" * 40],
)
def test_it_refuses_what_is_not_an_accepted_image_and_leaves_nothing(asset, owner, data,
                                                                      media_storage):
    with pytest.raises(AssetFileRejected):
        asset_file_ingest_image(asset=asset, actor=owner, data=data)
    assert not AssetFile.objects.exists()
    assert not media_storage.exists() or not any(media_storage.rglob("*.*"))


def test_it_refuses_an_image_over_the_size_limit(asset, owner, settings):
    settings.LOTIX_MAX_IMAGE_BYTES = 1024
    with pytest.raises(AssetFileRejected, match="larger than"):
        asset_file_ingest_image(asset=asset, actor=owner,
                                data=factories.image_bytes(width=400, height=400, fmt="BMP"))


def test_it_refuses_the_same_image_twice_in_one_asset(asset, owner):
    data = factories.image_bytes()
    asset_file_ingest_image(asset=asset, actor=owner, data=data)
    with pytest.raises(AssetFileDuplicate):
        asset_file_ingest_image(asset=asset, actor=owner, data=data)
    assert AssetFile.objects.count() == 1
