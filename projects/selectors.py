"""Permission-checked reads. `membership_for` is the one gate every protected read passes."""

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.http import Http404
from django.utils import timezone

from lotix.authentication import token_digest
from lotix.errors import PermissionDeniedError
from projects.models import Invite, Membership, Project
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


def members_of_project(membership: Membership) -> list[Membership]:
    """The project's members with their users, in one query."""
    return list(membership.project.memberships.select_related("user"))


def invites_pending(membership: Membership):
    """The project's invites not yet accepted or revoked, expired ones included."""
    return (
        membership.project.invites.filter(accepted_at__isnull=True, revoked_at__isnull=True)
        .select_related("invited_by").order_by("email")
    )


def invite_get_pending(*, token: str) -> Invite:
    """The pending invite behind a link; 404 alike for unknown, expired, revoked and used ones."""
    invite = (
        Invite.objects.select_related("project", "invited_by")
        .filter(token_hash=token_digest(token or ""), accepted_at__isnull=True,
                revoked_at__isnull=True, expires_at__gt=timezone.now(),
                project__archived_at__isnull=True)
        .first()
    )
    if invite is None:
        raise Http404("No such invite.")
    return invite


def invite_email_has_account(invite: Invite) -> bool:
    """True when some account already uses the invited e-mail, so the invitee must log in."""
    return get_user_model().objects.filter(email__iexact=invite.email).exists()
