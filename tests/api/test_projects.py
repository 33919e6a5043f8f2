"""Projects, members and invites through API v1, role by role."""

import pytest
from django.core import mail

from projects.models import Invite, Membership, Role
from tests import factories
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db


def test_it_creates_a_project_with_the_caller_as_owner(owner, as_user):
    response = as_user(owner).post("/api/v1/projects/", {"name": "  Night   Ferry ",
                                                          "default_fps": 25}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "Night Ferry" and body["role"] == "owner"
    assert body["default_fps"] == 25 and body["scene_count"] == 0
    assert Membership.objects.get(project__slug=body["slug"], user=owner).role == Role.OWNER
    assert_error(as_user(owner).post("/api/v1/projects/", {"name": "   "}, format="json"), 400)


def test_it_pages_the_project_list(owner, as_user):
    for n in range(5):
        project = factories.project(name=f"P{n}")
        factories.membership(project=project, user=owner, role="viewer")
    client = as_user(owner)
    first = client.get("/api/v1/projects/?limit=2").json()
    # The `project` fixture made one more (owner's).
    assert first["count"] == 6 and len(first["results"]) == 2
    assert first["previous"] is None and "offset=2" in first["next"]
    last = client.get("/api/v1/projects/?limit=2&offset=4").json()
    assert last["next"] is None and last["previous"]
    seen = [p["slug"] for p in first["results"]] + [p["slug"] for p in last["results"]]
    assert len(set(seen)) == 4


def test_it_lists_members_to_every_member_and_hides_them_from_strangers(
        project, owner, viewer, stranger, as_user):
    body = as_user(viewer).get(f"/api/v1/projects/{project.slug}/members/").json()
    assert [(m["username"], m["role"]) for m in body["results"]] == [
        ("owner", "owner"), ("viewer", "viewer")]
    assert_error(as_user(stranger).get(f"/api/v1/projects/{project.slug}/members/"), 404)


def test_only_owners_change_roles_and_the_last_owner_stays(project, owner, producer, viewer,
                                                            as_user):
    target = Membership.objects.get(user=viewer)
    url = f"/api/v1/projects/{project.slug}/members/{target.pk}/"
    assert_error(as_user(producer).patch(url, {"role": "editor"}, format="json"), 403)
    response = as_user(owner).patch(url, {"role": "editor"}, format="json")
    assert response.status_code == 200 and response.json()["role"] == "editor"
    assert_error(as_user(owner).patch(url, {"role": "king"}, format="json"), 400,
                 "validation_error")
    me = Membership.objects.get(user=owner)
    assert_error(as_user(owner).patch(f"/api/v1/projects/{project.slug}/members/{me.pk}/",
                                      {"role": "viewer"}, format="json"), 403,
                 "own_role_unchangeable")


def test_producers_remove_members_below_director_only(project, owner, producer, director,
                                                      viewer, as_user):
    viewer_m, director_m = (Membership.objects.get(user=u) for u in (viewer, director))
    base = f"/api/v1/projects/{project.slug}/members/"
    error = assert_error(as_user(producer).delete(f"{base}{director_m.pk}/"), 403)
    assert "director" in error["message"]
    assert as_user(producer).delete(f"{base}{viewer_m.pk}/").status_code == 204
    assert not Membership.objects.filter(pk=viewer_m.pk).exists()


def test_it_invites_lists_and_revokes(project, owner, editor, as_user,
                                      django_capture_on_commit_callbacks):
    url = f"/api/v1/projects/{project.slug}/invites/"
    assert_error(as_user(editor).post(url, {"email": "a@example.com", "role": "viewer"},
                                      format="json"), 403)
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(owner).post(url, {"email": " Ana@Example.com", "role": "editor"},
                                       format="json")
    assert response.status_code == 201, response.json()
    invite = response.json()
    assert invite["email"] == "ana@example.com" and invite["expired"] is False
    assert "token" not in invite and len(mail.outbox) == 1
    assert_error(as_user(owner).post(url, {"email": "ana@example.com", "role": "editor"},
                                     format="json"), 409, "invite_already_pending")
    assert_error(as_user(owner).post(url, {"email": "not-an-address", "role": "editor"},
                                     format="json"), 400, "invite_email_invalid")
    listed = as_user(editor).get(url).json()
    assert [i["email"] for i in listed["results"]] == ["ana@example.com"]
    assert as_user(owner).delete(f"{url}{invite['id']}/").status_code == 204
    assert Invite.objects.get(pk=invite["id"]).revoked_at is not None
    assert_error(as_user(owner).delete(f"{url}{invite['id']}/"), 409, "invite_not_pending")
    assert as_user(owner).get(url).json()["count"] == 0
