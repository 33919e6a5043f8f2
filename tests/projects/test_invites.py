"""Invites: who may send them, the e-mail, the hashed single-use link, and accepting it."""

import hashlib
import re
import threading
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import serializers
from django.db import connection
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from lotix.errors import PermissionDeniedError
from projects import services
from projects.models import Activity, Invite, Membership, Role
from projects.selectors import membership_for
from tests import factories

pytestmark = pytest.mark.django_db

BASE_URL = "http://testserver/"
INVITE_LINK = re.compile(r"http://testserver/invites/([A-Za-z0-9_-]+)/")
CSRF = re.compile(r'"X-CSRFToken": "[^"]+"|name="csrfmiddlewaretoken" value="[^"]+"')


def invite(project, actor, *, email="ines@example.com", role=Role.EDITOR):
    return services.invite_create(
        project=project, actor_membership=membership_for(actor, project), email=email,
        role=role, base_url=BASE_URL,
    )


def verbs(project):
    return list(Activity.objects.filter(project=project).order_by("id")
                .values_list("verb", flat=True))


def accept_url(token):
    return reverse("projects:invite-accept", args=[token])


def test_it_sends_the_invite_email_only_after_commit(
    project, owner, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        created, token = invite(project, owner, email="Ines@Example.com", role=Role.DIRECTOR)
        assert mailoutbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    [mail] = mailoutbox
    assert mail.to == ["ines@example.com"]
    assert mail.subject == "owner invited you to Signal on Lotix"
    assert f"http://testserver/invites/{token}/" in mail.body
    assert "as director" in mail.body
    assert "expires on" in mail.body


def test_it_sends_nothing_when_the_invite_is_refused(
    project, producer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, \
            pytest.raises(services.InviteRoleNotAllowed):
        invite(project, producer, role=Role.OWNER)
    assert callbacks == []
    assert mailoutbox == []
    assert Invite.objects.count() == 0


def test_it_stores_only_the_hash_of_the_token(project, owner):
    created, token = invite(project, owner)
    assert created.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert len(token) >= 43
    for model in apps.get_models():
        dumped = serializers.serialize("json", model.objects.all())
        assert token not in dumped, model


def test_it_records_an_activity_for_the_invite(project, owner):
    created, token = invite(project, owner, role=Role.VIEWER)
    activity = Activity.objects.get(project=project, verb="invited")
    assert activity.actor == owner
    assert activity.data == {"email": "ines@example.com", "role": "viewer"}
    assert token not in str(activity.data)


def test_it_normalises_the_email_and_refuses_a_second_pending_invite(project, owner):
    created, _ = invite(project, owner, email="  Ines.Ortiz@EXAMPLE.com ")
    assert created.email == "ines.ortiz@example.com"
    with pytest.raises(services.InviteAlreadyPending) as refused:
        invite(project, owner, email="INES.ORTIZ@example.com", role=Role.VIEWER)
    assert refused.value.status_code == 409
    assert "Resend" in refused.value.message
    assert Invite.objects.count() == 1
    assert verbs(project) == ["invited"]


def test_it_allows_a_new_invite_once_the_old_one_expired(project, owner):
    old, _ = invite(project, owner)
    Invite.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    new, _ = invite(project, owner)
    assert new.pk != old.pk


def test_it_refuses_to_invite_an_existing_member(project, owner, editor):
    with pytest.raises(services.InviteeAlreadyMember) as refused:
        invite(project, owner, email="EDITOR@example.com")
    assert refused.value.status_code == 409
    assert Invite.objects.count() == 0
    assert verbs(project) == []


@pytest.mark.parametrize("email", ["", "not-an-address", "ines@", "a b@example.com"])
def test_it_refuses_an_address_that_is_not_an_email(project, owner, email):
    with pytest.raises(services.InviteEmailInvalid):
        invite(project, owner, email=email)
    assert Invite.objects.count() == 0


@pytest.mark.parametrize("role", Role.values)
def test_it_lets_an_owner_invite_as_any_role(project, owner, role):
    created, _ = invite(project, owner, role=role)
    assert created.role == role


@pytest.mark.parametrize(("role", "allowed"), [
    (Role.OWNER, False), (Role.DIRECTOR, False),
    (Role.PRODUCER, True), (Role.EDITOR, True), (Role.VIEWER, True),
])
def test_it_lets_a_producer_invite_only_producers_editors_and_viewers(
    project, owner, producer, role, allowed
):
    if allowed:
        created, _ = invite(project, producer, role=role)
        assert created.invited_by == producer
        assert verbs(project) == ["invited"]
    else:
        with pytest.raises(services.InviteRoleNotAllowed) as refused:
            invite(project, producer, role=role)
        assert refused.value.status_code == 403
        assert "producer, editor or viewer" in refused.value.message
        assert Invite.objects.count() == 0
        assert verbs(project) == []


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.EDITOR, Role.VIEWER])
def test_it_refuses_invites_from_roles_without_the_invite_capability(project, owner, role):
    user = factories.user(username=f"{role}-member")
    factories.membership(project=project, user=user, role=role)
    with pytest.raises(PermissionDeniedError):
        invite(project, user, role=Role.VIEWER)
    assert Invite.objects.count() == 0
    assert verbs(project) == []


def test_it_lets_the_invited_account_accept_once(project, owner):
    created, token = invite(project, owner, email="Ines@example.com", role=Role.EDITOR)
    ines = factories.user(username="ines", email="INES@Example.com")
    membership = services.invite_accept(token=token, user=ines)
    assert (membership.user, membership.role) == (ines, Role.EDITOR)
    created.refresh_from_db()
    assert created.accepted_by == ines
    assert created.accepted_at is not None
    assert verbs(project) == ["invited", "accepted invite"]
    with pytest.raises(Http404):
        services.invite_accept(token=token, user=ines)
    assert Membership.objects.filter(project=project, user=ines).count() == 1
    assert verbs(project) == ["invited", "accepted invite"]


def test_it_refuses_an_expired_invite(client, project, owner):
    created, token = invite(project, owner)
    ines = factories.user(username="ines", email="ines@example.com")
    Invite.objects.filter(pk=created.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(Http404):
        services.invite_accept(token=token, user=ines)
    client.force_login(ines)
    assert client.get(accept_url(token)).status_code == 404
    assert client.post(accept_url(token)).status_code == 404
    assert not Membership.objects.filter(user=ines).exists()


def test_it_accepts_an_invite_a_moment_before_it_expires(project, owner):
    created, token = invite(project, owner)
    ines = factories.user(username="ines", email="ines@example.com")
    Invite.objects.filter(pk=created.pk).update(expires_at=timezone.now() + timedelta(seconds=30))
    assert services.invite_accept(token=token, user=ines).role == Role.EDITOR


def test_it_refuses_a_revoked_invite(project, owner):
    created, token = invite(project, owner)
    services.invite_revoke(actor_membership=membership_for(owner, project), invite_id=created.pk)
    ines = factories.user(username="ines", email="ines@example.com")
    with pytest.raises(Http404):
        services.invite_accept(token=token, user=ines)
    assert verbs(project) == ["invited", "revoked invite"]
    with pytest.raises(services.InviteNotPending):
        services.invite_revoke(actor_membership=membership_for(owner, project),
                               invite_id=created.pk)
    assert verbs(project) == ["invited", "revoked invite"]


def test_it_kills_the_old_link_when_an_invite_is_resent(
    project, owner, mailoutbox, django_capture_on_commit_callbacks
):
    created, old_token = invite(project, owner)
    Invite.objects.filter(pk=created.pk).update(expires_at=timezone.now() + timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        resent, new_token = services.invite_resend(
            actor_membership=membership_for(owner, project), invite_id=created.pk,
            base_url=BASE_URL,
        )
    assert new_token != old_token
    assert resent.expires_at > timezone.now() + timedelta(days=6, hours=23)
    assert INVITE_LINK.search(mailoutbox[-1].body).group(1) == new_token
    ines = factories.user(username="ines", email="ines@example.com")
    with pytest.raises(Http404):
        services.invite_accept(token=old_token, user=ines)
    assert services.invite_accept(token=new_token, user=ines).role == Role.EDITOR
    assert verbs(project) == ["invited", "resent invite", "accepted invite"]


def test_it_refuses_to_resend_an_accepted_invite(project, owner):
    created, token = invite(project, owner)
    services.invite_accept(token=token, user=factories.user(username="ines",
                                                            email="ines@example.com"))
    with pytest.raises(services.InviteNotPending):
        services.invite_resend(actor_membership=membership_for(owner, project),
                               invite_id=created.pk, base_url=BASE_URL)
    assert verbs(project) == ["invited", "accepted invite"]


def test_it_lets_a_producer_neither_resend_nor_revoke_an_invite_as_director(
    project, owner, producer
):
    created, _ = invite(project, owner, role=Role.DIRECTOR)
    actor = membership_for(producer, project)
    with pytest.raises(services.InviteRoleNotAllowed):
        services.invite_resend(actor_membership=actor, invite_id=created.pk, base_url=BASE_URL)
    with pytest.raises(services.InviteRoleNotAllowed):
        services.invite_revoke(actor_membership=actor, invite_id=created.pk)
    assert verbs(project) == ["invited"]


def test_it_does_not_reach_another_projects_invite(project, owner):
    other = factories.project(name="Other")
    stranger_owner = factories.user(username="olga")
    factories.membership(project=other, user=stranger_owner, role=Role.OWNER)
    foreign, _ = invite(other, stranger_owner)
    with pytest.raises(Http404):
        services.invite_revoke(actor_membership=membership_for(owner, project),
                               invite_id=foreign.pk)
    foreign.refresh_from_db()
    assert foreign.revoked_at is None


def test_it_answers_unknown_and_tampered_tokens_with_the_same_404(client, project, owner):
    _, token = invite(project, owner)
    client.force_login(factories.user(username="ines", email="ines@example.com"))
    pages = set()
    for bad in ["nope", token[:-1], token[:-1] + ("A" if token[-1] != "A" else "B"),
                token.upper() if token.upper() != token else token.lower(), "x" * 200]:
        response = client.get(accept_url(bad))
        assert response.status_code == 404, bad
        assert client.post(accept_url(bad)).status_code == 404
        pages.add(CSRF.sub("", response.content.decode()))
    assert len(pages) == 1
    assert "Signal" not in pages.pop()
    assert Membership.objects.filter(user__username="ines").count() == 0


def test_it_refuses_a_logged_in_user_with_another_email(client, project, owner):
    created, token = invite(project, owner, email="ines@example.com")
    other = factories.user(username="oscar", email="oscar@example.com")
    with pytest.raises(services.InviteEmailMismatch) as refused:
        services.invite_accept(token=token, user=other)
    assert refused.value.status_code == 403
    assert "ines@example.com" in refused.value.message
    client.force_login(other)
    page = client.get(accept_url(token))
    assert page.status_code == 403
    assert "This invite is for another address" in page.content.decode()
    response = client.post(accept_url(token))
    assert response.status_code == 403
    assert "Log out and log in with that address" in response.content.decode()
    created.refresh_from_db()
    assert created.accepted_at is None
    assert not Membership.objects.filter(user=other).exists()
    assert verbs(project) == ["invited"]


def test_it_refuses_a_lookalike_address(project, owner):
    _, token = invite(project, owner, email="ines@example.com")
    lookalike = factories.user(username="mallory", email="ines@examp\u0142e.com")
    with pytest.raises(services.InviteEmailMismatch):
        services.invite_accept(token=token, user=lookalike)


def test_it_signs_up_a_new_user_through_the_invite_link(client, project, owner):
    _, token = invite(project, owner, email="Ines@Example.com", role=Role.VIEWER)
    page = client.get(accept_url(token))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Create your account" in body
    assert "ines@example.com" in body
    response = client.post(accept_url(token), {
        "username": "ines", "password1": "paper lanterns at dusk",
        "password2": "paper lanterns at dusk",
    })
    assert response.status_code == 302
    assert response["Location"] == reverse("shots:project-home", args=[project.slug])
    ines = get_user_model().objects.get(username="ines")
    assert ines.email == "ines@example.com"
    assert ines.check_password("paper lanterns at dusk")
    assert membership_for(ines, project).role == Role.VIEWER
    assert client.get(response["Location"]).status_code == 200
    assert verbs(project) == ["invited", "accepted invite"]
    assert client.get(accept_url(token)).status_code == 404


@pytest.mark.parametrize(("password", "message"), [
    ("12345678", "This password is entirely numeric."),
    ("short", "This password is too short."),
    ("password123", "This password is too common."),
    ("inesinesines", "too similar"),
])
def test_it_applies_the_password_validators_on_sign_up(client, project, owner, password,
                                                       message):
    created, token = invite(project, owner)
    response = client.post(accept_url(token), {
        "username": "inesinesines", "password1": password, "password2": password,
    })
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not get_user_model().objects.filter(username="inesinesines").exists()
    created.refresh_from_db()
    assert created.accepted_at is None


def test_it_refuses_a_weak_password_in_the_service_too(project, owner):
    _, token = invite(project, owner)
    with pytest.raises(services.PasswordRejected):
        services.invite_accept_new_user(token=token, username="ines", password="12345678")
    assert not get_user_model().objects.filter(username="ines").exists()


def test_it_refuses_a_taken_username_on_sign_up(client, project, owner):
    _, token = invite(project, owner)
    response = client.post(accept_url(token), {
        "username": "OWNER", "password1": "paper lanterns at dusk",
        "password2": "paper lanterns at dusk",
    })
    assert response.status_code == 400
    assert "already exists" in response.content.decode()
    with pytest.raises(services.UsernameTaken):
        services.invite_accept_new_user(token=token, username="Owner",
                                        password="paper lanterns at dusk")


def test_it_sends_an_existing_user_to_log_in_first(client, project, owner):
    _, token = invite(project, owner, email="ines@example.com", role=Role.PRODUCER)
    ines = factories.user(username="ines", email="Ines@example.com")
    page = client.get(accept_url(token)).content.decode()
    assert "Log in to accept" in page
    assert f'href="{reverse("login")}?next=/invites/{token}/"' in page
    assert 'name="password1"' not in page
    refused = client.post(accept_url(token), {
        "username": "ines2", "password1": "paper lanterns at dusk",
        "password2": "paper lanterns at dusk",
    })
    assert refused.status_code == 409
    with pytest.raises(services.InviteNeedsLogin):
        services.invite_accept_new_user(token=token, username="ines2",
                                        password="paper lanterns at dusk")
    login = client.post(reverse("login"), {
        "username": "ines", "password": factories.PASSWORD, "next": accept_url(token),
    })
    assert login["Location"] == accept_url(token)
    assert "Join Signal as producer" in client.get(accept_url(token)).content.decode()
    joined = client.post(accept_url(token))
    assert joined.status_code == 302
    assert membership_for(ines, project).role == Role.PRODUCER
    assert get_user_model().objects.filter(email__iexact="ines@example.com").count() == 1


def test_it_takes_the_role_from_the_invite_not_the_request(client, project, owner):
    _, token = invite(project, owner, role=Role.VIEWER)
    ines = factories.user(username="ines", email="ines@example.com")
    client.force_login(ines)
    client.post(accept_url(token) + "?role=owner", {"role": "owner"})
    assert membership_for(ines, project).role == Role.VIEWER


def test_it_invites_through_the_members_page(
    client, project, owner, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("projects:invite-create", args=[project.slug]),
                               {"email": "Ines@Example.com", "role": "director"})
    assert response.status_code == 302
    assert response["Location"] == reverse("projects:member-list", args=[project.slug])
    [mail] = mailoutbox
    token = INVITE_LINK.search(mail.body).group(1)
    assert Invite.objects.get().token_hash == hashlib.sha256(token.encode()).hexdigest()
    page = client.get(response["Location"]).content.decode()
    assert "Invite sent to ines@example.com as Director." in page
    assert "ines@example.com" in page


def test_it_refuses_a_producer_inviting_an_owner_through_the_page(
    client, project, owner, producer, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(producer)
    with django_capture_on_commit_callbacks(execute=True):
        for role in ("owner", "director"):
            response = client.post(reverse("projects:invite-create", args=[project.slug]),
                                   {"email": "ines@example.com", "role": role})
            assert response.status_code == 400
            assert "Select a valid choice" in response.content.decode()
    assert Invite.objects.count() == 0
    assert mailoutbox == []
    assert verbs(project) == []


def test_it_offers_resend_when_the_page_sends_a_second_invite(client, project, owner):
    invite(project, owner)
    client.force_login(owner)
    response = client.post(reverse("projects:invite-create", args=[project.slug]),
                           {"email": "INES@example.com", "role": "viewer"})
    assert response.status_code == 409
    assert "already has a pending invite" in response.content.decode()
    assert Invite.objects.count() == 1


@pytest.mark.parametrize("role", ["director", "editor", "viewer"])
def test_it_answers_403_when_a_role_without_invites_posts_one(client, project, owner, role):
    user = factories.user(username=f"{role}-member")
    factories.membership(project=project, user=user, role=role)
    client.force_login(user)
    response = client.post(reverse("projects:invite-create", args=[project.slug]),
                           {"email": "ines@example.com", "role": "viewer"})
    assert response.status_code == 403
    assert Invite.objects.count() == 0


def test_it_resends_and_revokes_through_the_members_page(
    client, project, owner, mailoutbox, django_capture_on_commit_callbacks
):
    created, old_token = invite(project, owner)
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        resent = client.post(reverse("projects:invite-resend", args=[project.slug, created.pk]))
    assert resent.status_code == 302
    new_token = INVITE_LINK.search(mailoutbox[-1].body).group(1)
    assert new_token != old_token
    revoked = client.post(reverse("projects:invite-revoke", args=[project.slug, created.pk]))
    assert revoked.status_code == 302
    client.logout()
    assert client.get(accept_url(new_token)).status_code == 404
    assert client.get(accept_url(old_token)).status_code == 404
    assert verbs(project) == ["invited", "resent invite", "revoked invite"]


def test_it_refuses_get_on_the_invite_actions(client, project, owner):
    created, _ = invite(project, owner)
    client.force_login(owner)
    for name, args in [("invite-create", [project.slug]),
                       ("invite-resend", [project.slug, created.pk]),
                       ("invite-revoke", [project.slug, created.pk])]:
        assert client.get(reverse(f"projects:{name}", args=args)).status_code == 405


def test_it_answers_404_to_a_stranger_on_the_invite_actions(client, project, owner, stranger):
    created, _ = invite(project, owner)
    client.force_login(stranger)
    for name, args in [("invite-create", [project.slug]),
                       ("invite-resend", [project.slug, created.pk]),
                       ("invite-revoke", [project.slug, created.pk])]:
        response = client.post(reverse(f"projects:{name}", args=args),
                               {"email": "x@example.com", "role": "viewer"})
        assert response.status_code == 404, name
    assert verbs(project) == ["invited"]


def race(*calls):
    """Start the calls together, each in its own thread and so on its own DB connection."""
    start = threading.Barrier(len(calls))
    outcomes = []

    def run(call):
        try:
            start.wait(timeout=10)
            call()
            outcomes.append("joined")
        except Http404:
            outcomes.append("404")
        except services.MemberAlreadyInProject:
            outcomes.append("409")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(outcomes)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("same_account", [True, False], ids=["double-click", "two-accounts"])
def test_it_makes_exactly_one_membership_when_two_acceptances_race(same_account, postgresql):
    project = factories.project()
    owner = factories.user(username="owner")
    factories.membership(project=project, user=owner, role=Role.OWNER)
    first = factories.user(username="ines", email="ines@example.com")
    second = first if same_account else factories.user(username="ines2",
                                                       email="INES@example.com")
    for round_ in range(5):
        Membership.objects.filter(project=project).exclude(user=owner).delete()
        created, token = invite(project, owner, email="ines@example.com")
        outcomes = race(
            lambda token=token: services.invite_accept(token=token, user=first),
            lambda token=token: services.invite_accept(token=token, user=second),
        )
        assert outcomes == ["404", "joined"], (round_, outcomes)
        assert Membership.objects.filter(project=project).exclude(user=owner).count() == 1
        created.refresh_from_db()
        assert created.accepted_at is not None
        assert Activity.objects.filter(project=project, verb="accepted invite").count() == \
            round_ + 1
