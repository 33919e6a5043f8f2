import io

import pytest
from django.core.management import call_command

from tests.browser.conftest import wait_until

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_it_logs_in_as_the_demo_user_and_sees_signal(live_server, page, screenshot):
    call_command("seed_demo", stdout=io.StringIO())
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    screenshot("login")
    page.get_by_label("Username").fill("demo")
    page.get_by_label("Password").fill("lotix-demo")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Signal").click()
    page.wait_for_selector("text=Mara hears the signal")
    for code in ("SC010", "SC020"):
        assert page.locator(".scene-head .code", has_text=code).count() == 1
    assert page.locator(".shot-card").count() == 3
    thumbnails = page.locator(".ref img")
    assert thumbnails.count() == 7
    # Every reference thumbnail really loads (naturalWidth is 0 for a broken image); they load
    # lazily, so bring them all into view first.
    page.mouse.wheel(0, 5000)
    wait_until(page, "Array.from(document.querySelectorAll('.ref img'))"
                     ".every(i => i.complete && i.naturalWidth > 0)", timeout_s=10)
    page.mouse.wheel(0, -5000)
    screenshot("project-home")
    assert page.console_errors == []


@pytest.mark.django_db(transaction=True)
def test_it_tells_a_visitor_when_the_password_is_wrong(live_server, page):
    call_command("seed_demo", stdout=io.StringIO())
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("demo")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").inner_text().startswith("Please enter a correct username")
