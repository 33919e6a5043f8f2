"""Permission-checked reads of shots with their takes; each starts from a membership."""

import math

from django.db.models import Prefetch
from django.http import Http404

from generation import profiles
from lotix.errors import DomainError
from projects.models import Membership
from shots.models import ReferenceRole, Shot, ShotReference
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


def _ratio_name(width: int, height: int) -> str:
    """The aspect ratio a person would say for a size: a known one when close, else W:H."""
    from projects.models import AspectRatio

    # The project formats first, then the common still-photo ratios a director would name.
    for value in [*AspectRatio.values, "3:2", "2:3", "3:4", "4:5", "5:4"]:
        if abs(profiles_aspect(value) - width / height) < 0.01 * width / height:
            return value
    divisor = math.gcd(width, height)
    return f"{width // divisor}:{height // divisor}"


def profiles_aspect(value: str) -> float:
    """An aspect ratio such as 16:9 or 2.39:1 as a number."""
    left, right = value.split(":")
    return float(left) / float(right)


def reference_warnings(shot: Shot) -> dict[int, list[dict]]:
    """Per reference: its stored preflight warnings and failures, and a frame whose aspect ratio
    differs from the shot's (the engine would crop or stretch it)."""
    shot_aspect = shot.effective_aspect_ratio()
    warnings: dict[int, list[dict]] = {}
    for ref in shot.references.all():
        found = []
        asset_file = ref.asset_file
        if ref.role in (ReferenceRole.FIRST, ReferenceRole.LAST):
            ratio = asset_file.width / asset_file.height
            target = profiles_aspect(shot_aspect)
            if abs(ratio - target) > 0.02 * target:
                found.append({"level": "warn", "message": (
                    f"The {ref.get_role_display().lower()} is "
                    f"{_ratio_name(asset_file.width, asset_file.height)} "
                    f"({asset_file.width}×{asset_file.height}) but the shot is {shot_aspect}; "
                    "it will be cropped to fit."
                )})
        framed = ref.role in (ReferenceRole.FIRST, ReferenceRole.LAST)
        for check in asset_file.preflight or []:
            # A frame's stored aspect check compares with the project's default; the shot's own
            # aspect ratio, checked above, is the one that matters here.
            if framed and isinstance(check, dict) and check.get("check") in ("aspect",
                                                                              "aspect_ratio"):
                continue
            if isinstance(check, dict) and check.get("level") in ("warn", "fail"):
                found.append({"level": check["level"], "message": str(check.get("message", ""))})
        warnings[ref.pk] = found
    return warnings


def library_files(membership: Membership) -> list:
    """Every file of the project's asset library, for the reference picker."""
    from assets.models import AssetFile

    return list(
        AssetFile.objects.filter(asset__project=membership.project).select_related("asset")
        .order_by("asset__kind", "asset__name", "created_at", "pk")
    )


def reference_get(membership: Membership, reference_id: int) -> ShotReference:
    """A reference on a shot of the member's project; 404 otherwise."""
    try:
        return ShotReference.objects.select_related(
            "shot__scene__project", "asset_file__asset"
        ).get(
            pk=reference_id, shot__scene__project=membership.project
        )
    except ShotReference.DoesNotExist:
        raise Http404("No such reference.") from None
