import tempfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assets import services
from assets.models import AssetFile
from assets.services import (
    AssetFileDuplicate,
    asset_create,
    asset_file_ingest,
    asset_file_ingest_image,
)
from assets.validation import UploadRejected, UploadTooLarge
from tests import factories
from tests.assets import corpus

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
    with pytest.raises(UploadRejected):
        asset_file_ingest_image(asset=asset, actor=owner, data=data)
    assert not AssetFile.objects.exists()
    assert not media_storage.exists() or not any(media_storage.rglob("*.*"))


def test_it_refuses_an_image_over_the_size_limit(asset, owner, settings):
    settings.LOTIX_MAX_IMAGE_BYTES = 1024
    with pytest.raises(UploadTooLarge, match="larger than the 1 KB limit"):
        asset_file_ingest_image(asset=asset, actor=owner,
                                data=factories.image_bytes(width=400, height=400, fmt="BMP"))


def test_it_refuses_the_same_image_twice_in_one_asset(asset, owner):
    data = factories.image_bytes()
    asset_file_ingest_image(asset=asset, actor=owner, data=data)
    with pytest.raises(AssetFileDuplicate):
        asset_file_ingest_image(asset=asset, actor=owner, data=data)
    assert AssetFile.objects.count() == 1


def test_it_refuses_a_video_where_an_image_is_expected(asset, owner, media_storage):
    with pytest.raises(UploadRejected):
        asset_file_ingest_image(asset=asset, actor=owner, data=corpus.video(seconds=1))
    assert not AssetFile.objects.exists()


def test_it_ingests_a_reference_video_from_a_file(asset, owner, media_storage, monkeypatch,
                                                   tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    upload = SimpleUploadedFile("move.mp4", corpus.video(seconds=1.5), content_type="video/mp4")
    asset_file = asset_file_ingest(asset=asset, actor=owner, upload=upload, source="Phone")
    assert (asset_file.media_kind, asset_file.original_name, asset_file.source) == (
        "video", "move.mp4", "Phone")
    assert asset_file.duration_s == pytest.approx(1.5, abs=0.05)
    assert (media_storage / asset_file.file.name).exists()
    assert not list(tmp_path.glob("lotix-video-*"))


def test_it_deletes_the_stored_objects_when_the_row_cannot_be_written(
        asset, owner, media_storage, monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "activity_record", refuse)
    with pytest.raises(RuntimeError):
        asset_file_ingest_image(asset=asset, actor=owner, data=factories.image_bytes())
    assert not AssetFile.objects.exists()
    assert not [p for p in media_storage.rglob("*") if p.is_file()]


def test_it_deletes_the_original_when_the_thumbnail_cannot_be_stored(
        asset, owner, media_storage, monkeypatch):
    from django.core.files.storage import FileSystemStorage

    real_save = FileSystemStorage.save

    def failing_save(self, name, content, max_length=None):
        if name.endswith("thumb.jpg"):
            raise OSError("disk full")
        return real_save(self, name, content, max_length)

    monkeypatch.setattr(FileSystemStorage, "save", failing_save)
    from assets.services import MediaStorageUnavailable

    with pytest.raises(MediaStorageUnavailable, match="nothing was saved"):
        asset_file_ingest_image(asset=asset, actor=owner, data=factories.image_bytes())
    assert not AssetFile.objects.exists()
    assert not [p for p in media_storage.rglob("*") if p.is_file()]
