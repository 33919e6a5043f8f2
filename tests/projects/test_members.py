"""The members page and membership changes: roles, removal, leaving, and the last owner."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lotix.errors import PermissionDeniedError
from projects import services
from projects.models import Activity, Invite, Membership, Role
from projects.selectors import membership_for
from tests import factories

pytestmark = pytest.mark.django_db

BASE_URL = "http://testserver/"


def member(project, username, role):
    user = factories.user(username=username)
    return factories.membership(project=project, user=user, role=role)


def verbs(project):
    return list(Activity.objects.filter(project=project).order_by("id")
                .values_list("verb", flat=True))


def change_role(actor, project, target, role):
    return services.member_change_role(
        actor_membership=membership_for(actor, project), membership_id=target.pk, role=role
    )


def remove(actor, project, target):
    return services.member_remove(actor_membership=membership_for(actor, project),
                                  membership_id=target.pk)


def members_url(project):
    return reverse("projects:member-list", args=[project.slug])


@pytest.mark.parametrize("role", Role.values)
def test_it_shows_members_and_pending_invites_to_every_role(client, project, role):
    owner = member(project, "olga", Role.OWNER).user
    viewer = member(project, "me", role).user
    services.invite_create(project=project, actor_membership=membership_for(owner, project),
                           email="ines@example.com", role=Role.EDITOR, base_url=BASE_URL)
    client.force_login(viewer)
    response = client.get(members_url(project))
    body = response.content.decode()
    assert response.status_code == 200
    assert "olga" in body and "me@example.com" in body
    assert "ines@example.com" in body
    assert "Pending invites" in body
    can_invite = role in (Role.OWNER, Role.PRODUCER)
    assert ('id="id_email"' in body) is can_invite
    assert ("Resend" in body) is can_invite
    assert ('id="role-' in body) is (role == Role.OWNER)


def test_it_offers_a_producer_only_the_roles_a_producer_may_grant(client, project, producer):
    client.force_login(producer)
    body = client.get(members_url(project)).content.decode()
    select = body[body.index('<select name="role"'):]
    select = select[:select.index("</select>")]
    assert 'value="producer"' in select and 'value="viewer"' in select
    assert 'value="owner"' not in select and 'value="director"' not in select


def test_it_shows_invite_expiry_inviter_and_expired_invites(client, project, owner):
    actor = membership_for(owner, project)
    fresh, _ = services.invite_create(project=project, actor_membership=actor,
                                      email="ines@example.com", role=Role.EDITOR,
                                      base_url=BASE_URL)
    stale, _ = services.invite_create(project=project, actor_membership=actor,
                                      email="old@example.com", role=Role.VIEWER,
                                      base_url=BASE_URL)
    Invite.objects.filter(pk=stale.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    client.force_login(owner)
    body = client.get(members_url(project)).content.decode()
    fresh_row = body[body.index(f'id="invite-{fresh.pk}"'):]
    fresh_row = fresh_row[:fresh_row.index("</tr>")]
    assert "6 days left" in fresh_row
    assert ">owner<" in fresh_row
    stale_row = body[body.index(f'id="invite-{stale.pk}"'):]
    assert "Expired" in stale_row[:stale_row.index("</tr>")]


def test_it_renders_the_members_page_in_constant_queries(client, project, owner):
    client.force_login(owner)

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(members_url(project)).status_code == 200
        return len(captured)

    few = count()
    actor = membership_for(owner, project)
    for n in range(8):
        member(project, f"crew{n}", Role.EDITOR)
        services.invite_create(project=project, actor_membership=actor,
                               email=f"guest{n}@example.com", role=Role.VIEWER,
                               base_url=BASE_URL)
    assert count() == few


def test_it_links_the_members_page_from_the_project_home(client, project, viewer):
    client.force_login(viewer)
    body = client.get(reverse("shots:project-home", args=[project.slug])).content.decode()
    assert f'href="{members_url(project)}"' in body


def test_it_answers_404_to_a_stranger_on_every_members_url(client, project, owner, stranger):
    target = membership_for(owner, project)
    client.force_login(stranger)
    assert client.get(members_url(project)).status_code == 404
    for name, args in [("member-change-role", [project.slug, target.pk]),
                       ("member-remove", [project.slug, target.pk]),
                       ("member-leave", [project.slug])]:
        assert client.post(reverse(f"projects:{name}", args=args),
                           {"role": "viewer"}).status_code == 404, name
    assert membership_for(owner, project).role == Role.OWNER


def test_it_sends_anonymous_visitors_to_log_in(client, project):
    response = client.get(members_url(project))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_changes_a_role_and_records_it(project, owner, editor):
    target = membership_for(editor, project)
    changed = change_role(owner, project, target, Role.DIRECTOR)
    assert changed.role == Role.DIRECTOR
    activity = Activity.objects.get(project=project, verb="changed role")
    assert activity.actor == owner
    assert activity.data == {"user": "editor", "from": "editor", "to": "director"}


def test_it_records_nothing_when_the_role_is_unchanged(project, owner, editor):
    change_role(owner, project, membership_for(editor, project), Role.EDITOR)
    assert verbs(project) == []


@pytest.mark.parametrize("actor_role", [Role.DIRECTOR, Role.PRODUCER, Role.EDITOR, Role.VIEWER])
def test_it_lets_only_an_owner_change_roles(project, owner, actor_role):
    actor = member(project, "actor", actor_role).user
    target = member(project, "target", Role.VIEWER)
    for role in (Role.OWNER, Role.DIRECTOR, Role.EDITOR):
        with pytest.raises(PermissionDeniedError):
            change_role(actor, project, target, role)
    with pytest.raises(PermissionDeniedError):
        change_role(actor, project, membership_for(actor, project), Role.OWNER)
    assert membership_for(actor, project).role == actor_role
    target.refresh_from_db()
    assert target.role == Role.VIEWER
    assert verbs(project) == []


def test_it_refuses_to_let_a_member_change_their_own_role(project, owner):
    member(project, "second-owner", Role.OWNER)
    with pytest.raises(services.OwnRoleUnchangeable) as refused:
        change_role(owner, project, membership_for(owner, project), Role.VIEWER)
    assert refused.value.status_code == 403
    assert membership_for(owner, project).role == Role.OWNER
    assert verbs(project) == []


def test_it_never_demotes_the_last_owner(project, owner):
    with pytest.raises((services.OwnRoleUnchangeable, services.LastOwnerRequired)):
        change_role(owner, project, membership_for(owner, project), Role.DIRECTOR)
    second = member(project, "second-owner", Role.OWNER)
    change_role(owner, project, second, Role.DIRECTOR)
    assert Membership.objects.filter(project=project, role=Role.OWNER).count() == 1
    with pytest.raises(PermissionDeniedError):
        change_role(second.user, project, membership_for(owner, project), Role.DIRECTOR)
    assert membership_for(owner, project).role == Role.OWNER
    assert verbs(project) == ["changed role"]


def test_it_refuses_an_unknown_role(project, owner, editor):
    with pytest.raises(services.DomainError):
        change_role(owner, project, membership_for(editor, project), "producer-in-chief")
    assert verbs(project) == []


def test_it_does_not_reach_a_member_of_another_project(project, owner):
    other = factories.project(name="Other")
    foreign = member(other, "olga", Role.VIEWER)
    with pytest.raises(Http404):
        change_role(owner, project, foreign, Role.OWNER)
    with pytest.raises(Http404):
        remove(owner, project, foreign)
    foreign.refresh_from_db()
    assert foreign.role == Role.VIEWER


@pytest.mark.parametrize(("target_role", "allowed"), [
    (Role.OWNER, False), (Role.DIRECTOR, False),
    (Role.PRODUCER, True), (Role.EDITOR, True), (Role.VIEWER, True),
])
def test_it_lets_a_producer_remove_only_producers_editors_and_viewers(
    project, owner, producer, target_role, allowed
):
    target = (membership_for(owner, project) if target_role == Role.OWNER
              else member(project, "target", target_role))
    if allowed:
        remove(producer, project, target)
        assert not Membership.objects.filter(pk=target.pk).exists()
        assert verbs(project) == ["removed member"]
    else:
        with pytest.raises(services.MemberRemovalNotAllowed) as refused:
            remove(producer, project, target)
        assert refused.value.status_code == 403
        assert Membership.objects.filter(pk=target.pk).exists()
        assert verbs(project) == []


@pytest.mark.parametrize("actor_role", [Role.DIRECTOR, Role.EDITOR, Role.VIEWER])
def test_it_refuses_removal_by_roles_without_the_invite_capability(project, owner, actor_role):
    actor = member(project, "actor", actor_role).user
    target = member(project, "target", Role.VIEWER)
    with pytest.raises(PermissionDeniedError):
        remove(actor, project, target)
    assert Membership.objects.filter(pk=target.pk).exists()
    assert verbs(project) == []


def test_it_lets_an_owner_remove_another_owner_but_not_themselves(project, owner):
    second = member(project, "second-owner", Role.OWNER)
    with pytest.raises(services.MemberRemovalNotAllowed):
        remove(owner, project, membership_for(owner, project))
    remove(owner, project, second)
    assert list(Membership.objects.filter(project=project).values_list("role", flat=True)) == \
        [Role.OWNER]
    activity = Activity.objects.get(project=project)
    assert (activity.verb, activity.data["user"], activity.data["role"]) == \
        ("removed member", "second-owner", "owner")


def test_it_revokes_the_pending_invites_of_a_removed_member(project, owner, producer):
    invite, token = services.invite_create(
        project=project, actor_membership=membership_for(producer, project),
        email="ines@example.com", role=Role.VIEWER, base_url=BASE_URL,
    )
    remove(owner, project, membership_for(producer, project))
    invite.refresh_from_db()
    assert invite.revoked_at is not None
    ines = factories.user(username="ines", email="ines@example.com")
    with pytest.raises(Http404):
        services.invite_accept(token=token, user=ines)
    assert Activity.objects.get(verb="removed member").data["revoked_invites"] == \
        ["ines@example.com"]


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.PRODUCER, Role.EDITOR, Role.VIEWER])
def test_it_lets_any_member_leave(project, owner, role):
    leaving = member(project, "leaving", role)
    services.member_leave(membership=leaving)
    assert not Membership.objects.filter(pk=leaving.pk).exists()
    activity = Activity.objects.get(project=project)
    assert (activity.verb, activity.actor) == ("left", leaving.user)


def test_it_never_lets_the_last_owner_leave(project, owner):
    with pytest.raises(services.LastOwnerRequired) as refused:
        services.member_leave(membership=membership_for(owner, project))
    assert refused.value.status_code == 409
    assert "Make someone else an owner first" in refused.value.message
    assert membership_for(owner, project).role == Role.OWNER
    second = member(project, "second-owner", Role.OWNER)
    services.member_leave(membership=membership_for(owner, project))
    assert list(Membership.objects.filter(project=project)) == [second]
    assert verbs(project) == ["left"]


def test_it_changes_a_role_through_the_members_page(client, project, owner, editor):
    client.force_login(owner)
    target = membership_for(editor, project)
    response = client.post(
        reverse("projects:member-change-role", args=[project.slug, target.pk]),
        {"role": "producer"},
    )
    assert response.status_code == 302
    assert "editor is now producer." in client.get(members_url(project)).content.decode()
    target.refresh_from_db()
    assert target.role == Role.PRODUCER


def test_it_shows_why_a_change_was_refused_on_the_members_page(client, project, owner):
    client.force_login(owner)
    me = membership_for(owner, project)
    response = client.post(reverse("projects:member-change-role", args=[project.slug, me.pk]),
                           {"role": "viewer"})
    assert response.status_code == 403
    assert "You can&#x27;t change your own role" in response.content.decode()
    leave = client.post(reverse("projects:member-leave", args=[project.slug]))
    assert leave.status_code == 409
    assert "You are the last owner of Signal" in leave.content.decode()
    assert verbs(project) == []


def test_it_refuses_a_role_change_from_a_producer_through_the_page(client, project, owner,
                                                                   producer):
    client.force_login(producer)
    response = client.post(
        reverse("projects:member-change-role", args=[project.slug,
                                                     membership_for(producer, project).pk]),
        {"role": "owner"},
    )
    assert response.status_code == 403
    assert membership_for(producer, project).role == Role.PRODUCER


def test_it_refuses_a_producer_removing_the_owner_through_the_page(client, project, owner,
                                                                   producer):
    client.force_login(producer)
    response = client.post(reverse("projects:member-remove",
                                   args=[project.slug, membership_for(owner, project).pk]))
    assert response.status_code == 403
    assert "ask an owner" in response.content.decode()
    assert membership_for(owner, project).role == Role.OWNER
    assert verbs(project) == []


def test_it_removes_a_member_and_leaves_through_the_members_page(client, project, owner,
                                                                 producer, viewer):
    client.force_login(producer)
    removed = client.post(reverse("projects:member-remove",
                                  args=[project.slug, membership_for(viewer, project).pk]))
    assert removed.status_code == 302
    assert "Removed viewer from Signal." in client.get(members_url(project)).content.decode()
    left = client.post(reverse("projects:member-leave", args=[project.slug]))
    assert left.status_code == 302
    assert left["Location"] == reverse("projects:project-list")
    assert client.get(members_url(project)).status_code == 404
    assert verbs(project) == ["removed member", "left"]


def test_it_refuses_get_on_the_member_actions(client, project, owner, editor):
    client.force_login(owner)
    target = membership_for(editor, project)
    for name, args in [("member-change-role", [project.slug, target.pk]),
                       ("member-remove", [project.slug, target.pk]),
                       ("member-leave", [project.slug])]:
        assert client.get(reverse(f"projects:{name}", args=args)).status_code == 405


@pytest.mark.django_db(transaction=True)
def test_it_keeps_one_owner_when_two_owners_demote_each_other_at_once(postgresql):
    project = factories.project()
    a = member(project, "ana", Role.OWNER)
    b = member(project, "ben", Role.OWNER)
    start = threading.Barrier(2)
    outcomes = []

    def demote(actor, target):
        try:
            start.wait(timeout=10)
            services.member_change_role(actor_membership=actor, membership_id=target.pk,
                                        role=Role.DIRECTOR)
            outcomes.append("changed")
        except PermissionDeniedError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=demote, args=(a, b)),
               threading.Thread(target=demote, args=(b, a))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["changed", "refused"]
    assert Membership.objects.filter(project=project, role=Role.OWNER).count() == 1
    assert Activity.objects.filter(project=project, verb="changed role").count() == 1
