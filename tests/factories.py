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
