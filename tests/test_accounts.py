"""Log-in limits, session handling and passwords."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def attempt(client, username, password, *, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_it_locks_an_account_after_five_failures_even_with_the_right_password(client):
    factories.user(username="ann")
    for n in range(5):
        assert attempt(client, "ann", "wrong", ip=f"10.0.0.{n}").status_code == 200
    response = attempt(client, "ann", factories.PASSWORD, ip="10.0.1.1")
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_limits_one_address_across_accounts(client, settings):
    settings.LOTIX_LOGIN_FAILURES_PER_ADDRESS = 3
    for name in ("ann", "ben", "cat"):
        factories.user(username=name)
        attempt(client, name, "wrong", ip="10.9.9.9")
    factories.user(username="dan")
    assert attempt(client, "dan", factories.PASSWORD, ip="10.9.9.9").status_code == 429
    assert attempt(client, "dan", factories.PASSWORD, ip="10.9.9.8").status_code == 302


def test_it_forgets_an_accounts_failures_after_a_good_log_in(client):
    factories.user(username="ann")
    for _ in range(4):
        attempt(client, "ann", "wrong")
    assert attempt(client, "ann", factories.PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        attempt(client, "ann", "wrong")
    assert attempt(client, "ann", factories.PASSWORD).status_code == 302


def test_it_rotates_the_session_key_at_log_in_and_kills_it_at_log_out(client):
    factories.user(username="ann")
    client.get(LOGIN)
    client.session.save()
    before = client.session.session_key
    attempt(client, "ann", factories.PASSWORD)
    after = client.cookies["sessionid"].value
    assert after != before
    assert client.get(reverse("projects:project-list")).status_code == 200
    client.post(reverse("logout"))
    client.cookies["sessionid"] = after  # replay the old cookie
    response = client.get(reverse("projects:project-list"))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_it_logs_out_other_sessions_when_the_password_changes(client):
    from django.test import Client

    user = factories.user(username="ann")
    other = Client()
    other.force_login(user)
    client.force_login(user)
    response = client.post(reverse("password_change"), {
        "old_password": factories.PASSWORD, "new_password1": "a longer new passphrase 42",
        "new_password2": "a longer new passphrase 42"})
    assert response.status_code == 302
    assert client.get(reverse("projects:project-list")).status_code == 200
    assert other.get(reverse("projects:project-list")).status_code == 302


@pytest.mark.parametrize("weak", ["short", "password123", "12345678901", "ann-ann-ann"])
def test_it_refuses_a_weak_new_password(client, weak):
    user = factories.user(username="ann-ann-ann")
    client.force_login(user)
    response = client.post(reverse("password_change"), {
        "old_password": factories.PASSWORD, "new_password1": weak, "new_password2": weak})
    assert response.status_code == 200
    assert get_user_model().objects.get(pk=user.pk).check_password(factories.PASSWORD)
