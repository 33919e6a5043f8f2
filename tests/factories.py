"""Plain factory functions with fixed, readable defaults."""

import io

import numpy as np
from django.contrib.auth import get_user_model
from PIL import Image

from assets.models import Asset, AssetFile
from projects.models import Membership, Project
from shots.models import Scene, Shot, ShotReference

PASSWORD = "correct horse battery staple"


def user(*, username="mara", email=None, password=PASSWORD):
    return get_user_model().objects.create_user(
        username=username, email=email or f"{username}@example.com", password=password
    )


def project(*, name="Signal", slug=None, **fields):
    return Project.objects.create(name=name, slug=slug or name.lower().replace(" ", "-"),
                                  **fields)


def membership(*, project, user, role="director"):
    return Membership.objects.create(project=project, user=user, role=role)


def scene(*, project, code="SC010", title="Night kitchen", order=0):
    return Scene.objects.create(project=project, code=code, title=title, order=order)


def shot(*, scene, code="SH010", **plan):
    plan.setdefault("job", "Character close-up")
    plan.setdefault("subject_action", "Mara lifts her eyes toward an offscreen sound.")
    plan.setdefault("camera_movement", "push_in")
    plan.setdefault("duration_s", 5)
    return Shot.objects.create(scene=scene, code=code, **plan)


def image_bytes(*, width=64, height=36, color=(20, 40, 90), fmt="PNG"):
    pixels = np.zeros((height, width, 3), dtype=np.uint8)
    pixels[:] = color
    # A gradient so two images of different colours never hash the same.
    pixels[:, :, 0] = np.linspace(0, 255, width, dtype=np.uint8)[None, :]
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, fmt)
    return buffer.getvalue()


_file_counter = iter(range(1, 10_000_000))


def asset_file(*, project, kind="character", name="Mara", width=1280, height=720):
    """An AssetFile row without stored bytes, for tests about rows and rules only."""
    asset, _ = Asset.objects.get_or_create(project=project, kind=kind, name=name)
    n = next(_file_counter)
    return AssetFile.objects.create(
        asset=asset, file=f"test/{n}.jpg", sha256=f"{n:064x}", format="JPEG", width=width,
        height=height, bytes=1000,
    )


def reference(*, shot, asset_file, role="reference", job="identity", priority=0):
    return ShotReference.objects.create(
        shot=shot, asset_file=asset_file, role=role, job=job, priority=priority
    )


_take_media_cache: dict = {}


def take_spec(*, profile_id="previz", seed=1234, num_frames=48, fps=24, width=256, height=144,
              prompt="Mara lifts her eyes toward an offscreen sound."):
    """A frozen request as `take_plan` writes it, with small sizes."""
    from generation.spec import TakeSpec

    return TakeSpec(
        profile_id=profile_id, prompt=prompt, negative_prompt="blurry", seed=seed, steps=4,
        guidance=3.0, num_frames=num_frames, fps=fps, width=width, height=height,
    ).to_dict()


def take(*, shot, number=None, status="succeeded", review_state="unreviewed", seed=None,
         profile_id="previz", **spec_fields):
    """A Take row without media, for tests about rows, rules and query counts."""
    from django.utils import timezone

    from takes.models import Take

    if number is None:
        number = (shot.takes.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    spec = take_spec(profile_id=profile_id, seed=1000 + number if seed is None else seed,
                     **spec_fields)
    finished = timezone.now() if status in ("succeeded", "failed", "canceled") else None
    return Take.objects.create(
        shot=shot, number=number, profile_id=profile_id, request={"spec": spec},
        status=status, progress=1.0 if status == "succeeded" else 0.0, finished_at=finished,
        review_state=review_state,
    )


def numbered_frames(*, count=48, width=256, height=144):
    """Frames that differ visibly one from the next: a bar moves one step per frame and the
    brightness ramps, so a frame-accurate player can be checked by eye and by pixels."""
    frames = np.zeros((count, height, width, 3), dtype=np.uint8)
    for index in range(count):
        frames[index, :, :, 0] = 40
        frames[index, :, :, 1] = int(40 + 160 * index / max(count - 1, 1))
        frames[index, :, :, 2] = 90
        x = int((width - 8) * index / max(count - 1, 1))
        frames[index, :, x:x + 8, :] = 255
    return frames


def finished_take(*, shot, number=None, frames=48, fps=24, width=256, height=144,
                  review_state="unreviewed", seed=None):
    """A succeeded take with real media (H.264 MP4, poster, filmstrip, last frame) and QC,
    made by the same finalize step the worker runs, stored in the default storage."""
    import tempfile
    from pathlib import Path

    from django.core.files import File
    from django.core.files.storage import default_storage

    from generation.spec import RoleImages
    from takes.models import take_media_key
    from worker.runner import finalize_take

    row = take(shot=shot, number=number, status="succeeded", review_state=review_state,
               seed=seed, num_frames=frames, fps=fps, width=width, height=height)
    key = (frames, fps, width, height)
    if key not in _take_media_cache:
        pixels = numbered_frames(count=frames, width=width, height=height)
        out_dir = tempfile.mkdtemp(prefix="lotix-test-take-")
        media, qc = finalize_take(pixels, fps=fps, images=RoleImages(), out_dir=out_dir)
        _take_media_cache[key] = (media, qc)
    media, qc = _take_media_cache[key]
    stored = {}
    for field, path in (("video", media.video_path), ("poster", media.poster_path),
                        ("filmstrip", media.filmstrip_path),
                        ("last_frame", media.last_frame_path)):
        with open(path, "rb") as handle:
            stored[field] = default_storage.save(take_media_key(row, Path(path).name),
                                                 File(handle))
    for field, name in stored.items():
        setattr(row, field, name)
    row.qc = qc
    row.save(update_fields=[*stored, "qc"])
    return row
