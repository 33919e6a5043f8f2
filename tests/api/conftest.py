"""Clients for API v1: a bearer token per user, as a script would use it."""

import pytest
from rest_framework.test import APIClient

from projects.services import api_token_create


def token_client(user) -> APIClient:
    _, token = api_token_create(user=user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def as_user():
    """`as_user(user)` → an APIClient sending that user's API token (one token per user)."""
    clients = {}

    def client_for(user) -> APIClient:
        if user.pk not in clients:
            clients[user.pk] = token_client(user)
        return clients[user.pk]

    return client_for


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The response is an error in the one API format; returns its `error` object."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error["code"], str) and error["code"], error
    assert isinstance(error["message"], str) and error["message"].strip(), error
    if code is not None:
        assert error["code"] == code, error
    return error
