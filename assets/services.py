"""Writes for the asset library: assets and the files ingested into them."""

import contextlib
import logging
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from assets import preflight
from assets.models import Asset, AssetFile, AssetKind, MediaKind, UsageApproval
from assets.validation import (
    NormalizedImage,
    NormalizedVideo,
    TooManyFiles,
    UploadLimits,
    UploadRejected,
    display_name,
    validate_image,
    validate_upload,
)
from lotix.errors import DomainError
from projects.models import Activity, Project
from projects.services import activity_record

log = logging.getLogger(__name__)


class AssetFileDuplicate(DomainError):
    """The asset already holds a file with the same content."""

    status_code = 409


class MediaStorageUnavailable(DomainError):
    """Media storage (the disk or the S3 bucket) refused or did not answer a write."""

    status_code = 503


STORAGE_DOWN = "Media storage is not answering; nothing was saved. Try again in a minute."


def storage_errors() -> tuple[type[BaseException], ...]:
    """What a storage backend raises when it is down: OSError for a disk, botocore's for S3."""
    from botocore.exceptions import BotoCoreError, ClientError

    return (OSError, BotoCoreError, ClientError)


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


def image_preflight(normalized: NormalizedImage, *, aspect: str = "") -> list[dict]:
    """The preflight checks of a validated image against the project's default aspect ratio."""
    if normalized.measurements is None:
        return [preflight.check_resolution(normalized.width, normalized.height)]
    return preflight.report(normalized.measurements, aspect=aspect)


def upload_limits() -> UploadLimits:
    """The byte limits from settings, with the validator's pixel, frame and duration ceilings."""
    return UploadLimits(image_bytes=settings.LOTIX_MAX_IMAGE_BYTES,
                        video_bytes=settings.LOTIX_MAX_VIDEO_BYTES)


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
    normalized = validate_image(data, upload_limits())
    return _asset_file_store(
        asset=asset, actor=actor, normalized=normalized, original_name=original_name,
        source=source, rights_owner=rights_owner, approval=approval,
    )


def asset_file_ingest(
    *,
    asset: Asset,
    actor,
    upload,
    original_name: str | None = None,
    source: str = "",
    rights_owner: str = "",
    approval: str = UsageApproval.PENDING,
) -> AssetFile:
    """Validate one uploaded image or reference video (content decides) and store it."""
    normalized = validate_upload(upload, upload_limits())
    try:
        return _asset_file_store(
            asset=asset, actor=actor, normalized=normalized,
            original_name=getattr(upload, "name", "") if original_name is None else original_name,
            source=source, rights_owner=rights_owner, approval=approval,
        )
    finally:
        normalized.discard()


@dataclass
class UploadOutcome:
    """What one upload request did: the asset, the files stored and the files refused."""

    asset: Asset | None
    accepted: list[AssetFile] = field(default_factory=list)
    refused: list[tuple[str, DomainError]] = field(default_factory=list)

    @property
    def status_code(self) -> int:
        """200 when nothing was refused; otherwise the refusals' shared status, or 400."""
        codes = {error.status_code for _, error in self.refused}
        if not codes:
            return 200
        return codes.pop() if len(codes) == 1 else 400


def asset_files_upload(
    *,
    project: Project,
    actor,
    uploads: list,
    asset: Asset | None = None,
    kind: str = "",
    name: str = "",
    source: str = "",
    rights_owner: str = "",
    approval: str = UsageApproval.PENDING,
) -> UploadOutcome:
    """Ingest each upload, file by file, into `asset` or a new asset made on the first success."""
    # Each file is stored or refused on its own; a refused one leaves no row and no object.
    if asset is not None and asset.project_id != project.pk:
        raise DomainError("That asset belongs to another project.")
    if len(uploads) > settings.DATA_UPLOAD_MAX_NUMBER_FILES:
        raise TooManyFiles(
            f"Upload at most {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files at a time."
        )
    outcome = UploadOutcome(asset=asset)
    limits = upload_limits()
    for upload in uploads:
        label = display_name(getattr(upload, "name", "")) or "Unnamed file"
        try:
            # Validate one file at a time so at most one normalized file is held at once.
            normalized = validate_upload(upload, limits)
        except UploadRejected as error:
            outcome.refused.append((label, error))
            continue
        created = outcome.asset is None
        try:
            if outcome.asset is None:
                outcome.asset = asset_create(project=project, actor=actor, kind=kind, name=name)
            outcome.accepted.append(_asset_file_store(
                asset=outcome.asset, actor=actor, normalized=normalized, original_name=label,
                source=source, rights_owner=rights_owner, approval=approval,
            ))
        except MediaStorageUnavailable as error:
            if outcome.accepted:
                outcome.refused.append((label, error))
                continue
            # Storage is down before anything was stored: answer 503 for the whole upload and
            # take back the asset this request made for it, so no empty asset is left behind.
            if created and outcome.asset is not None:
                _asset_discard_empty(outcome.asset)
            raise
        except DomainError as error:
            outcome.refused.append((label, error))
        finally:
            normalized.discard()
    return outcome


@transaction.atomic
def _asset_discard_empty(asset: Asset) -> None:
    """Delete an asset made by a failed upload, with its creation record, if it holds no file."""
    locked = Asset.objects.select_for_update().filter(pk=asset.pk).first()
    if locked is not None and not AssetFile.objects.filter(asset=locked).exists():
        Activity.objects.filter(project_id=asset.project_id, verb="created asset",
                                target_type=asset._meta.model_name,
                                target_id=str(asset.pk)).delete()
        asset.delete()


def _asset_file_store(
    *, asset: Asset, actor, normalized: NormalizedImage | NormalizedVideo, original_name: str,
    source: str, rights_owner: str, approval: str,
) -> AssetFile:
    noun = normalized.media_kind
    if approval not in UsageApproval.values:
        raise DomainError(f"Unknown usage approval {approval!r}.")
    if AssetFile.objects.filter(asset=asset, sha256=normalized.sha256).exists():
        raise AssetFileDuplicate(f"This {noun} is already in {asset.name}.")
    asset_file = AssetFile(
        uuid=uuid.uuid4(), asset=asset, original_name=display_name(original_name),
        sha256=normalized.sha256, media_kind=normalized.media_kind, format=normalized.format,
        width=normalized.width, height=normalized.height, duration_s=normalized.duration_s,
        bytes=normalized.size, source=source[:200], rights_owner=rights_owner[:200],
        approval=approval,
        preflight=(image_preflight(normalized, aspect=asset.project.default_aspect_ratio)
                   if noun == MediaKind.IMAGE else []),
    )
    # Storage first under server-made keys, then the row in a short transaction: a crash
    # between the two leaves an orphan object, never a row pointing at nothing. On any failure
    # the objects written so far are deleted.
    written = []
    try:
        try:
            with normalized.open() as content:
                asset_file.file.save(f"original.{normalized.ext}", File(content), save=False)
            written.append(asset_file.file.name)
            asset_file.thumbnail.save("thumb.jpg", ContentFile(normalized.thumbnail), save=False)
            written.append(asset_file.thumbnail.name)
        except storage_errors() as error:
            log.warning("Media storage refused %s: %s: %s", noun, type(error).__name__, error)
            # The storage that failed may fail the clean-up too; the upload is refused anyway.
            with contextlib.suppress(*storage_errors()):
                _delete_objects(written)
            written = []
            raise MediaStorageUnavailable(STORAGE_DOWN) from error
        with transaction.atomic():
            asset_file.save()
            activity_record(
                project=asset.project, actor=actor, verb="uploaded file", target=asset_file,
                data={"asset": asset.name, "media": noun,
                      "format": normalized.source_format,
                      "size": [normalized.width, normalized.height]},
            )
    except IntegrityError:
        _delete_objects(written)
        raise AssetFileDuplicate(f"This {noun} is already in {asset.name}.") from None
    except BaseException:
        _delete_objects(written)
        raise
    return asset_file


def _delete_objects(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


USAGE_FIELDS = ("source", "rights_owner", "approval", "client_use_notes")


@transaction.atomic
def asset_file_usage_update(
    *, asset_file: AssetFile, actor, source: str, rights_owner: str, approval: str,
    client_use_notes: str,
) -> AssetFile:
    """Change a file's usage record (source, rights owner, approval, client-use notes)."""
    if approval not in UsageApproval.values:
        raise DomainError(f"Unknown usage approval {approval!r}.")
    new = {"source": " ".join(source.split())[:200],
           "rights_owner": " ".join(rights_owner.split())[:200],
           "approval": approval, "client_use_notes": client_use_notes.strip()[:4000]}
    changed = {name: value for name, value in new.items() if getattr(asset_file, name) != value}
    if not changed:
        return asset_file
    before = {name: getattr(asset_file, name) for name in changed}
    for name, value in changed.items():
        setattr(asset_file, name, value)
    asset_file.save(update_fields=list(changed))
    activity_record(
        project=asset_file.asset.project, actor=actor, verb="changed usage record",
        target=asset_file, data={"from": before, "to": changed},
    )
    return asset_file
