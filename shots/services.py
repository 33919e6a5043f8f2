"""Writes for scenes, shots and the references attached to them."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from assets.models import AssetFile, MediaKind
from lotix.errors import DomainError
from projects.models import AspectRatio, Project, Resolution
from projects.services import activity_record
from shots.models import (
    MAX_IMAGE_REFERENCES,
    CameraMovement,
    ReferenceJob,
    ReferenceRole,
    Scene,
    Shot,
    ShotReference,
    code_validator,
)


class CodeTaken(DomainError):
    status_code = 409


class TooManyReferences(DomainError):
    pass


class ReferenceRoleTaken(DomainError):
    status_code = 409


class ReferenceInvalid(DomainError):
    pass


def _clean_code(code: str) -> str:
    code = code.strip().upper()
    try:
        code_validator(code)
    except ValidationError as error:
        raise DomainError(f"{code or 'An empty code'}: {error.messages[0]}") from None
    return code


@transaction.atomic
def scene_create(
    *, project: Project, actor, code: str, title: str = "", synopsis: str = "",
    order: int | None = None,
) -> Scene:
    """Add a scene to the project; codes are unique within the project."""
    code = _clean_code(code)
    if Scene.objects.filter(project=project, code=code).exists():
        raise CodeTaken(f"Scene {code} already exists in {project.name}.")
    if order is None:
        order = Scene.objects.filter(project=project).count()
    scene = Scene.objects.create(
        project=project, code=code, title=title.strip(), synopsis=synopsis.strip(), order=order
    )
    activity_record(project=project, actor=actor, verb="created scene", target=scene)
    return scene


SHOT_PLAN_FIELDS = (
    "job", "subject_action", "camera_movement", "framing", "lighting", "duration_s",
    "aspect_ratio", "resolution", "fps", "negative_constraints", "review_standard",
    "motion_prompt",
)


def _clean_plan(plan: dict) -> dict:
    unknown = set(plan) - set(SHOT_PLAN_FIELDS)
    if unknown:
        raise DomainError(f"Unknown shot plan fields: {', '.join(sorted(unknown))}.")
    cleaned = dict(plan)
    if "camera_movement" in cleaned and cleaned["camera_movement"] not in CameraMovement.values:
        raise DomainError(f"Unknown camera movement {cleaned['camera_movement']!r}.")
    if cleaned.get("aspect_ratio") and cleaned["aspect_ratio"] not in AspectRatio.values:
        raise DomainError(f"Unknown aspect ratio {cleaned['aspect_ratio']!r}.")
    if cleaned.get("resolution") and cleaned["resolution"] not in Resolution.values:
        raise DomainError(f"Unknown resolution {cleaned['resolution']!r}.")
    if "duration_s" in cleaned:
        try:
            duration = Decimal(str(cleaned["duration_s"]))
        except InvalidOperation:
            raise DomainError("Duration must be a number of seconds.") from None
        if not Decimal("0") < duration <= Decimal("60"):
            raise DomainError("Duration must be more than 0 and at most 60 seconds.")
        cleaned["duration_s"] = duration.quantize(Decimal("0.01"))
    if cleaned.get("fps") is not None and not 1 <= int(cleaned["fps"]) <= 120:
        raise DomainError("Frame rate must be between 1 and 120 fps.")
    for key, value in cleaned.items():
        if isinstance(value, str):
            cleaned[key] = value.strip()
    return cleaned


@transaction.atomic
def shot_create(*, scene: Scene, actor, code: str, order: int | None = None, **plan) -> Shot:
    """Add a shot with its plan to a scene; codes are unique within the scene."""
    code = _clean_code(code)
    if Shot.objects.filter(scene=scene, code=code).exists():
        raise CodeTaken(f"Shot {code} already exists in scene {scene.code}.")
    if order is None:
        order = Shot.objects.filter(scene=scene).count()
    shot = Shot.objects.create(scene=scene, code=code, order=order, **_clean_plan(plan))
    activity_record(project=scene.project, actor=actor, verb="created shot", target=shot)
    return shot


@transaction.atomic
def shot_reference_add(
    *, shot: Shot, actor, asset_file: AssetFile, role: str, job: str, instruction: str = "",
    priority: int | None = None,
) -> ShotReference:
    """Attach an asset file to a shot with a role, a job and an instruction."""
    if role not in ReferenceRole.values:
        raise ReferenceInvalid(f"Unknown reference role {role!r}.")
    if job not in ReferenceJob.values:
        raise ReferenceInvalid(f"Unknown reference job {job!r}.")
    if asset_file.asset.project_id != shot.scene.project_id:
        raise ReferenceInvalid("That file belongs to another project.")
    if asset_file.media_kind == MediaKind.VIDEO and (
        role != ReferenceRole.REFERENCE or job != ReferenceJob.MOTION
    ):
        raise ReferenceInvalid("A video can only be attached as a motion reference.")
    # Lock the shot row so two concurrent adds cannot both pass the count below.
    Shot.objects.select_for_update().filter(pk=shot.pk).first()
    existing = list(shot.references.select_related("asset_file"))
    if asset_file.media_kind == MediaKind.IMAGE:
        images = sum(1 for ref in existing if ref.asset_file.media_kind == MediaKind.IMAGE)
        if images >= MAX_IMAGE_REFERENCES:
            raise TooManyReferences(
                f"Shot {shot.code} already has {images} image references; "
                f"at most {MAX_IMAGE_REFERENCES} are allowed. Remove one first."
            )
    if role in (ReferenceRole.FIRST, ReferenceRole.LAST) and any(
        ref.role == role for ref in existing
    ):
        label = ReferenceRole(role).label.lower()
        raise ReferenceRoleTaken(
            f"Shot {shot.code} already has a {label}; replace or remove it first."
        )
    if any(ref.asset_file_id == asset_file.pk for ref in existing):
        raise ReferenceRoleTaken(f"That file is already attached to shot {shot.code}.")
    if priority is None:
        priority = max((ref.priority for ref in existing), default=-1) + 1
    try:
        with transaction.atomic():
            reference = ShotReference.objects.create(
                shot=shot, asset_file=asset_file, role=role, job=job,
                instruction=instruction.strip(), priority=priority,
            )
    except IntegrityError:
        raise ReferenceRoleTaken(
            f"Shot {shot.code} changed while you were editing; reload and try again."
        ) from None
    activity_record(
        project=shot.scene.project, actor=actor, verb="attached reference", target=reference,
        data={"role": role, "job": job, "file": str(asset_file.uuid)},
    )
    return reference
