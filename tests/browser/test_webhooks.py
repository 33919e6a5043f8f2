"""The webhooks page in Chromium: add a webhook, copy its secret once, ping, read the log."""

import time

import pytest

from hooks.models import Webhook, WebhookDelivery
from tests import factories
from tests.hooks.conftest import private_allowed, receiver  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_it_lets_an_owner_add_a_webhook_ping_it_and_read_the_delivery_log(
    live_server, worker, page, screenshot, receiver, private_allowed  # noqa: F811
):
    project = factories.project(name="Harbour")
    owner = factories.user(username="ines")
    factories.membership(project=project, user=owner, role="owner")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("ines")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Harbour").click()
    page.get_by_role("link", name="Settings").click()
    assert page.get_by_role("heading", name="Webhooks").is_visible()

    page.get_by_label("Receiver URL").fill(receiver.url)
    page.get_by_label("take.failed").uncheck()
    page.get_by_role("button", name="Add webhook").click()
    page.wait_for_selector("text=copy the secret now")
    webhook = Webhook.objects.get()
    assert page.get_by_label("Signing secret").input_value() == webhook.secret
    assert "take.failed" not in webhook.events and "take.decided" in webhook.events
    screenshot("webhooks-secret-once")

    page.goto(f"{live_server.url}/p/{project.slug}/settings/webhooks/")
    assert webhook.secret not in page.content()
    # The real worker delivers the ping: refused once (500), then retried with backoff (200).
    receiver.answer(500)
    page.get_by_role("button", name="Send test ping").click()
    page.wait_for_selector("text=Test ping queued")
    delivery = WebhookDelivery.objects.get()
    receiver.wait_for(2, timeout=90)
    deadline = time.monotonic() + 30
    while WebhookDelivery.objects.get(pk=delivery.pk).status != "succeeded":
        assert time.monotonic() < deadline, "The retried ping was not recorded as delivered."
        time.sleep(0.1)
    page.reload()
    row = page.locator(f"#delivery-{delivery.uuid}")
    assert "Delivered" in row.inner_text() and "200" in row.inner_text()
    assert row.locator("td").nth(3).inner_text() == "2"
    screenshot("webhooks-delivery-log")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.console_errors == []
