"""The capability table for all five roles, and strangers, through the one gate."""

import pytest
from django.http import Http404
from django.urls import reverse

from lotix.errors import PermissionDeniedError
from projects import roles
from projects.models import Activity, Role
from projects.selectors import membership_for, require
from projects.services import project_create
from tests import factories

EXPECTED = {
    Role.OWNER: set(roles.CAPABILITIES),
    Role.DIRECTOR: {roles.VIEW, roles.COMMENT, roles.PLAN, roles.GENERATE, roles.DECIDE,
                    roles.APPROVE, roles.EXPORT, roles.DAILIES},
    Role.PRODUCER: {roles.VIEW, roles.COMMENT, roles.DECIDE, roles.APPROVE, roles.EXPORT,
                    roles.DAILIES, roles.BUDGET, roles.INVITE, roles.WEBHOOKS},
    Role.EDITOR: {roles.VIEW, roles.COMMENT, roles.EXPORT},
    Role.VIEWER: {roles.VIEW, roles.COMMENT},
}


def test_it_gives_every_role_an_entry():
    assert set(roles.ROLE_CAPABILITIES) == set(Role.values)


@pytest.mark.django_db
@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("capability", sorted(roles.CAPABILITIES))
def test_it_lets_a_role_through_the_gate_only_with_its_capabilities(role, capability):
    project = factories.project()
    user = factories.user(username=role)
    factories.membership(project=project, user=user, role=role)
    membership = membership_for(user, project)
    if capability in EXPECTED[role]:
        assert require(membership, capability) is membership
    else:
        with pytest.raises(PermissionDeniedError) as refused:
            require(membership, capability)
        assert role.capitalize() in refused.value.message


@pytest.mark.django_db
def test_it_answers_a_stranger_with_404_whatever_the_capability(project, stranger):
    with pytest.raises(Http404):
        membership_for(stranger, project)
    with pytest.raises(Http404):
        membership_for(stranger, project.slug)


@pytest.mark.django_db
def test_it_hides_archived_projects_from_members(project, owner):
    from django.utils import timezone

    project.archived_at = timezone.now()
    project.save()
    with pytest.raises(Http404):
        membership_for(owner, project)


def test_it_refuses_an_unknown_capability():
    with pytest.raises(KeyError):
        roles.role_can(Role.OWNER, "take.teleport")


@pytest.mark.django_db
@pytest.mark.parametrize("role", Role.values)
def test_it_shows_the_project_home_to_every_role(client, project, role):
    user = factories.user(username=role)
    factories.membership(project=project, user=user, role=role)
    client.force_login(user)
    response = client.get(reverse("shots:project-home", args=[project.slug]))
    assert response.status_code == 200
    assert project.name in response.content.decode()


@pytest.mark.django_db
def test_it_answers_404_to_a_stranger_on_every_project_url(client, project, stranger):
    scene = factories.scene(project=project)
    shot = factories.shot(scene=scene)
    asset_file = factories.asset_file(project=project)
    factories.reference(shot=shot, asset_file=asset_file)
    client.force_login(stranger)
    for url in (
        reverse("shots:project-home", args=[project.slug]),
        reverse("assets:file-thumb", args=[project.slug, asset_file.uuid]),
        reverse("assets:file-original", args=[project.slug, asset_file.uuid]),
    ):
        assert client.get(url).status_code == 404, url


@pytest.mark.django_db
def test_it_does_not_serve_another_projects_file_through_a_project_the_user_is_on(
    client, project, owner
):
    other = factories.project(name="Other")
    foreign_file = factories.asset_file(project=other)
    client.force_login(owner)
    url = reverse("assets:file-thumb", args=[project.slug, foreign_file.uuid])
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_it_sends_anonymous_visitors_to_the_login_page(client, project):
    response = client.get(reverse("shots:project-home", args=[project.slug]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_it_makes_the_creator_owner_and_records_the_activity(db):
    user = factories.user()
    project = project_create(user=user, name="  Night   Shift ", default_fps=25)
    assert project.name == "Night Shift"
    assert project.slug == "night-shift"
    assert membership_for(user, project).role == Role.OWNER
    activity = Activity.objects.get(project=project)
    assert (activity.verb, activity.actor) == ("created", user)


@pytest.mark.django_db
def test_it_creates_a_project_from_the_project_list(client):
    user = factories.user()
    client.force_login(user)
    response = client.post(reverse("projects:project-list"), {
        "name": "Night Shift", "default_aspect_ratio": "2.39:1", "default_fps": 24,
        "default_resolution": "1080p",
    })
    assert response.status_code == 302
    project = membership_for(user, "night-shift").project
    assert (project.default_aspect_ratio, project.default_resolution) == ("2.39:1", "1080p")


@pytest.mark.django_db
def test_it_keeps_the_form_and_says_why_when_a_project_is_refused(client):
    client.force_login(factories.user())
    response = client.post(reverse("projects:project-list"), {
        "name": "Night Shift", "default_aspect_ratio": "16:9", "default_fps": 500,
        "default_resolution": "720p",
    })
    assert response.status_code == 400
    body = response.content.decode()
    assert "Ensure this value is less than or equal to 120" in body
    assert 'value="Night Shift"' in body
