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
    """Scenes in order with shots, references and approved takes (`approved_takes`); 4 queries."""
    # The Take model is reached through the reverse relation so shots never imports takes.
    take_model = Shot.takes.field.model
    approved = take_model.objects.filter(review_state="approved").order_by("-number")
    references = ShotReference.objects.select_related("asset_file__asset").order_by(
        "priority", "id"
    )
    shots = Shot.objects.order_by("order", "code").prefetch_related(
        Prefetch("references", queryset=references),
        Prefetch("takes", queryset=approved, to_attr="approved_takes"),
    )
    return (
        Scene.objects.filter(project=membership.project)
        .order_by("order", "code")
        .prefetch_related(Prefetch("shots", queryset=shots))
    )


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
