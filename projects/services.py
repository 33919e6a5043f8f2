"""Writes for projects and memberships. Every change records an Activity in its transaction."""

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from lotix.errors import DomainError
from projects.models import Activity, AspectRatio, Membership, Project, Resolution, Role


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
