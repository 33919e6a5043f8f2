"""Permission-checked reads of shots with their takes; each starts from a membership."""

from django.db.models import Prefetch
from django.http import Http404

from generation import profiles
from lotix.errors import DomainError
from projects.models import Membership
from shots.models import Shot, ShotReference
from takes.models import Take
from takes.services import project_gpu_usage, take_plan


def shot_get(membership: Membership, shot_id: int) -> Shot:
    """A shot of the member's project with its references prefetched; 404 otherwise."""
    references = ShotReference.objects.select_related("asset_file__asset").order_by(
        "priority", "id"
    )
    try:
        return (
            Shot.objects.select_related("scene__project")
            .prefetch_related(Prefetch("references", queryset=references))
            .get(pk=shot_id, scene__project=membership.project)
        )
    except Shot.DoesNotExist:
        raise Http404("No such shot.") from None


def shots_of_project(membership: Membership) -> list[Shot]:
    """Every shot of the project in board order, for pickers."""
    return list(
        Shot.objects.filter(scene__project=membership.project).select_related("scene")
        .order_by("scene__order", "scene__code", "order", "code")
    )


def takes_for_shot(shot: Shot):
    """The shot's takes, newest first."""
    return Take.objects.filter(shot=shot).select_related("requested_by").order_by("-number")


def take_get(membership: Membership, take_uuid) -> Take:
    """A take of the member's project; 404 otherwise."""
    try:
        return Take.objects.select_related("shot__scene__project").get(
            uuid=take_uuid, shot__scene__project=membership.project
        )
    except Take.DoesNotExist:
        raise Http404("No such take.") from None


def generate_options(shot: Shot) -> list[dict]:
    """Every profile with the request it would make for this shot, or why it cannot."""
    options = []
    for profile in profiles.profiles_all():
        option = {"profile": profile, "plan": None, "reason": ""}
        try:
            option["plan"] = take_plan(shot=shot, profile_id=profile.id)
        except DomainError as error:
            option["reason"] = error.message
        options.append(option)
    return options


def gpu_usage(membership: Membership) -> dict:
    """The project's GPU spend against its budget."""
    return project_gpu_usage(membership.project)
