"""Writes for the asset library: assets and the files ingested into them."""

import hashlib
import io
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from PIL import Image, ImageOps, UnidentifiedImageError

from assets.models import Asset, AssetFile, AssetKind, MediaKind, UsageApproval
from lotix.errors import DomainError
from projects.models import Project
from projects.services import activity_record

# Pillow decoders that may open an upload; anything else is refused before decoding.
ALLOWED_IMAGE_FORMATS = ("JPEG", "PNG", "WEBP", "BMP", "TIFF", "GIF")
MAX_PIXELS = 80_000_000
THUMB_WIDTH = 384
ADVISED_WIDTH, ADVISED_HEIGHT = 1280, 720


class AssetFileRejected(DomainError):
    pass


class AssetFileDuplicate(DomainError):
    status_code = 409


@transaction.atomic
def asset_create(*, project: Project, actor, kind: str, name: str, continuity_notes: str = ""):
    """Create an asset in the project's library (or return the one with that kind and name)."""
    if kind not in AssetKind.values:
        raise DomainError(f"Unknown asset kind {kind!r}.")
    name = " ".join(name.split())
    if not name:
        raise DomainError("Give the asset a name.")
    asset, created = Asset.objects.get_or_create(
        project=project, kind=kind, name=name, defaults={"continuity_notes": continuity_notes}
    )
    if created:
        activity_record(project=project, actor=actor, verb="created asset", target=asset)
    return asset


def _decode_image(data: bytes) -> tuple[Image.Image, str]:
    if len(data) > settings.LOTIX_MAX_IMAGE_BYTES:
        limit_mb = settings.LOTIX_MAX_IMAGE_BYTES / (1024 * 1024)
        raise AssetFileRejected(f"This image is larger than the {limit_mb:.0f} MB limit.")
    if not data:
        raise AssetFileRejected("The file is empty.")
    try:
        probe = Image.open(io.BytesIO(data), formats=list(ALLOWED_IMAGE_FORMATS))
        fmt = probe.format
        if probe.width * probe.height > MAX_PIXELS:
            raise AssetFileRejected(
                f"This image is {probe.width}×{probe.height}; at most {MAX_PIXELS // 1_000_000} "
                "megapixels are accepted."
            )
        probe.verify()
        # verify() leaves the image unusable; open again to decode the pixels.
        image = Image.open(io.BytesIO(data), formats=list(ALLOWED_IMAGE_FORMATS))
        image.load()
    except AssetFileRejected:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise AssetFileRejected(
            "This file is not an image Lotix accepts (JPEG, PNG, WebP, BMP, TIFF or GIF)."
        ) from None
    return image, fmt


def _encode(image: Image.Image) -> tuple[bytes, str, str]:
    """Re-encode without metadata: PNG when the image has transparency, JPEG otherwise."""
    buffer = io.BytesIO()
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        image.convert("RGBA").save(buffer, "PNG", optimize=False, compress_level=3)
        return buffer.getvalue(), "png", "PNG"
    image.convert("RGB").save(buffer, "JPEG", quality=95, subsampling=0)
    return buffer.getvalue(), "jpg", "JPEG"


def _thumbnail(image: Image.Image) -> bytes:
    thumb = image.convert("RGB")
    thumb.thumbnail((THUMB_WIDTH, THUMB_WIDTH * 4), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    thumb.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def image_preflight(width: int, height: int) -> list[dict]:
    """Checks of an image that need no shot: resolution against what the engines advise."""
    if width >= ADVISED_WIDTH and height >= ADVISED_HEIGHT or (
        height >= ADVISED_WIDTH and width >= ADVISED_HEIGHT
    ):
        return [{"check": "resolution", "level": "pass",
                 "message": f"{width}×{height} is enough for 720p takes."}]
    return [{"check": "resolution", "level": "warn",
             "message": f"{width}×{height} is below the advised 1280×720; takes will look soft."}]


def asset_file_ingest_image(
    *,
    asset: Asset,
    actor,
    data: bytes,
    original_name: str = "",
    source: str = "",
    rights_owner: str = "",
    approval: str = UsageApproval.PENDING,
) -> AssetFile:
    """Validate, re-encode (upright, metadata stripped), hash, thumbnail and store an image."""
    image, fmt = _decode_image(data)
    image = ImageOps.exif_transpose(image)
    stored, ext, stored_format = _encode(image)
    sha256 = hashlib.sha256(stored).hexdigest()
    if AssetFile.objects.filter(asset=asset, sha256=sha256).exists():
        raise AssetFileDuplicate(f"This image is already in {asset.name}.")
    asset_file = AssetFile(
        uuid=uuid.uuid4(), asset=asset, original_name=original_name[:255], sha256=sha256,
        media_kind=MediaKind.IMAGE, format=stored_format, width=image.width,
        height=image.height, bytes=len(stored), source=source, rights_owner=rights_owner,
        approval=approval, preflight=image_preflight(image.width, image.height),
    )
    # Storage first under server-made keys, then the row; if the row fails the objects go.
    asset_file.file.save(f"original.{ext}", ContentFile(stored), save=False)
    asset_file.thumbnail.save("thumb.jpg", ContentFile(_thumbnail(image)), save=False)
    try:
        with transaction.atomic():
            asset_file.save()
            activity_record(
                project=asset.project, actor=actor, verb="uploaded file", target=asset_file,
                data={"asset": asset.name, "format": fmt, "size": [image.width, image.height]},
            )
    except IntegrityError:
        default_storage.delete(asset_file.file.name)
        default_storage.delete(asset_file.thumbnail.name)
        raise AssetFileDuplicate(f"This image is already in {asset.name}.") from None
    except Exception:
        default_storage.delete(asset_file.file.name)
        default_storage.delete(asset_file.thumbnail.name)
        raise
    return asset_file
