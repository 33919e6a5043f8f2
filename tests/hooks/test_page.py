"""The webhooks settings page: add (secret shown once), rotate, disable, ping, delete, the
delivery log in constant queries, and the documented signature check that really verifies."""

import html
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hooks import signing
from hooks.models import DeliveryStatus, Webhook, WebhookDelivery
from hooks.services import webhook_create
from projects.models import Activity
from tests import factories

pytestmark = pytest.mark.django_db

PUBLIC = "https://93.184.216.34/lotix"
README = Path(__file__).resolve().parents[2] / "README.md"


def page(slug):
    return reverse("hooks:webhook-list", args=[slug])


def action(name, webhook):
    return reverse(f"hooks:webhook-{name}", args=[webhook.project.slug, webhook.uuid])


@pytest.mark.parametrize("role, status", [("owner", 200), ("producer", 200), ("director", 403),
                                          ("editor", 403), ("viewer", 403)])
def test_it_opens_the_page_to_owners_and_producers_only(client, project, role, status):
    user = factories.user(username=role)
    factories.membership(project=project, user=user, role=role)
    client.force_login(user)
    response = client.get(page(project.slug))
    assert response.status_code == status
    members = client.get(reverse("projects:member-list", args=[project.slug])).content.decode()
    assert (page(project.slug) in members) == (status == 200)


def test_it_shows_the_secret_once_when_a_webhook_is_added(client, project, owner):
    client.force_login(owner)
    response = client.post(reverse("hooks:webhook-create", args=[project.slug]),
                           {"url": PUBLIC, "events": ["take.decided", "export.ready"]})
    assert response.status_code == 200
    webhook = Webhook.objects.get()
    assert webhook.secret.startswith("whsec_")
    assert webhook.events == ["take.decided", "export.ready"]
    assert webhook.created_by == owner
    assert webhook.secret in response.content.decode()
    assert "Lotix will not show it again" in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    again = client.get(page(project.slug)).content.decode()
    assert webhook.secret not in again and PUBLIC in again
    assert Activity.objects.filter(verb="added webhook").count() == 1


@pytest.mark.parametrize("data, message", [
    ({"url": "https://169.254.169.254/latest", "events": ["take.decided"]}, "metadata"),
    ({"url": "http://93.184.216.34/", "events": ["take.decided"]}, "https://"),
    ({"url": PUBLIC}, "Choose at least one event"),
    ({"url": PUBLIC, "events": ["take.deleted"]}, "Unknown event"),
])
def test_it_refuses_a_bad_webhook_with_the_reason_and_keeps_the_form(client, project, owner,
                                                                     settings, data, message):
    settings.LOTIX_WEBHOOKS_ALLOW_PRIVATE = False
    client.force_login(owner)
    response = client.post(reverse("hooks:webhook-create", args=[project.slug]), data)
    assert response.status_code == 400
    body = html.unescape(response.content.decode())
    assert message in body
    assert f'value="{data["url"]}"' in body
    assert not Webhook.objects.exists()


def test_it_rotates_the_secret_and_shows_only_the_new_one(client, project, owner):
    client.force_login(owner)
    membership = owner.memberships.get()
    webhook, old = webhook_create(membership=membership, url=PUBLIC, events=["take.failed"])
    response = client.post(action("rotate", webhook))
    assert response.status_code == 200
    webhook.refresh_from_db()
    assert webhook.secret != old and webhook.secret_rotated_at is not None
    body = response.content.decode()
    assert webhook.secret in body and old not in body
    assert "previous secret no longer signs" in body


def test_it_disables_enables_pings_and_deletes_a_webhook(client, project, owner,
                                                         django_capture_on_commit_callbacks):
    client.force_login(owner)
    webhook, _ = webhook_create(membership=owner.memberships.get(), url=PUBLIC,
                                events=["take.failed"])
    assert client.post(action("toggle", webhook), {"active": "0"}).status_code == 302
    webhook.refresh_from_db()
    assert not webhook.active
    refused = client.post(action("ping", webhook))
    assert refused.status_code == 400 and b"enable it to send a test ping" in refused.content
    client.post(action("toggle", webhook), {"active": "1"})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert client.post(action("ping", webhook)).status_code == 302
    assert len(callbacks) == 1
    assert WebhookDelivery.objects.get().event == "ping"
    listing = client.get(page(project.slug)).content.decode()
    assert "<code>ping</code>" in listing and "Pending" in listing
    assert client.post(action("delete", webhook)).status_code == 302
    assert not Webhook.objects.exists() and not WebhookDelivery.objects.exists()


def test_it_answers_404_for_another_projects_webhook(client, project, owner):
    other = factories.project(name="Elsewhere")
    factories.membership(project=other, user=owner, role="owner")
    from projects.models import Membership

    theirs, _ = webhook_create(membership=Membership.objects.get(project=other, user=owner),
                               url=PUBLIC, events=["take.failed"])
    client.force_login(owner)
    url = reverse("hooks:webhook-delete", args=[project.slug, theirs.uuid])
    assert client.post(url).status_code == 404
    assert Webhook.objects.filter(pk=theirs.pk).exists()


def _fill(project, owner, *, webhooks, deliveries):
    membership = owner.memberships.get(project=project)
    now = timezone.now()
    for n in range(webhooks):
        webhook, _ = webhook_create(membership=membership, url=f"{PUBLIC}/{n}",
                                    events=["take.decided"])
        WebhookDelivery.objects.bulk_create([
            WebhookDelivery(webhook=webhook, event="take.decided", payload={"n": i},
                            status=DeliveryStatus.FAILED if i % 3 else DeliveryStatus.SUCCEEDED,
                            attempts=1 + i % 6, response_code=500 if i % 3 else 200,
                            error="The receiver answered 500." if i % 3 else "",
                            response_ms=40 + i)
            for i in range(deliveries)
        ])
        WebhookDelivery.objects.filter(webhook=webhook).update(created_at=now - timedelta(hours=1))


def _queries(client, project) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(page(project.slug))
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_it_shows_the_last_50_deliveries_of_each_webhook_in_constant_queries(client, project,
                                                                             owner):
    client.force_login(owner)
    _fill(project, owner, webhooks=1, deliveries=2)
    small, _ = _queries(client, project)
    _fill(project, owner, webhooks=6, deliveries=70)
    large, body = _queries(client, project)
    assert large == small
    assert body.count('class="delivery-') == 2 + 6 * 50
    assert "The receiver answered 500." in body


@pytest.mark.parametrize("source", ["page", "readme"])
def test_it_documents_a_signature_check_that_verifies_a_real_delivery(client, project, owner,
                                                                      source):
    if source == "page":
        client.force_login(owner)
        body = client.get(page(project.slug)).content.decode()
        code = html.unescape(re.search(r'<pre class="webhook-snippet"><code>(.*?)</code></pre>',
                                       body, re.S).group(1))
    else:
        text = README.read_text()
        section = text[text.index("## Webhooks"):]
        code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, f"<{source} snippet>", "exec"), namespace)  # noqa: S102
    verify = namespace["verify"]
    body = b'{"event":"ping"}'
    headers = signing.headers(secret="whsec_doc", event="ping", delivery="d", body=body)
    timestamp, signature = headers["X-Lotix-Timestamp"], headers["X-Lotix-Signature"]
    assert verify("whsec_doc", body, timestamp, signature)
    assert not verify("whsec_doc", body + b" ", timestamp, signature)
    assert not verify("whsec_other", body, timestamp, signature)
    old = str(int(timestamp) - 600)
    assert not verify("whsec_doc", body, old,
                      signing.signature(secret="whsec_doc", timestamp=old, body=body))
