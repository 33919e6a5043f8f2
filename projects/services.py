"""Writes for projects and memberships. Every change records an Activity in its transaction."""

import logging
import secrets
import smtplib
from datetime import timedelta
from urllib.parse import urljoin

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from lotix.authentication import token_digest
from lotix.errors import DomainError
from projects.models import Activity, AspectRatio, Invite, Membership, Project, Resolution, Role
from projects.roles import INVITE, MEMBERS, VIEW
from projects.selectors import require


class ProjectNameInvalid(DomainError):
    pass


class MemberAlreadyInProject(DomainError):
    pass


def activity_record(*, project: Project, actor, verb: str, target, data: dict | None = None):
    """Append one Activity row; call it inside the transaction of the change it records."""
    return Activity.objects.create(
        project=project,
        actor=actor if actor is not None and actor.is_authenticated else None,
        verb=verb,
        target_type=target._meta.model_name,
        target_id=str(target.pk),
        target_label=str(target)[:200],
        data=data or {},
    )


def _unique_slug(name: str) -> str:
    base = slugify(name)[:120] or "project"
    slug, n = base, 2
    while Project.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def project_create(
    *,
    user,
    name: str,
    default_aspect_ratio: str = AspectRatio.WIDE,
    default_fps: int = 24,
    default_resolution: str = Resolution.HD,
    description: str = "",
) -> Project:
    """Create a project with the user as its owner."""
    name = " ".join(name.split())
    if not name:
        raise ProjectNameInvalid("Give the project a name.")
    if len(name) > 120:
        raise ProjectNameInvalid("A project name can be at most 120 characters.")
    if default_aspect_ratio not in AspectRatio.values:
        raise DomainError(f"Unknown aspect ratio {default_aspect_ratio!r}.")
    if default_resolution not in Resolution.values:
        raise DomainError(f"Unknown resolution {default_resolution!r}.")
    if not 1 <= int(default_fps) <= 120:
        raise DomainError("Frame rate must be between 1 and 120 fps.")
    project = Project.objects.create(
        name=name,
        slug=_unique_slug(name),
        description=description.strip(),
        default_aspect_ratio=default_aspect_ratio,
        default_fps=int(default_fps),
        default_resolution=default_resolution,
    )
    Membership.objects.create(project=project, user=user, role=Role.OWNER)
    activity_record(project=project, actor=user, verb="created", target=project)
    return project


@transaction.atomic
def membership_add(*, project: Project, user, role: str, actor=None) -> Membership:
    """Add a user to a project with a role."""
    if role not in Role.values:
        raise DomainError(f"Unknown role {role!r}.")
    try:
        with transaction.atomic():
            membership = Membership.objects.create(project=project, user=user, role=role)
    except IntegrityError:
        raise MemberAlreadyInProject(f"{user} is already a member of {project}.") from None
    activity_record(
        project=project, actor=actor, verb="added member", target=membership,
        data={"user": user.get_username(), "role": role},
    )
    return membership


INVITE_TTL = timedelta(days=7)
ROLE_ORDER = [Role.OWNER, Role.DIRECTOR, Role.PRODUCER, Role.EDITOR, Role.VIEWER]
# A producer runs the crew below the director: they may bring in or take off producers,
# editors and viewers, never directors or owners.
PRODUCER_MANAGES = frozenset({Role.PRODUCER, Role.EDITOR, Role.VIEWER})

logger = logging.getLogger(__name__)


class InviteEmailInvalid(DomainError):
    pass


class InviteRoleNotAllowed(DomainError):
    status_code = 403


class InviteeAlreadyMember(DomainError):
    status_code = 409


class InviteAlreadyPending(DomainError):
    status_code = 409


class InviteNotPending(DomainError):
    status_code = 409


class InviteEmailMismatch(DomainError):
    status_code = 403


class InviteNeedsLogin(DomainError):
    status_code = 409


class UsernameTaken(DomainError):
    status_code = 409


class PasswordRejected(DomainError):
    pass


class LastOwnerRequired(DomainError):
    status_code = 409


class OwnRoleUnchangeable(DomainError):
    status_code = 403


class MemberRemovalNotAllowed(DomainError):
    status_code = 403


def roles_grantable_by(membership: Membership) -> list[str]:
    """The roles this member may invite as or remove, highest first; empty without INVITE."""
    if not membership.can(INVITE):
        return []
    if membership.role == Role.OWNER:
        return list(ROLE_ORDER)
    return [role for role in ROLE_ORDER if role in PRODUCER_MANAGES]


def email_normalize(email: str) -> str:
    """The e-mail as Lotix stores and compares it: trimmed and lower-case, or refused."""
    normalized = (email or "").strip().lower()
    try:
        validate_email(normalized)
    except ValidationError:
        raise InviteEmailInvalid(f"“{email.strip()}” is not an e-mail address.") from None
    return normalized


def _roles_sentence(roles: list[str]) -> str:
    labels = [Role(role).label.lower() for role in roles]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]


def _a_role(role: str) -> str:
    label = Role(role).label.lower()
    return f"{'an' if label[0] in 'aeiou' else 'a'} {label}"


def _display_name(user) -> str:
    return user.get_full_name() or user.get_username()


def _lock_for_members(actor_membership: Membership, capability: str) -> Membership:
    """Serialize membership changes in the project and re-read the actor's role under the lock."""
    # NO KEY UPDATE: blocks other membership changes but not inserts of rows pointing at the
    # project (scenes, assets), which take a KEY SHARE lock.
    Project.objects.select_for_update(no_key=True).get(pk=actor_membership.project_id)
    try:
        actor = Membership.objects.select_related("project", "user").get(pk=actor_membership.pk)
    except Membership.DoesNotExist:
        raise Http404("No such project.") from None
    return require(actor, capability)


def _member_get(actor: Membership, membership_id: int) -> Membership:
    try:
        return Membership.objects.select_related("user").get(
            pk=membership_id, project_id=actor.project_id
        )
    except Membership.DoesNotExist:
        raise Http404("No such member.") from None


def _invite_get_locked(actor: Membership, invite_id: int) -> Invite:
    try:
        return Invite.objects.select_for_update().get(pk=invite_id, project_id=actor.project_id)
    except Invite.DoesNotExist:
        raise Http404("No such invite.") from None


def _owner_count(project_id: int) -> int:
    return Membership.objects.filter(project_id=project_id, role=Role.OWNER).count()


def _invite_mail(*, invite: Invite, token: str, base_url: str) -> None:
    """Queue the invite e-mail for after commit, so a rolled-back invite sends nothing."""
    inviter = _display_name(invite.invited_by) if invite.invited_by else "A Lotix owner"
    accept_url = urljoin(base_url, reverse("projects:invite-accept", args=[token]))
    subject = f"{inviter} invited you to {invite.project.name} on Lotix"
    body = render_to_string("emails/invite.txt", {
        "inviter": inviter, "project": invite.project.name, "role": invite.get_role_display(),
        "accept_url": accept_url, "expires_at": invite.expires_at,
    })
    recipient = invite.email

    def send():
        try:
            send_mail(subject, body, None, [recipient])
        except (OSError, smtplib.SMTPException):
            # The invite is committed; the inviter can resend it from the members page.
            logger.exception("Invite e-mail to %s could not be sent.", recipient)

    transaction.on_commit(send)


def _invites_revoke_sent_by(*, project_id: int, user) -> list[str]:
    """Revoke the pending invites a departing member sent; their links die with their access."""
    pending = Invite.objects.select_for_update().filter(
        project_id=project_id, invited_by=user, accepted_at__isnull=True, revoked_at__isnull=True
    )
    emails = [invite.email for invite in pending]
    pending.update(revoked_at=timezone.now())
    return emails


@transaction.atomic
def invite_create(
    *, project: Project, actor_membership: Membership, email: str, role: str, base_url: str
) -> tuple[Invite, str]:
    """Invite an e-mail address to the project with a role; the e-mail goes out on commit."""
    if actor_membership.project_id != project.pk:
        raise ValueError("The actor's membership belongs to another project.")
    actor = _lock_for_members(actor_membership, INVITE)
    email = email_normalize(email)
    if role not in Role.values:
        raise DomainError(f"Unknown role {role!r}.")
    if role not in roles_grantable_by(actor):
        raise InviteRoleNotAllowed(
            f"As {actor.get_role_display().lower()} you can invite people as "
            f"{_roles_sentence(roles_grantable_by(actor))}, not as {Role(role).label.lower()}."
        )
    if Membership.objects.filter(project=project, user__email__iexact=email).exists():
        raise InviteeAlreadyMember(f"{email} is already a member of {project.name}.")
    now = timezone.now()
    if Invite.objects.filter(
        project=project, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True,
        expires_at__gt=now,
    ).exists():
        raise InviteAlreadyPending(
            f"{email} already has a pending invite. Resend it from the list instead."
        )
    token = secrets.token_urlsafe(32)
    invite = Invite.objects.create(
        project=project, email=email, role=role, token_hash=token_digest(token),
        invited_by=actor.user, expires_at=now + INVITE_TTL,
    )
    activity_record(project=project, actor=actor.user, verb="invited", target=invite,
                    data={"email": email, "role": role})
    _invite_mail(invite=invite, token=token, base_url=base_url)
    return invite, token


@transaction.atomic
def invite_resend(
    *, actor_membership: Membership, invite_id: int, base_url: str
) -> tuple[Invite, str]:
    """Send a fresh link with a new 7-day expiry; the previous link stops working at once."""
    actor = _lock_for_members(actor_membership, INVITE)
    invite = _invite_get_locked(actor, invite_id)
    if invite.accepted_at or invite.revoked_at:
        raise InviteNotPending(f"The invite for {invite.email} was already "
                               f"{'accepted' if invite.accepted_at else 'revoked'}.")
    if invite.role not in roles_grantable_by(actor):
        raise InviteRoleNotAllowed(
            f"Only an owner can resend an invite as {invite.get_role_display().lower()}."
        )
    if Membership.objects.filter(project_id=actor.project_id,
                                 user__email__iexact=invite.email).exists():
        raise InviteeAlreadyMember(f"{invite.email} is already a member of {actor.project.name}.")
    token = secrets.token_urlsafe(32)
    invite.token_hash = token_digest(token)
    invite.expires_at = timezone.now() + INVITE_TTL
    invite.invited_by = actor.user
    invite.save(update_fields=["token_hash", "expires_at", "invited_by"])
    activity_record(project=actor.project, actor=actor.user, verb="resent invite", target=invite,
                    data={"email": invite.email, "role": invite.role})
    _invite_mail(invite=invite, token=token, base_url=base_url)
    return invite, token


@transaction.atomic
def invite_revoke(*, actor_membership: Membership, invite_id: int) -> Invite:
    """Revoke a pending invite so its link stops working."""
    actor = _lock_for_members(actor_membership, INVITE)
    invite = _invite_get_locked(actor, invite_id)
    if invite.accepted_at or invite.revoked_at:
        raise InviteNotPending(f"The invite for {invite.email} was already "
                               f"{'accepted' if invite.accepted_at else 'revoked'}.")
    if invite.role not in roles_grantable_by(actor):
        raise InviteRoleNotAllowed(
            f"Only an owner can revoke an invite as {invite.get_role_display().lower()}."
        )
    invite.revoked_at = timezone.now()
    invite.save(update_fields=["revoked_at"])
    activity_record(project=actor.project, actor=actor.user, verb="revoked invite", target=invite,
                    data={"email": invite.email, "role": invite.role})
    return invite


def _invite_lock_pending(token: str) -> Invite:
    # The row lock makes two acceptances of one link queue up; the second then sees it used.
    invite = (
        Invite.objects.select_for_update(of=("self",)).select_related("project")
        .filter(token_hash=token_digest(token or ""), accepted_at__isnull=True,
                revoked_at__isnull=True, expires_at__gt=timezone.now(),
                project__archived_at__isnull=True)
        .first()
    )
    if invite is None:
        raise Http404("No such invite.")
    return invite


def _invite_join(invite: Invite, user) -> Membership:
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                project=invite.project, user=user, role=invite.role
            )
    except IntegrityError:
        raise MemberAlreadyInProject(
            f"You are already a member of {invite.project.name}."
        ) from None
    invite.accepted_at = timezone.now()
    invite.accepted_by = user
    invite.save(update_fields=["accepted_at", "accepted_by"])
    activity_record(project=invite.project, actor=user, verb="accepted invite", target=membership,
                    data={"email": invite.email, "role": invite.role, "invite": invite.pk})
    return membership


@transaction.atomic
def invite_accept(*, token: str, user) -> Membership:
    """Join the project as the invite's role; only the account with the invited e-mail may."""
    invite = _invite_lock_pending(token)
    if (user.email or "").strip().lower() != invite.email:
        raise InviteEmailMismatch(
            f"This invite is for {invite.email}, but you are logged in as "
            f"{user.email or user.get_username()}. Log out and log in with that address, "
            "or ask for an invite to your own."
        )
    return _invite_join(invite, user)


@transaction.atomic
def invite_accept_new_user(*, token: str, username: str, password: str) -> Membership:
    """Create an account for the invited e-mail with this username and password, and join."""
    invite = _invite_lock_pending(token)
    User = get_user_model()
    if User.objects.filter(email__iexact=invite.email).exists():
        raise InviteNeedsLogin(
            f"An account for {invite.email} already exists. Log in to accept the invite."
        )
    username = (username or "").strip()
    if not username:
        raise UsernameTaken("Choose a username.")
    if User.objects.filter(username__iexact=username).exists():
        raise UsernameTaken(f"The username “{username}” is taken. Choose another.")
    try:
        validate_password(password, User(username=username, email=invite.email))
    except ValidationError as error:
        raise PasswordRejected(" ".join(error.messages)) from None
    try:
        with transaction.atomic():
            user = User.objects.create_user(username=username, email=invite.email,
                                            password=password)
    except IntegrityError:
        raise UsernameTaken(f"The username “{username}” is taken. Choose another.") from None
    return _invite_join(invite, user)


@transaction.atomic
def member_change_role(
    *, actor_membership: Membership, membership_id: int, role: str
) -> Membership:
    """Give a member another role; owners only, never their own role, never the last owner's."""
    actor = _lock_for_members(actor_membership, MEMBERS)
    member = _member_get(actor, membership_id)
    if role not in Role.values:
        raise DomainError(f"Unknown role {role!r}.")
    if member.user_id == actor.user_id:
        raise OwnRoleUnchangeable("You can't change your own role. Ask another owner to do it.")
    if member.role == role:
        return member
    if member.role == Role.OWNER and _owner_count(actor.project_id) <= 1:
        raise LastOwnerRequired(f"{actor.project.name} needs at least one owner.")
    previous = member.role
    member.role = role
    member.save(update_fields=["role"])
    activity_record(project=actor.project, actor=actor.user, verb="changed role", target=member,
                    data={"user": member.user.get_username(), "from": previous, "to": role})
    return member


@transaction.atomic
def member_remove(*, actor_membership: Membership, membership_id: int) -> Membership:
    """Remove another member; producers only below director, and never the last owner."""
    actor = _lock_for_members(actor_membership, INVITE)
    member = _member_get(actor, membership_id)
    if member.user_id == actor.user_id:
        raise MemberRemovalNotAllowed("To take yourself off the project, use Leave project.")
    if member.role not in roles_grantable_by(actor):
        raise MemberRemovalNotAllowed(
            f"As {actor.get_role_display().lower()} you can't remove "
            f"{_a_role(member.role)}; ask an owner."
        )
    if member.role == Role.OWNER and _owner_count(actor.project_id) <= 1:
        raise LastOwnerRequired(f"{actor.project.name} needs at least one owner.")
    revoked = _invites_revoke_sent_by(project_id=actor.project_id, user=member.user)
    activity_record(project=actor.project, actor=actor.user, verb="removed member", target=member,
                    data={"user": member.user.get_username(), "role": member.role,
                          "revoked_invites": revoked})
    member.delete()
    return member


@transaction.atomic
def member_leave(*, membership: Membership) -> None:
    """Leave the project; the last owner has to hand ownership on first."""
    me = _lock_for_members(membership, VIEW)
    if me.role == Role.OWNER and _owner_count(me.project_id) <= 1:
        raise LastOwnerRequired(
            f"You are the last owner of {me.project.name}. Make someone else an owner first."
        )
    revoked = _invites_revoke_sent_by(project_id=me.project_id, user=me.user)
    activity_record(project=me.project, actor=me.user, verb="left", target=me,
                    data={"user": me.user.get_username(), "role": me.role,
                          "revoked_invites": revoked})
    me.delete()


class ApiTokenNameTaken(DomainError):
    status_code = 409


@transaction.atomic
def api_token_create(*, user, name: str):
    """Make a personal API token; returns (row, token). Only the token's SHA-256 is kept."""
    import secrets

    from lotix.authentication import TOKEN_PREFIX
    from projects.models import ApiToken

    name = " ".join(name.split())
    if not name:
        raise DomainError("Name the token after what will use it, e.g. “Resolve sync”.")
    if len(name) > 80:
        raise DomainError("A token name can be at most 80 characters.")
    if ApiToken.objects.active().filter(user=user, name=name).exists():
        raise ApiTokenNameTaken(f"You already have an active token named “{name}”.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(user=user, name=name, prefix=token[:12],
                                  token_hash=token_digest(token))
    return row, token


def api_token_revoke(*, token) -> None:
    """Revoke a token at once; requests carrying it fail from now on."""
    from django.utils import timezone

    from projects.models import ApiToken

    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
