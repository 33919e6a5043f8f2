"""Permission-checked reads. `membership_for` is the one gate every protected read passes."""

from django.db.models import Count
from django.http import Http404

from lotix.errors import PermissionDeniedError
from projects.models import Membership, Project
from projects.roles import CAPABILITIES


def membership_for(user, project: Project | str) -> Membership:
    """The user's membership of the project; 404 for strangers, so no project's existence leaks."""
    if not user.is_authenticated:
        raise Http404("No such project.")
    filters = {"project": project} if isinstance(project, Project) else {"project__slug": project}
    try:
        return (
            Membership.objects.select_related("project", "user")
            .get(user=user, project__archived_at__isnull=True, **filters)
        )
    except Membership.DoesNotExist:
        raise Http404("No such project.") from None


def require(membership: Membership, capability: str) -> Membership:
    """Raise 403 unless the member's role carries the capability."""
    if not membership.can(capability):
        raise PermissionDeniedError(
            f"Your role ({membership.get_role_display()}) cannot "
            f"{CAPABILITIES[capability][0].lower() + CAPABILITIES[capability][1:]}."
        )
    return membership


def projects_for_user(user):
    """The user's active projects with their role and scene/shot counts, in one query."""
    return (
        Membership.objects.filter(user=user, project__archived_at__isnull=True)
        .select_related("project")
        .annotate(
            scene_count=Count("project__scenes", distinct=True),
            shot_count=Count("project__scenes__shots", distinct=True),
        )
        .order_by("project__name")
    )

