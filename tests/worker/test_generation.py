"""Takes made end to end: request → Redis → a real worker → media in storage → the take row."""

import time

import numpy as np
import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image

from assets.services import asset_create, asset_file_ingest_image
from generation.media import probe_video, read_frames
from shots.services import shot_reference_add
from takes.models import Take, TakeStatus
from takes.services import take_cancel, take_request, takes_publish
from tests import factories

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

PHOTOS = ["astronaut", "coffee", "rocket", "chelsea", "hubble_deep_field"]


def photo_bytes(name: str) -> bytes:
    import io

    import skimage.data

    pixels = getattr(skimage.data, name)()
    buffer = io.BytesIO()
    Image.fromarray(pixels[..., :3]).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def owner_and_project(db):
    user = factories.user(username="director")
    project = factories.project(name="Worker Test")
    factories.membership(project=project, user=user, role="owner")
    return user, project


def make_shot(user, project, *, code="SH010", roles=("first_frame",), camera="push_in",
              duration=0.5, aspect="1:1", resolution="480p", fps=24):
    scene = project.scenes.first() or factories.scene(project=project)
    shot = factories.shot(scene=scene, code=code, camera_movement=camera, duration_s=duration,
                          aspect_ratio=aspect, resolution=resolution, fps=fps,
                          motion_prompt="slow push-in", negative_constraints="blur\ntext")
    for n, role in enumerate(roles):
        name = PHOTOS[n % len(PHOTOS)]
        asset = asset_create(project=project, actor=user, kind="character", name=f"{code}-{n}")
        asset_file = asset_file_ingest_image(asset=asset, actor=user, data=photo_bytes(name))
        shot_reference_add(shot=shot, actor=user, asset_file=asset_file, role=role,
                           job="identity")
    return shot


def wait_for(takes, *, statuses=(TakeStatus.SUCCEEDED, TakeStatus.FAILED, TakeStatus.CANCELED),
             timeout=180, worker=None):
    deadline = time.monotonic() + timeout
    ids = [t.pk for t in takes]
    while time.monotonic() < deadline:
        current = list(Take.objects.filter(pk__in=ids).order_by("number"))
        if all(t.status in statuses for t in current):
            return current
        time.sleep(0.1)
    log = worker["log"].read_text()[-3000:] if worker else ""
    pytest.fail(f"Takes did not finish in {timeout} s: "
                f"{[(t.label, t.status, t.progress) for t in current]}\n{log}")


def assert_playable(take, *, frames, fps, width, height):
    assert take.status == TakeStatus.SUCCEEDED, take.error
    path = default_storage.path(take.video.name)
    info = probe_video(path)
    assert (info["frame_count"], info["fps"], info["width"], info["height"]) == (
        frames, fps, width, height)
    assert info["codec"] == "h264" and info["pix_fmt"] == "yuv420p"
    for field in ("poster", "filmstrip", "last_frame"):
        assert default_storage.exists(getattr(take, field).name), field
    assert take.video.name == f"projects/{take.shot.scene.project.uuid}/takes/{take.uuid}/video.mp4"
    assert take.gpu_seconds > 0
    assert "first_frame_ssim" in take.qc


@pytest.mark.parametrize(
    ("profile", "roles", "frames"),
    [
        ("tiny-ltx", ("first_frame", "last_frame"), 9),
        ("tiny-wan-flf2v", ("first_frame", "last_frame"), 13),
        ("tiny-wan-vace", ("first_frame", "last_frame", "reference", "reference"), 13),
        ("tiny-svd", ("first_frame",), 9),
    ],
)
def test_it_makes_a_playable_take_with_each_tiny_pipeline(worker, owner_and_project, profile,
                                                         roles, frames):
    user, project = owner_and_project
    shot = make_shot(user, project, roles=roles, duration=0.5, fps=24)
    [take] = take_request(shot=shot, user=user, profile_id=profile, seed=7)
    [take] = wait_for([take], worker=worker)
    spec = take.request["spec"]
    assert spec["num_frames"] == frames
    assert len(spec["references"]) == len(roles)
    assert_playable(take, frames=frames, fps=spec["fps"], width=64, height=64)


@pytest.mark.parametrize("camera", ["static", "push_in", "pull_out", "pan_left", "pan_right",
                                    "tilt_up", "tilt_down", "track", "orbit", "handheld"])
def test_it_renders_a_previz_take_for_each_camera_movement(worker, owner_and_project, camera):
    user, project = owner_and_project
    shot = make_shot(user, project, camera=camera, roles=("first_frame", "last_frame"),
                     duration=1, fps=12, aspect="16:9", resolution="480p")
    [take] = take_request(shot=shot, user=user, profile_id="previz")
    [take] = wait_for([take], worker=worker)
    assert_playable(take, frames=12, fps=12, width=854, height=480)
    frames = read_frames(default_storage.path(take.video.name))
    motion = np.abs(frames[-1].astype(int) - frames[0].astype(int)).mean()
    assert motion > 1.0  # the morph into the last frame always moves the picture


def test_it_reproduces_a_take_from_its_recorded_recipe(worker, owner_and_project):
    user, project = owner_and_project
    shot = make_shot(user, project, roles=("first_frame", "last_frame"))
    [first] = take_request(shot=shot, user=user, profile_id="tiny-wan-flf2v", seed=1234)
    [first] = wait_for([first], worker=worker)
    [again] = take_request(shot=shot, user=user, profile_id="tiny-wan-flf2v",
                           seed=first.request["spec"]["seed"])
    [again] = wait_for([again], worker=worker)
    assert again.request["spec"] == first.request["spec"]
    assert again.qc["frames_sha256"] == first.qc["frames_sha256"]
    last_a = np.asarray(Image.open(default_storage.path(first.last_frame.name)))
    last_b = np.asarray(Image.open(default_storage.path(again.last_frame.name)))
    assert np.array_equal(last_a, last_b)
    # The lossy encode of identical frames differs only in the least significant bits.
    a = read_frames(default_storage.path(first.video.name)).astype(int)
    b = read_frames(default_storage.path(again.video.name)).astype(int)
    assert np.abs(a - b).mean() < 1.0


def test_it_runs_variations_as_one_batch_with_distinct_seeds(worker, owner_and_project):
    user, project = owner_and_project
    shot = make_shot(user, project, roles=("first_frame", "last_frame"))
    takes = take_request(shot=shot, user=user, profile_id="tiny-ltx", variations=3)
    seeds = [t.request["spec"]["seed"] for t in takes]
    assert len(set(seeds)) == 3
    done = wait_for(takes, worker=worker)
    assert [t.status for t in done] == [TakeStatus.SUCCEEDED] * 3
    assert {t.lease_owner for t in done} == {""}
    videos = [read_frames(default_storage.path(t.video.name)) for t in done]
    assert not np.array_equal(videos[0], videos[1])


def test_it_reports_progress_that_only_rises(worker, owner_and_project):
    user, project = owner_and_project
    shot = make_shot(user, project, roles=("first_frame", "last_frame"), camera="orbit",
                     duration=6, fps=24, aspect="16:9", resolution="1080p")
    [take] = take_request(shot=shot, user=user, profile_id="previz")
    seen = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        take.refresh_from_db()
        seen.append(take.progress)
        if not take.is_active:
            break
        time.sleep(0.05)
    assert take.status == TakeStatus.SUCCEEDED, take.error
    assert seen == sorted(seen)
    assert len({p for p in seen if 0 < p < 1}) >= 2, seen
    assert seen[-1] == 1.0


def test_it_stops_a_running_take_when_canceled(worker, owner_and_project):
    user, project = owner_and_project
    shot = make_shot(user, project, roles=("first_frame", "last_frame"), camera="orbit",
                     duration=20, fps=24, aspect="16:9", resolution="1080p")
    [take] = take_request(shot=shot, user=user, profile_id="previz")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        take.refresh_from_db()
        if take.status == TakeStatus.RUNNING and take.progress > 0:
            break
        time.sleep(0.05)
    assert take.status == TakeStatus.RUNNING
    take_cancel(take=take, user=user)
    [take] = wait_for([take], timeout=30, worker=worker)
    assert take.status == TakeStatus.CANCELED
    assert take.progress < 0.9
    assert not take.video


def test_it_runs_a_take_once_when_its_message_arrives_twice(worker, owner_and_project):
    user, project = owner_and_project
    shot = make_shot(user, project, roles=("first_frame",), camera="static")
    [take] = take_request(shot=shot, user=user, profile_id="previz")
    # The same message again, as a broker redelivery or a sweeper race would send it.
    assert takes_publish([take.pk], queue="cpu")
    assert takes_publish([take.pk], queue="cpu")
    [take] = wait_for([take], worker=worker)
    time.sleep(1.0)  # let the duplicates reach the worker and be ignored
    take.refresh_from_db()
    assert take.status == TakeStatus.SUCCEEDED
    assert take.attempts == 1


def test_it_refuses_a_shot_the_profile_cannot_honour_and_creates_no_take(
    worker, owner_and_project, client
):
    user, project = owner_and_project
    shot = make_shot(user, project, roles=("first_frame", "last_frame"))
    client.force_login(user)
    response = client.post(
        reverse("takes:take-generate", args=[project.slug, shot.pk]),
        {"profile": "tiny-wan-i2v", "variations": 1},
    )
    assert response.status_code == 400
    assert "cannot use a last frame" in response.content.decode()
    assert not Take.objects.exists()
