"""Writes for takes: freezing requests, the worker's claim/progress/finish, cancel and sweep.

The web side (`take_request`, `take_cancel`) and the worker side (`takes_claim`,
`takes_progress`, `take_succeed`, `take_fail`, `takes_sweep`) meet only in the Take rows;
no slow work runs inside any transaction here.
"""

import logging
import random
from dataclasses import dataclass, replace
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q, Sum
from django.db.models.functions import Greatest
from django.utils import timezone

from generation import profiles
from generation.prompting import assemble_negative, assemble_prompt
from generation.spec import ReferenceInput, TakeSpec, real_duration
from hooks.services import take_event_data, webhook_emit
from lotix.errors import DomainError
from projects.models import AspectRatio
from projects.services import activity_record
from shots.models import ReferenceRole, Shot, ShotStatus
from takes.models import Take, TakeStatus

log = logging.getLogger(__name__)

MAX_VARIATIONS = 8
MAX_ATTEMPTS = 3
SEED_LIMIT = 2**31 - 1
GENERATE_TASK = "worker.generate_takes"


def lease_ttl() -> timedelta:
    """A running take whose heartbeat is older than this is presumed lost with its worker."""
    return timedelta(seconds=settings.LOTIX_TAKE_LEASE_S)


def republish_after() -> timedelta:
    """A queued take whose message was published longer ago than this is published again."""
    return timedelta(seconds=settings.LOTIX_TAKE_REPUBLISH_S)


class BudgetExceeded(DomainError):
    pass


class TakeRequestInvalid(DomainError):
    pass


class TakeNotCancelable(DomainError):
    status_code = 409


@dataclass(frozen=True)
class TakePlan:
    """A shot turned into what one take of a profile would be, before a seed is drawn."""

    profile: profiles.Profile
    spec: TakeSpec
    reference_files: tuple[str, ...]
    real_duration_s: float
    estimated_gpu_seconds: float
    skipped_references: int


def take_plan(*, shot: Shot, profile_id: str, aspect_ratio: str | None = None) -> TakePlan:
    """Freeze a shot's plan and references into a request for the profile, or say why not.

    `aspect_ratio` overrides the shot's own, for format variants of one shot.
    """
    profile = profiles.profile_get(profile_id)
    caps = profile.capabilities
    refs = sorted(shot.references.all(), key=lambda r: (r.priority, r.pk))
    first = [r for r in refs if r.role == ReferenceRole.FIRST]
    last = [r for r in refs if r.role == ReferenceRole.LAST]
    others = [r for r in refs if r.role == ReferenceRole.REFERENCE
              and r.asset_file.media_kind == "image"]
    profiles.check_references(
        profile, has_first=bool(first), has_last=bool(last), n_references=len(others)
    )
    if not profiles.weights_present(profile, settings.LOTIX_MODELS_DIR):
        from generation.loader import resolve_weights

        resolve_weights(profile, settings.LOTIX_MODELS_DIR)  # raises WeightsMissing
    used = first + last + ([] if caps.skips_references else others[: caps.max_references])
    fps = profiles.fps_for(profile, shot.effective_fps())
    num_frames = profiles.frames_for(profile, duration_s=float(shot.duration_s), fps=fps)
    width, height = profiles.size_for(
        profile, aspect=aspect_ratio or shot.effective_aspect_ratio(),
        resolution=shot.effective_resolution(),
    )
    spec = TakeSpec(
        profile_id=profile.id,
        prompt=assemble_prompt(
            motion_prompt=shot.motion_prompt, subject_action=shot.subject_action,
            camera_movement=shot.camera_movement, framing=shot.framing, lighting=shot.lighting,
        ),
        negative_prompt=assemble_negative(shot.negative_constraints),
        seed=0,
        steps=caps.default_steps,
        guidance=caps.default_guidance,
        num_frames=num_frames,
        fps=fps,
        width=width,
        height=height,
        camera_movement=shot.camera_movement,
        references=tuple(
            ReferenceInput(role=r.role, job=r.job, sha256=r.asset_file.sha256,
                           instruction=r.instruction, priority=r.priority)
            for r in used
        ),
        weights_revision=profiles.weights_revision(profile, settings.LOTIX_MODELS_DIR),
    )
    profiles.check_spec(profile, spec)
    return TakePlan(
        profile=profile,
        spec=spec,
        reference_files=tuple(str(r.asset_file.uuid) for r in used),
        real_duration_s=real_duration(num_frames, fps),
        estimated_gpu_seconds=profiles.estimate_gpu_seconds(
            profile, num_frames=num_frames, width=width, height=height, steps=spec.steps
        ),
        skipped_references=len(refs) - len(used),
    )


def project_gpu_usage(project) -> dict:
    """GPU-seconds spent and reserved by queued or running takes, against the budget."""
    takes = Take.objects.filter(shot__scene__project=project)
    spent = takes.aggregate(total=Sum("gpu_seconds"))["total"] or 0.0
    reserved = sum(
        float(request.get("estimated_gpu_seconds", 0))
        for request in takes.active().values_list("request", flat=True)
    )
    budget = project.budget_gpu_seconds
    return {
        "spent": spent,
        "reserved": reserved,
        "budget": budget,
        "left": None if budget is None else max(budget - spent - reserved, 0.0),
    }


def _draw_seeds(seed: int | None, variations: int) -> list[int]:
    if seed is not None:
        if not 0 <= seed <= SEED_LIMIT:
            raise TakeRequestInvalid(f"A seed is a whole number from 0 to {SEED_LIMIT}.")
        return [(seed + i) % (SEED_LIMIT + 1) for i in range(variations)]
    rng = random.SystemRandom()
    seeds: list[int] = []
    while len(seeds) < variations:
        candidate = rng.randrange(SEED_LIMIT + 1)
        if candidate not in seeds:
            seeds.append(candidate)
    return seeds


def take_request(
    *, shot: Shot, user, profile_id: str, variations: int = 1, seed: int | None = None,
    aspect_ratio: str | None = None,
) -> list[Take]:
    """Freeze the shot into `variations` queued takes and enqueue them when the commit lands."""
    if not 1 <= variations <= MAX_VARIATIONS:
        raise TakeRequestInvalid(f"Ask for 1 to {MAX_VARIATIONS} variations, not {variations}.")
    if aspect_ratio is not None and aspect_ratio not in AspectRatio.values:
        raise TakeRequestInvalid(f"Unknown aspect ratio {aspect_ratio!r}.")
    aspect_ratio = aspect_ratio or shot.effective_aspect_ratio()
    plan = take_plan(shot=shot, profile_id=profile_id, aspect_ratio=aspect_ratio)
    seeds = _draw_seeds(seed, variations)
    with transaction.atomic():
        # Lock the shot: take numbers are per shot and two requests must not race for them.
        Shot.objects.select_for_update().get(pk=shot.pk)
        project = shot.scene.project
        usage = project_gpu_usage(project)
        cost = plan.estimated_gpu_seconds * variations
        if usage["budget"] is not None and cost > usage["left"]:
            raise BudgetExceeded(
                f"This request needs about {cost:.0f} GPU-seconds but the project has "
                f"{usage['left']:.0f} of {usage['budget']} left. Ask a producer to raise the "
                "budget, or request fewer variations or a shorter shot."
            )
        number = (shot.takes.aggregate(n=Max("number"))["n"] or 0) + 1
        takes = []
        for offset, take_seed in enumerate(seeds):
            spec = replace(plan.spec, seed=take_seed)
            takes.append(Take.objects.create(
                shot=shot, number=number + offset, requested_by=user, profile_id=plan.profile.id,
                request={
                    "spec": spec.to_dict(),
                    "reference_files": list(plan.reference_files),
                    "real_duration_s": plan.real_duration_s,
                    "estimated_gpu_seconds": plan.estimated_gpu_seconds,
                    "aspect_ratio": aspect_ratio,
                },
            ))
        if shot.status == ShotStatus.PLANNED:
            Shot.objects.filter(pk=shot.pk).update(status=ShotStatus.GENERATING)
        activity_record(
            project=project, actor=user, verb="requested takes", target=shot,
            data={"profile": plan.profile.id, "takes": [t.label for t in takes], "seeds": seeds},
        )
        ids = [t.pk for t in takes]
        transaction.on_commit(lambda: takes_publish(ids, queue=plan.profile.queue))
    return takes


def takes_publish(take_ids: list[int], *, queue: str) -> bool:
    """Send one message for takes that run as one batch; a failure is left to the sweeper."""
    from lotix.celery import app

    try:
        app.send_task(GENERATE_TASK, args=[take_ids], queue=queue)
    except Exception:
        # The takes stay queued; takes_sweep publishes them again once the broker is back.
        log.exception("Could not publish takes %s to %s", take_ids, queue)
        return False
    Take.objects.filter(pk__in=take_ids).update(published_at=timezone.now())
    return True


def take_cancel(*, take: Take, user) -> Take:
    """Cancel a queued take at once, or ask a running one to stop at its next step."""
    with transaction.atomic():
        take = Take.objects.select_for_update().select_related("shot__scene__project").get(
            pk=take.pk
        )
        if take.status == TakeStatus.QUEUED:
            take.status = TakeStatus.CANCELED
            take.finished_at = timezone.now()
            take.save(update_fields=["status", "finished_at"])
        elif take.status == TakeStatus.RUNNING:
            take.cancel_requested = True
            take.save(update_fields=["cancel_requested"])
        else:
            raise TakeNotCancelable(f"Take {take.label} has already {take.status}.")
        activity_record(project=take.shot.scene.project, actor=user, verb="canceled take",
                        target=take)
        _shot_status_refresh(take.shot_id)
    return take


# --- the worker's side -------------------------------------------------------------------

def _claimable() -> Q:
    stale = timezone.now() - lease_ttl()
    return Q(status=TakeStatus.QUEUED) | Q(status=TakeStatus.RUNNING, heartbeat_at__lt=stale)


def takes_claim(take_ids: list[int], *, worker: str) -> list[Take]:
    """Claim the takes that are still queued (or whose lease expired); others are left alone.

    The conditional UPDATE is the claim: a re-delivered message finds nothing to claim.
    """
    now = timezone.now()
    with transaction.atomic():
        claimable = Take.objects.filter(_claimable(), pk__in=take_ids, cancel_requested=False)
        # Attempts are counted before any work, so a take that kills its worker every time
        # stops after MAX_ATTEMPTS instead of looping through redelivery forever.
        exhausted = list(claimable.filter(attempts__gte=MAX_ATTEMPTS).values_list("pk", flat=True))
        if exhausted:
            Take.objects.filter(pk__in=exhausted).update(
                status=TakeStatus.FAILED, finished_at=now, lease_owner="",
                error=f"The worker was lost {MAX_ATTEMPTS} times while making this take; "
                      "it was not retried again. Try fewer frames or a lower resolution.",
            )
        ids = list(
            claimable.exclude(pk__in=exhausted).select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        Take.objects.filter(pk__in=ids).update(
            status=TakeStatus.RUNNING, attempts=F("attempts") + 1, lease_owner=worker,
            heartbeat_at=now, started_at=now, progress=0, error="",
        )
        shot_ids = set(Take.objects.filter(pk__in=ids + exhausted).values_list("shot_id",
                                                                              flat=True))
        for shot_id in shot_ids:
            _shot_status_refresh(shot_id)
    return list(
        Take.objects.filter(pk__in=ids).select_related("shot__scene__project").order_by("number")
    )


def takes_progress(take_ids: list[int], *, worker: str, progress: float) -> set[int]:
    """Record progress and renew the lease; return the ids whose cancel was asked for."""
    progress = min(max(progress, 0.0), 1.0)
    mine = Take.objects.filter(pk__in=take_ids, lease_owner=worker, status=TakeStatus.RUNNING)
    # Greatest keeps the bar from moving backwards if two writes cross.
    mine.update(progress=Greatest(F("progress"), progress), heartbeat_at=timezone.now())
    return set(
        Take.objects.filter(pk__in=take_ids)
        .filter(Q(cancel_requested=True) | ~Q(status=TakeStatus.RUNNING) | ~Q(lease_owner=worker))
        .values_list("pk", flat=True)
    )


def take_succeed(*, take: Take, worker: str, media: dict, qc: dict, gpu_seconds: float) -> bool:
    """Mark the take done with its stored media and QC in one short transaction."""
    with transaction.atomic():
        updated = Take.objects.filter(
            pk=take.pk, lease_owner=worker, status=TakeStatus.RUNNING
        ).update(
            status=TakeStatus.SUCCEEDED, progress=1.0, finished_at=timezone.now(),
            gpu_seconds=F("gpu_seconds") + round(gpu_seconds, 3),
            qc=qc, lease_owner="", **media,
        )
        if updated:
            _shot_status_refresh(take.shot_id)
            webhook_emit(project=take.shot.scene.project, event="take.succeeded",
                         payload=take_event_data(take, status=TakeStatus.SUCCEEDED))
    return bool(updated)


def take_fail(*, take: Take, worker: str, error: str, gpu_seconds: float = 0.0) -> bool:
    """Mark the take failed with a message written for the director."""
    with transaction.atomic():
        updated = Take.objects.filter(pk=take.pk, lease_owner=worker).exclude(
            status__in=[TakeStatus.SUCCEEDED, TakeStatus.CANCELED]
        ).update(
            status=TakeStatus.FAILED, finished_at=timezone.now(), error=error[:4000],
            gpu_seconds=F("gpu_seconds") + round(gpu_seconds, 3), lease_owner="",
        )
        if updated:
            _shot_status_refresh(take.shot_id)
            webhook_emit(project=take.shot.scene.project, event="take.failed",
                         payload=take_event_data(take, status=TakeStatus.FAILED,
                                                 error=error[:4000]))
    return bool(updated)


def take_mark_canceled(*, take: Take, worker: str, gpu_seconds: float = 0.0) -> bool:
    """Record that the worker stopped the take because its cancel was asked for."""
    with transaction.atomic():
        updated = Take.objects.filter(pk=take.pk, lease_owner=worker).exclude(
            status__in=[TakeStatus.SUCCEEDED, TakeStatus.FAILED]
        ).update(
            status=TakeStatus.CANCELED, finished_at=timezone.now(), lease_owner="",
            gpu_seconds=F("gpu_seconds") + round(gpu_seconds, 3),
        )
        if updated:
            _shot_status_refresh(take.shot_id)
    return bool(updated)


def takes_sweep() -> dict:
    """Publish queued takes whose message was lost; requeue or fail running takes lost with
    their worker."""
    now = timezone.now()
    lost = Take.objects.filter(status=TakeStatus.RUNNING, heartbeat_at__lt=now - lease_ttl())
    failed = lost.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=TakeStatus.FAILED, finished_at=now, lease_owner="",
        error=f"The worker was lost {MAX_ATTEMPTS} times while making this take; it was not "
              "retried again. Try fewer frames or a lower resolution.",
    )
    requeued = lost.filter(attempts__lt=MAX_ATTEMPTS).update(
        status=TakeStatus.QUEUED, lease_owner="", published_at=None
    )
    stale = Take.objects.filter(status=TakeStatus.QUEUED, cancel_requested=False).filter(
        Q(published_at__isnull=True) | Q(published_at__lt=now - republish_after())
    )
    stale = [(take_id, profiles.profile_get(profile_id).queue)
             for take_id, profile_id in stale.values_list("pk", "profile_id")]
    # A take waiting behind others still has its message in the queue: publishing it again
    # every sweep would pile up duplicates for every long wait. Only missing messages are lost.
    waiting = _takes_waiting_in_broker({queue for _, queue in stale}) if stale else set()
    republished = 0
    for take_id, queue in stale:
        if waiting is not None and take_id in waiting:
            continue
        republished += takes_publish([take_id], queue=queue)
    return {"failed": failed, "requeued": requeued, "republished": republished}


def _takes_waiting_in_broker(queues: set[str]) -> set[int] | None:
    """Ids of the takes whose generate message waits in these Redis queues, or None when the
    broker cannot be read this way (another transport, Redis not answering): then every stale
    take is published again, as a duplicate costs only a no-op claim."""
    import base64
    import json

    from lotix.celery import app

    try:
        with app.connection_for_write() as connection:
            if connection.transport_cls not in ("redis", "rediss"):
                return None
            client = connection.default_channel.client
            waiting: set[int] = set()
            for queue in queues:
                for raw in client.lrange(queue, 0, -1):
                    message = json.loads(raw)
                    if message.get("headers", {}).get("task") != GENERATE_TASK:
                        continue
                    body = message.get("body", "")
                    if message.get("properties", {}).get("body_encoding") == "base64":
                        body = base64.b64decode(body)
                    args = json.loads(body)[0]
                    waiting.update(int(take_id) for take_id in args[0])
            return waiting
    except Exception:
        log.warning("Could not read the queues %s; publishing stale takes again", queues,
                    exc_info=True)
        return None


def _shot_status_refresh(shot_id: int) -> None:
    """Derive the shot's status from its takes, leaving approved and omitted shots alone."""
    shot = Shot.objects.filter(pk=shot_id).exclude(
        status__in=[ShotStatus.APPROVED, ShotStatus.OMITTED]
    )
    takes = Take.objects.filter(shot_id=shot_id)
    if takes.active().exists():
        shot.update(status=ShotStatus.GENERATING)
    elif takes.filter(status=TakeStatus.SUCCEEDED).exists():
        shot.update(status=ShotStatus.IN_REVIEW)
    else:
        shot.update(status=ShotStatus.PLANNED)


def take_continue(*, take: Take, user, target_shot: Shot):
    """Make the take's last frame an asset file and attach it as the target shot's first frame."""
    from django.core.files.storage import default_storage

    from assets.models import AssetKind
    from assets.services import AssetFileDuplicate, asset_create, asset_file_ingest_image
    from shots.services import shot_reference_add

    if take.status != TakeStatus.SUCCEEDED or not take.last_frame:
        raise DomainError(f"Take {take.label} has no last frame yet; wait until it succeeds.")
    project = take.shot.scene.project
    if target_shot.scene.project_id != project.pk:
        raise DomainError("You can only continue into a shot of the same project.")
    with default_storage.open(take.last_frame.name, "rb") as handle:
        data = handle.read()
    asset = asset_create(project=project, actor=user, kind=AssetKind.STORYBOARD,
                         name=f"{take.shot} {take.label} last frame")
    asset_file = asset.files.first()
    if asset_file is None:
        try:
            asset_file = asset_file_ingest_image(
                asset=asset, actor=user, data=data, original_name="last.png",
                source=f"Last frame of take {take.shot} {take.label}",
            )
        except AssetFileDuplicate:
            asset_file = asset.files.get()
    return shot_reference_add(
        shot=target_shot, actor=user, asset_file=asset_file, role=ReferenceRole.FIRST,
        job="composition", instruction=f"Continues from {take.shot} {take.label}.",
    )


FORMAT_VARIANTS = (AspectRatio.WIDE, AspectRatio.VERTICAL, AspectRatio.SQUARE)


def take_again(*, take: Take, user, same_seed: bool) -> Take:
    """Queue the take's frozen request once more, with its own seed (a reproduction) or a new one.

    The frozen request is reused as it is, not re-planned from the shot, so "same seed" makes
    the same take even if the shot's plan changed since.
    """
    try:
        spec = TakeSpec.from_dict(take.request["spec"])
    except (KeyError, TypeError, ValueError):
        raise TakeRequestInvalid(
            f"Take {take.label} has no complete recorded request to run again."
        ) from None
    profile = profiles.profile_get(take.profile_id)
    seed = spec.seed if same_seed else _draw_seeds(None, 1)[0]
    request = {**take.request, "spec": replace(spec, seed=seed).to_dict()}
    shot = take.shot
    with transaction.atomic():
        Shot.objects.select_for_update().get(pk=shot.pk)
        project = shot.scene.project
        usage = project_gpu_usage(project)
        cost = float(request.get("estimated_gpu_seconds", 0))
        if usage["budget"] is not None and cost > usage["left"]:
            raise BudgetExceeded(
                f"Running {take.label} again needs about {cost:.0f} GPU-seconds but the project "
                f"has {usage['left']:.0f} of {usage['budget']} left."
            )
        number = (shot.takes.aggregate(n=Max("number"))["n"] or 0) + 1
        again = Take.objects.create(shot=shot, number=number, requested_by=user,
                                    profile_id=profile.id, request=request)
        _shot_status_refresh(shot.pk)
        activity_record(
            project=project, actor=user, verb="requested take again", target=shot,
            data={"from": take.label, "take": again.label, "seed": seed,
                  "same_seed": same_seed},
        )
        transaction.on_commit(lambda: takes_publish([again.pk], queue=profile.queue))
    return again


def takes_format_variants(
    *, shot: Shot, user, profile_id: str, seed: int | None = None
) -> list[Take]:
    """Queue the shot once in each of 16:9, 9:16 and 1:1, all or none."""
    with transaction.atomic():
        return [
            take
            for aspect in FORMAT_VARIANTS
            for take in take_request(shot=shot, user=user, profile_id=profile_id, variations=1,
                                     seed=seed, aspect_ratio=aspect)
        ]


# --- batch from images ---------------------------------------------------------------------

MAX_BATCH_IMAGES = 100


class BatchInvalid(DomainError):
    pass


def batch_profile_options() -> list[dict]:
    """Every profile, with why it cannot take a shot that has only a first frame (or "")."""
    from generation.errors import WeightsMissing

    options = []
    for profile in profiles.profiles_all():
        reason = ""
        try:
            profiles.check_references(profile, has_first=True, has_last=False, n_references=0)
            if not profiles.weights_present(profile, settings.LOTIX_MODELS_DIR):
                from generation.loader import resolve_weights

                resolve_weights(profile, settings.LOTIX_MODELS_DIR)
        except WeightsMissing:
            reason = (f"The weights for {profile.label} are not installed on this server; "
                      "the shot page says how to install them.")
        except DomainError as error:
            reason = error.message
        options.append({"profile": profile, "reason": reason})
    return options


def _batch_estimate(profile, project, duration_s) -> float:
    """GPU-seconds for one take of one batch shot, as take_plan would estimate it."""
    from decimal import Decimal

    caps = profile.capabilities
    fps = profiles.fps_for(profile, project.default_fps)
    num_frames = profiles.frames_for(profile, duration_s=float(Decimal(str(duration_s))), fps=fps)
    width, height = profiles.size_for(profile, aspect=project.default_aspect_ratio,
                                      resolution=project.default_resolution)
    return profiles.estimate_gpu_seconds(profile, num_frames=num_frames, width=width,
                                         height=height, steps=caps.default_steps)


@transaction.atomic
def takes_batch_create(
    *, membership, asset_files: list, template: dict, profile_id: str, variations: int = 1,
    scene=None, new_scene: dict | None = None,
) -> tuple[str, list[Take]]:
    """One shot per image with the shared template, the image as its first frame, and takes
    for every shot; all of it or nothing. Returns the batch id and the takes."""
    import uuid as uuid_module

    from shots.models import ReferenceJob
    from shots.services import next_code, scene_add, shot_create, shot_reference_add

    project, user = membership.project, membership.user
    if not asset_files:
        raise BatchInvalid("Select at least one image for the batch.")
    if len(asset_files) > MAX_BATCH_IMAGES:
        raise BatchInvalid(f"A batch takes at most {MAX_BATCH_IMAGES} images; "
                           f"{len(asset_files)} are selected.")
    if any(f.asset.project_id != project.pk or f.media_kind != "image" for f in asset_files):
        raise BatchInvalid("Every file in a batch must be an image of this project's library.")
    if not 1 <= variations <= MAX_VARIATIONS:
        raise BatchInvalid(f"Ask for 1 to {MAX_VARIATIONS} variations, not {variations}.")
    reason = next((o["reason"] for o in batch_profile_options() if o["profile"].id == profile_id),
                  f"Unknown model profile {profile_id!r}.")
    if reason:
        raise BatchInvalid(reason)
    if (scene is None) == (new_scene is None):
        raise BatchInvalid("Pick a scene for the batch, or give a new scene's code and title.")
    if scene is not None and scene.project_id != project.pk:
        raise BatchInvalid("That scene belongs to another project.")
    profile = profiles.profile_get(profile_id)
    template = dict(template)
    subject_template = template.pop("subject_action", "")
    duration = template.get("duration_s", 5)
    try:
        per_take = _batch_estimate(profile, project, duration)
    except (ArithmeticError, ValueError):
        raise BatchInvalid("Duration must be a number of seconds.") from None
    total = per_take * variations * len(asset_files)
    usage = project_gpu_usage(project)
    if usage["budget"] is not None and total > usage["left"]:
        raise BudgetExceeded(
            f"This batch needs about {total:.0f} GPU-seconds ({len(asset_files)} shots × "
            f"{variations} variation{'s' if variations != 1 else ''}) but the project has "
            f"{usage['left']:.0f} of {usage['budget']} left. Ask a producer to raise the budget, "
            "or select fewer images or variations."
        )
    if scene is None:
        scene = scene_add(project=project, actor=user, code=new_scene.get("code", ""),
                          title=new_scene.get("title", ""))
    batch = str(uuid_module.uuid4())
    codes = list(Shot.objects.filter(scene=scene).values_list("code", flat=True))
    order = Shot.objects.filter(scene=scene).count()
    instruction = f"Batch {timezone.localdate():%Y-%m-%d}"
    takes: list[Take] = []
    for asset_file in asset_files:
        code = next_code("SH", codes)
        codes.append(code)
        name = asset_file.asset.name
        shot = shot_create(scene=scene, actor=user, code=code, order=order,
                           subject_action=subject_template.replace("{name}", name), **template)
        order += 1
        shot_reference_add(shot=shot, actor=user, asset_file=asset_file, role=ReferenceRole.FIRST,
                           job=ReferenceJob.COMPOSITION, instruction=instruction)
        takes.extend(take_request(shot=shot, user=user, profile_id=profile_id,
                                  variations=variations))
    for take in takes:
        take.request = {**take.request, "batch": batch}
    Take.objects.bulk_update(takes, ["request"])
    activity_record(project=project, actor=user, verb="started batch", target=scene,
                    data={"batch": batch, "shots": len(asset_files), "takes": len(takes),
                          "profile": profile_id})
    return batch, takes


class DecisionStale(DomainError):
    status_code = 409


class DecisionInvalid(DomainError):
    pass


DECISION_STATES = ("rejected", "maybe", "selected", "approved")
CHECKLIST_MAX_LINES = 60
CHECKLIST_LINE_MAX = 500
REASON_MAX = 5000


def _checklist_clean(checklist) -> list[dict]:
    """The review checklist as [{"line", "checked"}], or DecisionInvalid naming what is wrong."""
    if checklist is None:
        return []
    if not isinstance(checklist, list):
        raise DecisionInvalid("The checklist must be a list of lines, each ticked or not.")
    if len(checklist) > CHECKLIST_MAX_LINES:
        raise DecisionInvalid(f"A checklist has at most {CHECKLIST_MAX_LINES} lines, "
                              f"not {len(checklist)}.")
    cleaned = []
    for number, item in enumerate(checklist, start=1):
        if (not isinstance(item, dict) or not isinstance(item.get("line"), str)
                or not isinstance(item.get("checked"), bool)):
            raise DecisionInvalid(f"Checklist line {number} needs a text line and a ticked "
                                  "yes or no.")
        line = item["line"].strip()
        if not line or len(line) > CHECKLIST_LINE_MAX:
            raise DecisionInvalid(f"Checklist line {number} must have 1 to {CHECKLIST_LINE_MAX} "
                                  "characters.")
        cleaned.append({"line": line, "checked": item["checked"]})
    return cleaned


def take_decide(
    *, take: Take, membership, state: str, reason: str = "", dailies_session_id: int | None = None,
    expected_version: int | None = None, checklist: list[dict] | None = None,
) -> Take:
    """Record a review decision with its history and checklist ticks; approving a take moves the
    shot's previously approved take to selected, and the shot's status follows.

    The returned take carries `moved_to_selected`: the labels of takes that lost approval."""
    from projects import roles
    from projects.selectors import require
    from takes.models import ReviewState, TakeDecision

    if state not in DECISION_STATES:
        raise DecisionInvalid(f"A decision is one of {', '.join(DECISION_STATES)}, not {state!r}.")
    checklist = _checklist_clean(checklist)
    if len(reason) > REASON_MAX:
        raise DecisionInvalid(f"Keep the reason under {REASON_MAX} characters.")
    require(membership, roles.APPROVE if state == ReviewState.APPROVED else roles.DECIDE)
    user = membership.user
    with transaction.atomic():
        # Decisions on one shot queue up behind the shot row: "one approved take per shot"
        # must hold even when two producers approve different takes at the same moment.
        shot = Shot.objects.select_for_update().get(pk=take.shot_id)
        current = Take.objects.select_for_update().get(pk=take.pk)
        if current.shot.scene.project_id != membership.project_id:
            raise DecisionInvalid("That take belongs to another project.")
        if current.status != TakeStatus.SUCCEEDED:
            raise DecisionInvalid(f"Take {current.label} has not finished; only a finished take "
                                  "can be reviewed.")
        if expected_version is not None and current.review_version != expected_version:
            raise DecisionStale(
                f"Take {current.label} was decided meanwhile: it is now "
                f"{current.get_review_state_display().lower()}. Reload to see who and why."
            )
        if current.review_state == state:
            raise DecisionInvalid(f"Take {current.label} is already {state}.")

        def record(target: Take, to_state: str, why: str, ticks: list[dict]) -> None:
            TakeDecision.objects.create(
                take=target, actor=user, from_state=target.review_state, to_state=to_state,
                reason=why, dailies_session_id=dailies_session_id, checklist=ticks,
            )
            Take.objects.filter(pk=target.pk).update(
                review_state=to_state, review_version=F("review_version") + 1
            )

        moved = []
        if state == ReviewState.APPROVED:
            for previous in shot.takes.filter(review_state=ReviewState.APPROVED).exclude(
                pk=current.pk
            ):
                record(previous, ReviewState.SELECTED, f"{current.label} was approved instead.",
                       [])
                moved.append(previous.label)
        record(current, state, reason.strip(), checklist)
        webhook_emit(project=membership.project, event="take.decided", payload=take_event_data(
            current, review_state=state,
            decision={"from": current.review_state, "to": state, "reason": reason.strip(),
                      "by": user.get_username(), "dailies_session": dailies_session_id,
                      "moved_to_selected": moved}))
        if state == ReviewState.APPROVED:
            shot_status = ShotStatus.APPROVED
        elif shot.status == ShotStatus.APPROVED and not shot.takes.filter(
            review_state=ReviewState.APPROVED
        ).exists():
            shot_status = ShotStatus.IN_REVIEW
        else:
            shot_status = shot.status
        if shot_status != shot.status:
            Shot.objects.filter(pk=shot.pk).update(status=shot_status)
        activity_record(project=membership.project, actor=user, verb=f"marked take {state}",
                        target=current, data={"reason": reason.strip()})
    current.refresh_from_db()
    current.moved_to_selected = moved
    return current
