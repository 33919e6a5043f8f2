"""Writes for scenes, shots and the references attached to them."""

import csv
import io
import re
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
    ShotStatus,
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


def _references_locked(shot: Shot) -> list[ShotReference]:
    # Lock the shot row so a concurrent add, change or reorder cannot slip past the rules.
    Shot.objects.select_for_update().filter(pk=shot.pk).first()
    return list(shot.references.select_related("asset_file").order_by("priority", "pk"))


@transaction.atomic
def shot_reference_update(
    *, reference: ShotReference, actor, role: str | None = None, job: str | None = None,
    instruction: str | None = None,
) -> ShotReference:
    """Change a reference's role, job or instruction under the same rules as attaching it."""
    shot = reference.shot
    existing = _references_locked(shot)
    reference = next((ref for ref in existing if ref.pk == reference.pk), None)
    if reference is None:
        raise ReferenceInvalid(f"That reference is no longer on shot {shot.code}; reload.")
    role = reference.role if role is None else role
    job = reference.job if job is None else job
    if role not in ReferenceRole.values:
        raise ReferenceInvalid(f"Unknown reference role {role!r}.")
    if job not in ReferenceJob.values:
        raise ReferenceInvalid(f"Unknown reference job {job!r}.")
    if reference.asset_file.media_kind == MediaKind.VIDEO and (
        role != ReferenceRole.REFERENCE or job != ReferenceJob.MOTION
    ):
        raise ReferenceInvalid("A video can only be attached as a motion reference.")
    if role in (ReferenceRole.FIRST, ReferenceRole.LAST) and any(
        ref.role == role and ref.pk != reference.pk for ref in existing
    ):
        label = ReferenceRole(role).label.lower()
        raise ReferenceRoleTaken(
            f"Shot {shot.code} already has a {label}; replace or remove it first."
        )
    changes = {}
    for name, value in (("role", role), ("job", job),
                        ("instruction", None if instruction is None else instruction.strip())):
        if value is not None and getattr(reference, name) != value:
            changes[name] = value
            setattr(reference, name, value)
    if len(reference.instruction) > 300:
        raise ReferenceInvalid("Keep the instruction to 300 characters or fewer.")
    if changes:
        reference.save(update_fields=list(changes))
        activity_record(project=shot.scene.project, actor=actor, verb="changed reference",
                        target=reference, data=changes)
    return reference


@transaction.atomic
def shot_reference_remove(*, reference: ShotReference, actor) -> None:
    """Detach a reference from its shot; the asset file stays in the library."""
    shot = reference.shot
    _references_locked(shot)
    data = {"role": reference.role, "job": reference.job,
            "file": str(reference.asset_file.uuid)}
    label = str(reference)
    deleted, _ = ShotReference.objects.filter(pk=reference.pk).delete()
    if deleted:
        activity_record(project=shot.scene.project, actor=actor, verb="removed reference",
                        target=shot, data={**data, "reference": label})


@transaction.atomic
def shot_references_reorder(*, shot: Shot, actor, reference_ids: list[int]) -> list[ShotReference]:
    """Set the shot's reference priorities to the given order; every reference must be named."""
    existing = {ref.pk: ref for ref in _references_locked(shot)}
    if sorted(reference_ids) != sorted(existing) or len(set(reference_ids)) != len(reference_ids):
        raise ReferenceInvalid(
            f"The references of shot {shot.code} changed while you were ordering them; reload."
        )
    ordered = []
    for priority, pk in enumerate(reference_ids):
        reference = existing[pk]
        reference.priority = priority
        ordered.append(reference)
    ShotReference.objects.bulk_update(ordered, ["priority"])
    activity_record(project=shot.scene.project, actor=actor, verb="reordered references",
                    target=shot, data={"order": reference_ids})
    return ordered


# --- Planning: codes, order, rename, omit, duplicate, plan edits, shot list import ---------

_CODE_PARTS = re.compile(r"^([A-Z]{2,4})(\d{3,4})([A-Z]?)$")


class ShotListInvalid(DomainError):
    pass


def _code_number(code: str, prefix: str) -> int | None:
    match = _CODE_PARTS.match(code)
    if match is None or match.group(1) != prefix:
        return None
    return int(match.group(2))


def next_code(prefix: str, codes: list[str]) -> str:
    numbers = [n for n in (_code_number(c, prefix) for c in codes) if n is not None]
    return f"{prefix}{(max(numbers, default=0) // 10 + 1) * 10:03d}"


def scene_code_suggest(*, project: Project) -> str:
    """The next free scene code after the highest one: SC010, SC020, …"""
    codes = Scene.objects.filter(project=project).values_list("code", flat=True)
    return next_code("SC", list(codes))


def _shots_in_order(scene: Scene) -> list[Shot]:
    return list(Shot.objects.filter(scene=scene).order_by("order", "code", "pk"))


def shot_code_suggest(*, scene: Scene, after: Shot | None = None) -> str:
    """A code for a new shot: SH0x0 at the end, or halfway between `after` and its neighbour."""
    shots = _shots_in_order(scene)
    codes = [s.code for s in shots]
    if after is not None:
        index = next((i for i, s in enumerate(shots) if s.pk == after.pk), None)
        if index is not None and index + 1 < len(shots):
            low = _code_number(shots[index].code, "SH")
            high = _code_number(shots[index + 1].code, "SH")
            if low is not None and high is not None and high - low >= 2:
                code = f"SH{(low + high) // 2:03d}"
            elif low is not None:
                code = next((f"SH{low:03d}{letter}" for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                             if f"SH{low:03d}{letter}" not in codes), "")
            else:
                code = ""
            if code and code not in codes:
                return code
    return next_code("SH", codes)


def _renumber(items: list) -> None:
    for order, item in enumerate(items):
        item.order = order
    if items:
        type(items[0]).objects.bulk_update(items, ["order"])


@transaction.atomic
def shot_add(*, scene: Scene, actor, code: str = "", after: Shot | None = None, **plan) -> Shot:
    """Add a shot at the end of the scene or right after `after`; a blank code is suggested."""
    if after is not None and after.scene_id != scene.pk:
        raise DomainError(f"Shot {after.code} is not in scene {scene.code}.")
    code = code.strip() or shot_code_suggest(scene=scene, after=after)
    shot = shot_create(scene=scene, actor=actor, code=code, **plan)
    if after is not None:
        shots = [s for s in _shots_in_order(scene) if s.pk != shot.pk]
        index = next(i for i, s in enumerate(shots) if s.pk == after.pk)
        shots.insert(index + 1, shot)
        _renumber(shots)
    return shot


@transaction.atomic
def scene_add(*, project: Project, actor, code: str = "", title: str = "") -> Scene:
    """Add a scene at the end of the project; a blank code is suggested."""
    code = code.strip() or scene_code_suggest(project=project)
    order = max(Scene.objects.filter(project=project).values_list("order", flat=True),
                default=-1) + 1
    return scene_create(project=project, actor=actor, code=code, title=title, order=order)


@transaction.atomic
def scene_rename(*, scene: Scene, actor, code: str, title: str) -> Scene:
    """Change a scene's code and title; the code stays unique in the project."""
    code = _clean_code(code)
    if Scene.objects.filter(project=scene.project, code=code).exclude(pk=scene.pk).exists():
        raise CodeTaken(f"Scene {code} already exists in {scene.project.name}.")
    before = {"code": scene.code, "title": scene.title}
    scene.code, scene.title = code, title.strip()[:200]
    scene.save(update_fields=["code", "title"])
    activity_record(project=scene.project, actor=actor, verb="renamed scene", target=scene,
                    data={"from": before, "to": {"code": scene.code, "title": scene.title}})
    return scene


@transaction.atomic
def shot_rename(*, shot: Shot, actor, code: str) -> Shot:
    """Change a shot's code; it stays unique in its scene."""
    code = _clean_code(code)
    if Shot.objects.filter(scene=shot.scene, code=code).exclude(pk=shot.pk).exists():
        raise CodeTaken(f"Shot {code} already exists in scene {shot.scene.code}.")
    before = shot.code
    shot.code = code
    shot.save(update_fields=["code", "updated_at"])
    activity_record(project=shot.scene.project, actor=actor, verb="renamed shot", target=shot,
                    data={"from": before, "to": code})
    return shot


def _move(items: list, pk: int, direction: str) -> bool:
    if direction not in ("up", "down"):
        raise DomainError("Move a scene or shot up or down.")
    index = next(i for i, item in enumerate(items) if item.pk == pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(items):
        return False
    items[index], items[other] = items[other], items[index]
    _renumber(items)
    return True


@transaction.atomic
def scene_move(*, scene: Scene, actor, direction: str) -> Scene:
    """Move a scene one place up or down in the project; at either end nothing changes."""
    scenes = list(Scene.objects.select_for_update().filter(project=scene.project)
                  .order_by("order", "code", "pk"))
    if _move(scenes, scene.pk, direction):
        activity_record(project=scene.project, actor=actor, verb="moved scene", target=scene,
                        data={"direction": direction})
    return scene


@transaction.atomic
def shot_move(*, shot: Shot, actor, direction: str) -> Shot:
    """Move a shot one place up or down in its scene; at either end nothing changes."""
    Scene.objects.select_for_update().filter(pk=shot.scene_id).first()
    if _move(_shots_in_order(shot.scene), shot.pk, direction):
        activity_record(project=shot.scene.project, actor=actor, verb="moved shot", target=shot,
                        data={"direction": direction})
    return shot


@transaction.atomic
def shots_reorder(*, scene: Scene, actor, shot_ids: list[int]) -> list[Shot]:
    """Put the scene's shots in the given order; every shot of the scene must be named once."""
    Scene.objects.select_for_update().filter(pk=scene.pk).first()
    shots = {s.pk: s for s in _shots_in_order(scene)}
    if sorted(shot_ids) != sorted(shots) or len(set(shot_ids)) != len(shot_ids):
        raise DomainError(f"The shots of scene {scene.code} changed while you moved them; reload.")
    ordered = [shots[pk] for pk in shot_ids]
    _renumber(ordered)
    activity_record(project=scene.project, actor=actor, verb="reordered shots", target=scene,
                    data={"order": [s.code for s in ordered]})
    return ordered


@transaction.atomic
def shot_omit(*, shot: Shot, actor) -> Shot:
    """Mark the shot omitted; its plan, references and takes stay."""
    if shot.status != ShotStatus.OMITTED:
        before = shot.status
        shot.status = ShotStatus.OMITTED
        shot.save(update_fields=["status", "updated_at"])
        activity_record(project=shot.scene.project, actor=actor, verb="omitted shot",
                        target=shot, data={"from": before})
    return shot


@transaction.atomic
def shot_restore(*, shot: Shot, actor) -> Shot:
    """Bring an omitted shot back as planned."""
    if shot.status == ShotStatus.OMITTED:
        shot.status = ShotStatus.PLANNED
        shot.save(update_fields=["status", "updated_at"])
        activity_record(project=shot.scene.project, actor=actor, verb="restored shot",
                        target=shot)
    return shot


@transaction.atomic
def shot_duplicate(*, shot: Shot, actor) -> Shot:
    """Copy a shot's plan and references into a new shot placed right after it."""
    plan = {name: getattr(shot, name) for name in SHOT_PLAN_FIELDS}
    copy = shot_add(scene=shot.scene, actor=actor, after=shot, **plan)
    ShotReference.objects.bulk_create([
        ShotReference(shot=copy, asset_file_id=ref.asset_file_id, role=ref.role, job=ref.job,
                      instruction=ref.instruction, priority=ref.priority)
        for ref in shot.references.all()
    ])
    activity_record(project=shot.scene.project, actor=actor, verb="duplicated shot",
                    target=copy, data={"from": shot.code})
    return copy


@transaction.atomic
def shot_plan_update(*, shot: Shot, actor, **plan) -> Shot:
    """Change the shot plan; only the fields given change, each checked as on creation."""
    cleaned = _clean_plan(plan)
    changed = [name for name, value in cleaned.items() if getattr(shot, name) != value]
    for name in changed:
        setattr(shot, name, cleaned[name])
    if changed:
        shot.save(update_fields=[*changed, "updated_at"])
        activity_record(project=shot.scene.project, actor=actor, verb="edited shot plan",
                        target=shot, data={"fields": changed})
    return shot


SHOT_LIST_COLUMNS = {
    "scene": "scene", "scene_code": "scene",
    "shot": "shot", "shot_code": "shot",
    "job": "job",
    "subject_action": "subject_action", "subject_and_action": "subject_action",
    "subject": "subject_action", "action": "subject_action",
    "camera": "camera", "camera_movement": "camera",
    "duration": "duration", "duration_s": "duration",
    "aspect_ratio": "aspect_ratio", "aspect": "aspect_ratio",
}
SHOT_LIST_MAX_ROWS = 2000
_CAMERA_ALIASES = {"pan_l": "pan_left", "pan_r": "pan_right", "tilt_u": "tilt_up",
                   "tilt_d": "tilt_down", "push": "push_in", "pull": "pull_out",
                   "dolly_in": "push_in", "dolly_out": "pull_out", "locked_off": "static"}


def _column(header: str) -> str | None:
    key = re.sub(r"[^a-z0-9]+", "_", header.strip().lower().replace("&", " and ")).strip("_")
    return SHOT_LIST_COLUMNS.get(key)


def _camera_from_text(text: str) -> str | None:
    key = re.sub(r"[\s/-]+", "_", text.strip().lower())
    key = _CAMERA_ALIASES.get(key, key)
    if not key:
        return CameraMovement.STATIC
    return key if key in CameraMovement.values else None


def shot_list_check(*, project: Project, text: str) -> list[dict]:
    """Read a CSV shot list and return one row per line with its plan and its errors (no writes)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise ShotListInvalid("The file is empty; the first line must name the columns.") from None
    columns = [_column(name) for name in header]
    for needed in ("scene", "shot"):
        if needed not in columns:
            raise ShotListInvalid(
                f"The first line must name a “{needed} code” column; it has: "
                f"{', '.join(h for h in header if h.strip()) or 'nothing'}.")
    existing = {(scene, shot) for scene, shot in
                Shot.objects.filter(scene__project=project)
                .values_list("scene__code", "code")}
    scenes = set(Scene.objects.filter(project=project).values_list("code", flat=True))
    seen: dict[tuple[str, str], int] = {}
    rows = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= SHOT_LIST_MAX_ROWS:
                raise ShotListInvalid(
                    f"The file has more than {SHOT_LIST_MAX_ROWS} shots; split it.")
            values = {}
            for name, cell in zip(columns, cells, strict=False):
                if name and not values.get(name):
                    values[name] = cell.strip()
            errors = []
            scene_code = values.get("scene", "").upper()
            shot_code = values.get("shot", "").upper()
            for label, code in (("Scene", scene_code), ("Shot", shot_code)):
                try:
                    code_validator(code)
                except ValidationError as error:
                    errors.append(f"{label} code {code or '(blank)'}: {error.messages[0]}")
            plan = {"job": values.get("job", ""),
                    "subject_action": values.get("subject_action", "")}
            camera = _camera_from_text(values.get("camera", ""))
            if camera is None:
                errors.append(f"Unknown camera movement “{values['camera']}”; use one of "
                              f"{', '.join(CameraMovement.labels)}.")
            else:
                plan["camera_movement"] = camera
            duration_text = values.get("duration", "").lower().removesuffix("s").strip()
            if duration_text:
                try:
                    duration = Decimal(duration_text)
                    if not duration.is_finite() or not Decimal(0) < duration <= Decimal(60):
                        raise InvalidOperation
                    plan["duration_s"] = duration.quantize(Decimal("0.01"))
                except InvalidOperation:
                    errors.append(f"Duration “{values['duration']}” must be a number of seconds "
                                  "above 0 and at most 60.")
            aspect = values.get("aspect_ratio", "")
            if aspect and aspect not in AspectRatio.values:
                errors.append(f"Unknown aspect ratio “{aspect}”; use one of "
                              f"{', '.join(AspectRatio.values)}.")
            elif aspect:
                plan["aspect_ratio"] = aspect
            line = reader.line_num
            key = (scene_code, shot_code)
            if key in seen:
                errors.append(f"Shot {scene_code}/{shot_code} is also on line {seen[key]}.")
            elif key in existing:
                errors.append(f"Shot {scene_code}/{shot_code} already exists in the project.")
            seen.setdefault(key, line)
            rows.append({"line": line, "scene": scene_code, "shot": shot_code, "plan": plan,
                         "camera_label": CameraMovement(camera).label if camera else "",
                         "new_scene": scene_code not in scenes, "errors": errors})
    except csv.Error as error:
        raise ShotListInvalid(f"The file is not a readable CSV: {error}.") from None
    if not rows:
        raise ShotListInvalid("The file names its columns but has no shots.")
    return rows


@transaction.atomic
def shot_list_import(*, project: Project, actor, text: str) -> list[Shot]:
    """Create every shot of an error-free CSV shot list, and its new scenes; all or nothing."""
    rows = shot_list_check(project=project, text=text)
    bad = [row for row in rows if row["errors"]]
    if bad:
        raise ShotListInvalid(
            f"{len(bad)} of {len(rows)} rows have errors (first on line {bad[0]['line']}); "
            "fix the file and import again. Nothing was imported.")
    scenes = {scene.code: scene for scene in Scene.objects.filter(project=project)}
    shots = []
    for row in rows:
        scene = scenes.get(row["scene"])
        if scene is None:
            scene = scenes[row["scene"]] = scene_add(project=project, actor=actor,
                                                     code=row["scene"])
        shots.append(shot_add(scene=scene, actor=actor, code=row["shot"], **row["plan"]))
    activity_record(project=project, actor=actor, verb="imported shot list", target=project,
                    data={"shots": len(shots)})
    return shots
