"""One error format for every API refusal: {"error": {"code", "message", "fields"?}}."""

import pytest
from rest_framework import exceptions
from rest_framework.test import APIClient

from lotix.errors import DomainError, api_exception_handler
from projects.services import api_token_create, api_token_revoke
from tests import factories
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db


def test_it_answers_anonymous_and_bad_tokens_with_401(project, owner):
    error = assert_error(APIClient().get(f"/api/v1/projects/{project.slug}/shots/"), 401,
                         "not_authenticated")
    assert "credentials" in error["message"].lower()
    row, token = api_token_create(user=owner, name="old")
    api_token_revoke(token=row)
    for header in (f"Bearer {token}", "Bearer ltx_unknown", "Bearer nonsense"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=header)
        response = client.get("/api/v1/projects/")
        assert_error(response, 401, "authentication_failed")
        assert response["WWW-Authenticate"] == "Bearer"


def test_it_answers_a_role_without_the_capability_with_403(project, viewer, as_user):
    error = assert_error(as_user(viewer).post(f"/api/v1/projects/{project.slug}/scenes/",
                                              {"title": "Dawn"}, format="json"),
                         403, "permission_denied")
    assert "Viewer" in error["message"] and "plan" in error["message"].lower()


def test_it_answers_strangers_and_unknown_objects_with_404(project, owner, stranger, as_user):
    assert_error(as_user(stranger).get(f"/api/v1/projects/{project.slug}/"), 404, "not_found")
    error = assert_error(as_user(owner).get(f"/api/v1/projects/{project.slug}/shots/999999/"),
                         404, "not_found")
    assert error["message"] == "No such shot."


def test_it_answers_validation_errors_with_fields(project, owner, as_user):
    scene = factories.scene(project=project)
    error = assert_error(
        as_user(owner).post(f"/api/v1/projects/{project.slug}/shots/",
                            {"scene": scene.pk, "fps": 500, "camera_movement": "zoom"},
                            format="json"),
        400, "validation_error")
    assert set(error["fields"]) == {"fps", "camera_movement"}
    assert all(isinstance(m, str) for messages in error["fields"].values() for m in messages)
    assert error["message"] in [m for messages in error["fields"].values() for m in messages]


def test_it_answers_a_broken_domain_rule_with_its_message_and_code(project, owner, as_user):
    factories.scene(project=project, code="SC010")
    error = assert_error(as_user(owner).post(f"/api/v1/projects/{project.slug}/scenes/",
                                             {"code": "SC010"}, format="json"),
                         409, "code_taken")
    assert error["message"] == f"Scene SC010 already exists in {project.name}."
    assert "fields" not in error


def test_it_answers_malformed_json_unsupported_types_and_wrong_methods(project, owner, as_user):
    client = as_user(owner)
    url = f"/api/v1/projects/{project.slug}/scenes/"
    assert_error(client.generic("POST", url, "{not json", content_type="application/json"),
                 400, "parse_error")
    assert_error(client.generic("POST", url, "title=x", content_type="text/csv"), 415,
                 "unsupported_media_type")
    assert_error(client.delete(url), 405, "method_not_allowed")
    assert_error(client.post(f"/api/v1/projects/{project.slug}/assets/upload/",
                             {"name": "x"}, format="json"), 415, "unsupported_media_type")


def test_it_shapes_throttling_and_plain_domain_errors_the_same_way():
    response = api_exception_handler(exceptions.Throttled(wait=7), {})
    assert response.status_code == 429 and response["Retry-After"] == "7"
    assert response.data["error"]["code"] == "throttled"
    response = api_exception_handler(DomainError("Give the project a name."), {})
    assert response.status_code == 400
    assert response.data == {"error": {"code": "invalid", "message": "Give the project a name."}}
    assert api_exception_handler(RuntimeError("bug"), {}) is None  # stays a 500


def test_it_refuses_out_of_range_pagination(project, owner, as_user):
    client = as_user(owner)
    for query in ("limit=0", "limit=201", "limit=x", "offset=-1"):
        error = assert_error(client.get(f"/api/v1/projects/?{query}"), 400, "validation_error")
        assert set(error["fields"]) <= {"limit", "offset"}


def test_a_session_needs_its_csrf_token_and_is_refused_in_the_same_format(project, owner):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.get(f"/api/v1/projects/{project.slug}/scenes/").status_code == 200
    error = assert_error(client.post(f"/api/v1/projects/{project.slug}/scenes/",
                                     {"title": "Dawn"}, format="json"), 403, "permission_denied")
    assert "CSRF" in error["message"]


def test_unknown_api_paths_answer_404_in_the_format(owner, as_user):
    assert_error(as_user(owner).get("/api/v1/nothing/here/"), 404, "not_found")
    assert_error(APIClient().post("/api/v2/projects/"), 404, "not_found")
