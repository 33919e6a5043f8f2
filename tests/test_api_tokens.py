"""Personal API tokens: stored hashed, shown once, revocable, last use recorded."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from lotix.authentication import token_digest
from projects.models import ApiToken
from projects.services import api_token_create, api_token_revoke
from tests import factories

pytestmark = pytest.mark.django_db


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_it_stores_only_a_hash_and_shows_the_token_once(project, owner):
    row, token = api_token_create(user=owner, name="Resolve sync")
    assert token.startswith("ltx_") and len(token) > 40
    stored = ApiToken.objects.values_list("token_hash", "prefix", "name").get(pk=row.pk)
    assert token not in "".join(stored)
    assert stored[0] == token_digest(token)
    assert token.startswith(stored[1])


def test_it_lists_only_the_callers_projects_through_a_token(project, owner):
    other = factories.project(name="Not Yours")
    _, token = api_token_create(user=owner, name="script")
    response = bearer(token).get("/api/v1/projects/")
    assert response.status_code == 200
    assert [p["slug"] for p in response.json()["results"]] == [project.slug]
    assert bearer(token).get(f"/api/v1/projects/{other.slug}/").status_code == 404
    assert ApiToken.objects.get().last_used_at is not None


def test_it_refuses_a_revoked_unknown_or_malformed_token(project, owner):
    row, token = api_token_create(user=owner, name="script")
    api_token_revoke(token=row)
    for value in (token, "ltx_" + "x" * 43, "garbage"):
        response = bearer(value).get("/api/v1/projects/")
        assert response.status_code == 401, value
    assert APIClient().get("/api/v1/projects/").status_code in (401, 403)


def test_it_refuses_two_active_tokens_with_one_name(owner):
    api_token_create(user=owner, name="script")
    from lotix.errors import DomainError

    with pytest.raises(DomainError, match="already have an active token"):
        api_token_create(user=owner, name="script")


def test_it_creates_and_revokes_tokens_from_the_account_page(client, owner):
    client.force_login(owner)
    response = client.post(reverse("api-tokens"), {"name": "Nuke"})
    body = response.content.decode()
    token = body.split('id="new-token" type="text" readonly value="')[1].split('"')[0]
    assert bearer(token).get("/api/v1/projects/").status_code == 200
    row = ApiToken.objects.get(name="Nuke")
    client.post(reverse("api-tokens"), {"revoke": row.pk})
    assert bearer(token).get("/api/v1/projects/").status_code == 401
    assert token not in client.get(reverse("api-tokens")).content.decode()


def test_it_serves_the_openapi_schema_and_docs(client, owner):
    client.force_login(owner)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/projects/" in schema.content
    assert client.get("/api/docs/").status_code == 200
