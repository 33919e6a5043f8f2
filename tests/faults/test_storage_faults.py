"""Media storage failing under a take being finalized, or under an upload: the person gets a
message, and neither a row nor an object is left half made."""

import socket

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assets.models import Asset, AssetFile
from takes.models import Take, TakeStatus
from takes.services import take_request, takes_claim
from tests import factories
from tests.faults.conftest import make_shot, media_objects
from tests.faults.storages import FillingDiskStorage
from worker.runner import run_takes

STORAGE_DOWN = "Media storage is not answering; nothing was saved. Try again in a minute."


@pytest.mark.worker
def test_it_fails_a_take_and_keeps_nothing_when_storage_breaks_while_finalizing(
    project, owner, settings, media_storage
):
    shot = make_shot(owner, project)  # references stored while storage still works
    # In the test's transaction the request is never published: the take runs in-process.
    [take] = take_request(shot=shot, user=owner, profile_id="previz", seed=3)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tests.faults.storages.FillingDiskStorage",
                    "OPTIONS": {"location": str(media_storage)}},
    }
    FillingDiskStorage.saved = []

    assert run_takes([take.pk], worker="fault-test") == [take.pk]

    take.refresh_from_db()
    assert take.status == TakeStatus.FAILED
    assert take.error.startswith("Media storage failed while saving this take's files")
    assert "No space left on device" in take.error
    assert "nothing was kept" in take.error
    # The video was stored before the disk filled up, and was deleted again.
    assert FillingDiskStorage.saved == [
        f"projects/{project.uuid}/takes/{take.uuid}/video.mp4"]
    assert media_objects(media_storage, take) == []
    assert not take.video and not take.poster and not take.filmstrip and not take.last_frame
    assert take.lease_owner == "" and take.finished_at is not None


@pytest.mark.worker
def test_it_leaves_the_new_owners_media_alone_when_a_worker_finishes_after_losing_its_lease(
    project, owner, media_storage
):
    from generation.spec import RoleImages, TakeSpec
    from worker.runner import _finalize

    shot = make_shot(owner, project)
    [take] = take_request(shot=shot, user=owner, profile_id="previz", seed=3)
    [take] = takes_claim([take.pk], worker="old-worker")
    # The old worker was cut off past its lease: the sweeper requeued the take, a new worker
    # claimed it and has stored its video under the take's key.
    Take.objects.filter(pk=take.pk).update(lease_owner="new-worker")
    key = f"projects/{project.uuid}/takes/{take.uuid}/video.mp4"
    default_storage.save(key, ContentFile(b"the new worker's video"))
    spec = TakeSpec.from_dict(take.request["spec"])
    frames = factories.numbered_frames(count=spec.num_frames, width=spec.width,
                                       height=spec.height)

    _finalize(take, frames, spec=spec, images=RoleImages(), worker="old-worker",
              gpu_seconds=1.0)

    assert media_objects(media_storage, take) == ["video.mp4"]
    with default_storage.open(key) as handle:
        assert handle.read() == b"the new worker's video"
    take.refresh_from_db()
    assert (take.status, take.lease_owner) == (TakeStatus.RUNNING, "new-worker")


def unreachable_s3(port: int) -> dict:
    from botocore.config import Config

    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": "lotix-media", "endpoint_url": f"http://127.0.0.1:{port}",
        "access_key": "test", "secret_key": "test-secret", "region_name": "us-east-1",
        "file_overwrite": False,
        "client_config": Config(connect_timeout=1, read_timeout=1,
                                retries={"max_attempts": 1, "mode": "standard"}),
    }}


@pytest.fixture(params=["disk", "s3"])
def storage_down(request, settings, tmp_path):
    """The media storage of this test, down: a disk path that cannot be written, or an S3
    endpoint with nothing listening."""
    if request.param == "disk":
        blocker = tmp_path / "not-a-folder"
        blocker.write_text("a file where the media folder should be")
        backend = {"BACKEND": "django.core.files.storage.FileSystemStorage",
                   "OPTIONS": {"location": str(blocker / "media")}}
    else:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        backend = unreachable_s3(port)
    settings.STORAGES = {**settings.STORAGES, "default": backend}
    return request.param


def upload_files():
    return [SimpleUploadedFile(f"ref{n}.png", factories.image_bytes(width=96, height=54,
                                                                    color=(0, c, 90)),
                               content_type="image/png")
            for n, c in enumerate((10, 200))]


def test_it_answers_503_and_saves_nothing_when_storage_is_down_during_an_upload(
    client, project, director, storage_down
):
    client.force_login(director)
    response = client.post(reverse("assets:asset-upload", args=[project.slug]), {
        "name": "Mara", "kind": "character", "approval": "internal", "files": upload_files(),
    })
    assert response.status_code == 503
    assert STORAGE_DOWN in response.content.decode()
    assert not Asset.objects.exists() and not AssetFile.objects.exists()

    # The same through htmx: the fragment carries the message.
    response = client.post(reverse("assets:asset-upload", args=[project.slug]), {
        "name": "Mara", "kind": "character", "approval": "internal", "files": upload_files(),
    }, headers={"HX-Request": "true"})
    assert response.status_code == 503
    assert STORAGE_DOWN in response.content.decode()
    assert not Asset.objects.exists() and not AssetFile.objects.exists()


def test_it_answers_503_through_the_api_when_storage_is_down(project, director, storage_down):
    from tests.api.conftest import token_client

    response = token_client(director).post(
        f"/api/v1/projects/{project.slug}/assets/upload/",
        {"name": "Mara", "kind": "character", "approval": "internal", "files": upload_files()},
        format="multipart",
    )
    assert response.status_code == 503, response.content[:500]
    error = response.json()["error"]
    assert error["message"] == STORAGE_DOWN
    assert error["code"] == "media_storage_unavailable"
    assert not Asset.objects.exists() and not AssetFile.objects.exists()


def test_it_keeps_an_existing_asset_when_storage_is_down(client, project, director,
                                                         storage_down):
    asset = Asset.objects.create(project=project, kind="character", name="Mara")
    client.force_login(director)
    response = client.post(reverse("assets:asset-upload", args=[project.slug]), {
        "asset": asset.pk, "approval": "internal", "files": upload_files(),
    })
    assert response.status_code == 503
    assert list(Asset.objects.all()) == [asset]
    assert not AssetFile.objects.exists()
