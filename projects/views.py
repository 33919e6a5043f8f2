from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lotix.errors import DomainError
from projects import selectors, services
from projects.forms import InviteForm, InviteSignupForm, ProjectCreateForm
from projects.models import Role
from projects.roles import CAPABILITIES, INVITE, MEMBERS, VIEW, role_can


@require_http_methods(["GET", "POST"])
@login_required
def project_list(request):
    form = ProjectCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(user=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            return redirect("shots:project-home", slug=project.slug)
    memberships = selectors.projects_for_user(request.user)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "projects/project_list.html",
        {"memberships": memberships, "form": form, "show_form": request.method == "POST"},
        status=status,
    )


def _time_left(delta) -> str:
    if delta.days >= 1:
        return f"{delta.days} day{pluralize(delta.days)} left"
    hours = delta.seconds // 3600
    return f"{hours} hour{pluralize(hours)} left" if hours else "under an hour left"


def _members_page(request, membership, *, invite_form=None, error=None, status=200):
    """Render the members page; every member sees it, the forms follow the viewer's role."""
    project = membership.project
    grantable = services.roles_grantable_by(membership)
    can_change_roles = membership.can(MEMBERS)
    rank = {role: n for n, role in enumerate(services.ROLE_ORDER)}
    members = sorted(
        selectors.members_of_project(membership),
        key=lambda m: (rank[m.role], m.user.get_username().lower()),
    )
    owners = sum(1 for m in members if m.role == Role.OWNER)
    now = timezone.now()
    invites = selectors.invites_pending(membership)
    return render(request, "projects/members.html", {
        "membership": membership,
        "project": project,
        "members": [
            {
                "member": m,
                "is_me": m.user_id == membership.user_id,
                "can_change_role": can_change_roles and m.user_id != membership.user_id,
                "can_remove": m.role in grantable and m.user_id != membership.user_id
                and not (m.role == Role.OWNER and owners <= 1),
            }
            for m in members
        ],
        "invites": [
            {"invite": i, "expired": i.expires_at <= now, "left": _time_left(i.expires_at - now),
             "can_manage": i.role in grantable}
            for i in invites
        ],
        "can_invite": bool(grantable),
        "can_leave": not (membership.role == Role.OWNER and owners <= 1),
        "invite_form": invite_form or InviteForm(roles=grantable),
        "role_choices": Role.choices,
        "error": error,
    }, status=status)


@require_GET
@login_required
def member_list(request, slug):
    membership = selectors.require(selectors.membership_for(request.user, slug), VIEW)
    return _members_page(request, membership)


@require_POST
@login_required
def invite_create(request, slug):
    membership = selectors.require(selectors.membership_for(request.user, slug), INVITE)
    form = InviteForm(request.POST, roles=services.roles_grantable_by(membership))
    if not form.is_valid():
        return _members_page(request, membership, invite_form=form, status=400)
    try:
        invite, _token = services.invite_create(
            project=membership.project, actor_membership=membership,
            email=form.cleaned_data["email"], role=form.cleaned_data["role"],
            base_url=request.build_absolute_uri("/"),
        )
    except DomainError as error:
        form.add_error(None, error.message)
        return _members_page(request, membership, invite_form=form, status=error.status_code)
    messages.success(request, f"Invite sent to {invite.email} as {invite.get_role_display()}.")
    return redirect("projects:member-list", slug=slug)


def _back_to_members(request, slug, message):
    messages.success(request, message)
    return redirect("projects:member-list", slug=slug)


@require_POST
@login_required
def invite_resend(request, slug, invite_id):
    membership = selectors.require(selectors.membership_for(request.user, slug), INVITE)
    try:
        invite, _token = services.invite_resend(
            actor_membership=membership, invite_id=invite_id,
            base_url=request.build_absolute_uri("/"),
        )
    except DomainError as error:
        return _members_page(request, membership, error=error.message, status=error.status_code)
    return _back_to_members(
        request, slug, f"Sent a new link to {invite.email}. The previous link no longer works."
    )


@require_POST
@login_required
def invite_revoke(request, slug, invite_id):
    membership = selectors.require(selectors.membership_for(request.user, slug), INVITE)
    try:
        invite = services.invite_revoke(actor_membership=membership, invite_id=invite_id)
    except DomainError as error:
        return _members_page(request, membership, error=error.message, status=error.status_code)
    return _back_to_members(request, slug, f"Revoked the invite for {invite.email}.")


@require_POST
@login_required
def member_change_role(request, slug, membership_id):
    membership = selectors.require(selectors.membership_for(request.user, slug), MEMBERS)
    try:
        member = services.member_change_role(
            actor_membership=membership, membership_id=membership_id,
            role=request.POST.get("role", ""),
        )
    except DomainError as error:
        return _members_page(request, membership, error=error.message, status=error.status_code)
    return _back_to_members(
        request, slug, f"{member.user.get_username()} is now {member.get_role_display().lower()}."
    )


@require_POST
@login_required
def member_remove(request, slug, membership_id):
    membership = selectors.require(selectors.membership_for(request.user, slug), INVITE)
    try:
        member = services.member_remove(actor_membership=membership, membership_id=membership_id)
    except DomainError as error:
        return _members_page(request, membership, error=error.message, status=error.status_code)
    return _back_to_members(request, slug, f"Removed {member.user.get_username()} from "
                                           f"{membership.project.name}.")


@require_POST
@login_required
def member_leave(request, slug):
    membership = selectors.require(selectors.membership_for(request.user, slug), VIEW)
    try:
        services.member_leave(membership=membership)
    except DomainError as error:
        return _members_page(request, membership, error=error.message, status=error.status_code)
    messages.success(request, f"You left {membership.project.name}.")
    return redirect("projects:project-list")


@require_http_methods(["GET", "POST"])
def invite_accept(request, token):
    try:
        invite = selectors.invite_get_pending(token=token)
    except Http404:
        return render(request, "projects/invite_invalid.html", status=404)
    context = {
        "invite": invite, "project": invite.project, "form": None, "error": None,
        "role_can": [text for capability, text in CAPABILITIES.items()
                     if role_can(invite.role, capability)],
    }
    status = 200
    if request.user.is_authenticated:
        context["email_matches"] = (
            (request.user.email or "").strip().lower() == invite.email
        )
        if request.method == "POST":
            try:
                services.invite_accept(token=token, user=request.user)
            except Http404:
                return render(request, "projects/invite_invalid.html", status=404)
            except DomainError as error:
                context["error"], status = error.message, error.status_code
            else:
                return _joined(request, invite)
        elif not context["email_matches"]:
            status = 403
        return render(request, "projects/invite_accept.html", context, status=status)
    context["has_account"] = selectors.invite_email_has_account(invite)
    if not context["has_account"]:
        form = InviteSignupForm(request.POST or None, email=invite.email)
        context["form"] = form
        if request.method == "POST":
            status = 400
            if form.is_valid():
                try:
                    membership = services.invite_accept_new_user(
                        token=token, username=form.cleaned_data["username"],
                        password=form.cleaned_data["password1"],
                    )
                except Http404:
                    return render(request, "projects/invite_invalid.html", status=404)
                except DomainError as error:
                    form.add_error(None, error.message)
                    status = error.status_code
                else:
                    login(request, membership.user,
                          backend="django.contrib.auth.backends.ModelBackend")
                    return _joined(request, invite)
    elif request.method == "POST":
        status = 409
    return render(request, "projects/invite_accept.html", context, status=status)


def _joined(request, invite):
    messages.success(request, f"Welcome to {invite.project.name}. You joined as "
                              f"{invite.get_role_display().lower()}.")
    return redirect("shots:project-home", slug=invite.project.slug)
