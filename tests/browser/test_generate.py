import io
import time

import pytest
from django.core.management import call_command

from shots.models import Shot
from tests.browser.conftest import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.worker]


@pytest.mark.django_db(transaction=True)
def test_it_generates_the_corridor_shot_with_previz_and_plays_the_take(
    live_server, worker, page, screenshot
):
    call_command("seed_demo", stdout=io.StringIO())
    corridor = Shot.objects.get(scene__code="SC020", code="SH010")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("demo")
    page.get_by_label("Password").fill("lotix-demo")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/p/signal/shots/{corridor.pk}/")
    page.get_by_label("Model profile").select_option("previz")
    screenshot("shot-page-before")
    page.get_by_role("button", name="Generate").click()

    seen = []
    deadline = time.monotonic() + 120
    video = page.locator("video")
    while time.monotonic() < deadline and video.count() == 0:
        # One read in the page: htmx may swap the bar out between two separate queries.
        value = page.evaluate(
            "(() => { const b = document.querySelector('[role=progressbar]');"
            " return b ? b.getAttribute('aria-valuenow') : null; })()")
        if value is not None:
            seen.append(int(value))
            if len(set(seen)) == 2:
                screenshot("shot-page-progress")
        page.wait_for_timeout(100)
    assert video.count() == 1, f"no take appeared; progress seen {seen}"
    assert seen == sorted(seen), seen
    assert len({v for v in seen if 0 < v < 100}) >= 1, seen
    assert "animatic" in page.locator(".take").first.inner_text()

    wait_until(page, "document.querySelector('video').readyState >= 2")
    video.evaluate("v => { v.muted = true; return v.play(); }")
    wait_until(page, "document.querySelector('video').currentTime > 0.5")
    screenshot("shot-page-take")
    assert page.console_errors == []
