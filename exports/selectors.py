"""Reads of approved takes and exports; the member-facing ones start from a membership."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch
from django.http import Http404

from exports.models import Export
from exports.timeline import editorial_name
from generation import profiles
from projects import roles
from projects.models import Membership
from shots.models import Scene, Shot, ShotStatus
from takes.models import ReviewState, Take, TakeDecision, TakeStatus

RECENT_EXPORTS = 10


def takes_approved(*, project_id: int, scene_id: int | None = None):
    """Approved, finished takes of a project (or one scene) in scene order, then shot order.

    No permission check: the worker reads through it, and the checked selectors below build on
    it after the gate.
    """
    takes = Take.objects.filter(
        shot__scene__project_id=project_id, review_state=ReviewState.APPROVED,
        status=TakeStatus.SUCCEEDED,
    ).exclude(shot__status=ShotStatus.OMITTED)
    if scene_id is not None:
        takes = takes.filter(shot__scene_id=scene_id)
    return takes.select_related("shot__scene__project").order_by(
        "shot__scene__order", "shot__scene__code", "shot__order", "shot__code", "number"
    )


def approvals_of(take_ids: list[int]) -> dict[int, TakeDecision]:
    """The latest decision that approved each take, with who made it; one query."""
    latest: dict[int, TakeDecision] = {}
    decisions = TakeDecision.objects.filter(
        take_id__in=take_ids, to_state=ReviewState.APPROVED
    ).select_related("actor").order_by("take_id", "at", "id")
    for decision in decisions:
        latest[decision.take_id] = decision
    return latest


def take_frames(take: Take) -> int:
    """Frames in the take's video: what QC counted, else what the request asked for."""
    counted = (take.qc or {}).get("frame_count")
    return int(counted or take.request.get("spec", {}).get("num_frames") or 0)


def take_fps(take: Take) -> int:
    return int(take.request.get("spec", {}).get("fps") or take.shot.effective_fps())


def take_editorial_name(take: Take) -> str:
    shot = take.shot
    return editorial_name(project=shot.scene.project.slug, scene=shot.scene.code,
                          shot=shot.code, number=take.number)


def take_model(take: Take) -> dict:
    """The profile label and weights revision a take was made with."""
    spec = take.request.get("spec", {})
    profile = profiles.PROFILES.get(take.profile_id)
    return {"profile_id": take.profile_id,
            "label": profile.label if profile else take.profile_id,
            "weights_revision": spec.get("weights_revision", "")}


@dataclass
class ApprovedRow:
    """One shot of the approved-takes page: its approved take, or None when it lacks one."""

    shot: Shot
    take: Take | None = None
    decision: TakeDecision | None = None
    name: str = ""
    frames: int = 0
    fps: int = 0
    duration_s: float = 0.0
    seed: int | None = None
    model: dict | None = None


def approved_board(membership: Membership) -> list[Scene]:
    """Scenes in order, each with `.rows` (one per shot not omitted, in shot order) and
    `.approved_count`; a fixed number of queries whatever the number of takes."""
    project = membership.project
    shots = Shot.objects.exclude(status=ShotStatus.OMITTED).order_by("order", "code")
    scenes = list(
        Scene.objects.filter(project=project).order_by("order", "code")
        .prefetch_related(Prefetch("shots", queryset=shots))
    )
    takes = {take.shot_id: take for take in takes_approved(project_id=project.pk)}
    decisions = approvals_of([take.pk for take in takes.values()])
    for scene in scenes:
        scene.project = project
        scene.rows = []
        for shot in scene.shots.all():
            shot.scene = scene
            row = ApprovedRow(shot=shot)
            take = takes.get(shot.pk)
            if take is not None:
                take.shot = shot
                row.take = take
                row.decision = decisions.get(take.pk)
                row.name = take_editorial_name(take)
                row.frames = take_frames(take)
                row.fps = take_fps(take)
                row.duration_s = row.frames / row.fps if row.fps else 0.0
                row.seed = take.request.get("spec", {}).get("seed")
                row.model = take_model(take)
            scene.rows.append(row)
        scene.approved_count = sum(1 for row in scene.rows if row.take is not None)
        scene.missing_count = len(scene.rows) - scene.approved_count
    return scenes


def approved_take_get(membership: Membership, take_uuid) -> Take:
    """An approved, finished take of the member's project; 404 otherwise."""
    try:
        return takes_approved(project_id=membership.project_id).get(uuid=take_uuid)
    except Take.DoesNotExist:
        raise Http404("No such approved take.") from None


def scene_get(membership: Membership, scene_id: int) -> Scene:
    try:
        return Scene.objects.get(pk=scene_id, project=membership.project)
    except Scene.DoesNotExist:
        raise Http404("No such scene.") from None


def exports_recent(membership: Membership) -> list[Export]:
    """The project's latest exports, for members who may export; empty for the others."""
    if not membership.can(roles.EXPORT):
        return []
    return list(
        Export.objects.filter(project=membership.project)
        .select_related("project", "scene", "created_by")[:RECENT_EXPORTS]
    )


def export_get(membership: Membership, export_uuid) -> Export:
    """An export of the member's project; 404 otherwise."""
    try:
        return Export.objects.select_related("project", "scene", "created_by").get(
            uuid=export_uuid, project=membership.project
        )
    except Export.DoesNotExist:
        raise Http404("No such export.") from None
