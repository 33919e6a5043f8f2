"""Permission-checked reads of scenes and shots; each starts from a membership."""

from django.db.models import Prefetch

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
