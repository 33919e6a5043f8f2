"""The webhooks page in Chromium: add a webhook, copy its secret once, ping, read the log."""

import pytest

from hooks.models import Webhook, WebhookDelivery
from hooks.services import webhook_deliver
from tests import factories
from tests.hooks.conftest import private_allowed, receiver  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_lets_an_owner_add_a_webhook_ping_it_and_read_the_delivery_log(
    live_server, page, screenshot, receiver, private_allowed  # noqa: F811
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
    page.get_by_role("button", name="Send test ping").click()
    page.wait_for_selector("text=Test ping queued")
    delivery = WebhookDelivery.objects.get()
    # The worker's part, run here: the page shows what it recorded.
    receiver.answer(500)
    webhook_deliver(delivery_id=delivery.pk)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=delivery.created_at)
    webhook_deliver(delivery_id=delivery.pk)
    page.reload()
    row = page.locator(f"#delivery-{delivery.uuid}")
    assert "Delivered" in row.inner_text() and "200" in row.inner_text()
    assert row.locator("td").nth(3).inner_text() == "2"
    screenshot("webhooks-delivery-log")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.console_errors == []
