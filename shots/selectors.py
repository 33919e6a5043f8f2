"""Permission-checked reads of scenes and shots; each starts from a membership."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from projects.models import Membership
from shots.models import Scene, Shot, ShotReference


def scenes_for_project_home(membership: Membership):
    """The project's scenes in order, each with its shots and their references, in 4 queries."""
    references = ShotReference.objects.select_related("asset_file__asset").order_by(
        "priority", "id"
    )
    shots = Shot.objects.order_by("order", "code").prefetch_related(
        Prefetch("references", queryset=references)
    )
    return (
        Scene.objects.filter(project=membership.project)
        .order_by("order", "code")
        .prefetch_related(Prefetch("shots", queryset=shots))
    )


def scenes_for_board(membership: Membership):
    """Scenes in order with shots (`board_shots`), their references (`board_references`) and
    approved takes (`approved_takes`), as plain lists; 4 queries.

    Plain lists (`to_attr`) rather than the managers' caches: Django builds a filtered queryset
    per shot for a manager cache, which was a third of the board's time at 50 shots."""
    # The Take model is reached through the reverse relation so shots never imports takes.
    take_model = Shot.takes.field.model
    # Only what a card shows (the poster URL and the label): not the request and QC JSON.
    approved = (take_model.objects.filter(review_state="approved").order_by("-number")
                .only("id", "uuid", "number", "shot_id"))
    references = ShotReference.objects.select_related("asset_file__asset").order_by(
        "priority", "id"
    )
    shots = Shot.objects.order_by("order", "code").prefetch_related(
        Prefetch("references", queryset=references, to_attr="board_references"),
        Prefetch("takes", queryset=approved, to_attr="approved_takes"),
    )
    return (
        Scene.objects.filter(project=membership.project)
        .order_by("order", "code")
        .prefetch_related(Prefetch("shots", queryset=shots, to_attr="board_shots"))
    )


def shot_choices(membership: Membership) -> list[tuple[int, str]]:
    """(id, "SC010/SH010") of every shot of the project in board order, for pickers: plain
    tuples, not 50 Shot and Scene objects (the shot page's "continue into" picker)."""
    rows = (Shot.objects.filter(scene__project=membership.project)
            .order_by("scene__order", "scene__code", "order", "code")
            .values_list("pk", "scene__code", "code"))
    return [(pk, f"{scene_code}/{code}") for pk, scene_code, code in rows]


def scene_get(membership: Membership, scene_id: int) -> Scene:
    """One scene of the member's project; 404 for any other."""
    return get_object_or_404(Scene.objects.select_related("project"),
                             pk=scene_id, project=membership.project)


def shot_get_for_plan(membership: Membership, shot_id: int) -> Shot:
    """One shot of the member's project with its scene and references; 404 for any other."""
    return get_object_or_404(
        Shot.objects.select_related("scene__project").prefetch_related("references"),
        pk=shot_id, scene__project=membership.project,
    )
