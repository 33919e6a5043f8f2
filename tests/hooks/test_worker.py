"""End to end: a decision → Redis → the real worker → a signed POST to the local receiver."""

import json
import time

import pytest

from hooks import signing
from hooks.models import DeliveryStatus, WebhookDelivery
from hooks.services import webhook_create
from projects.models import Membership
from takes.services import take_decide
from tests import factories

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_it_delivers_a_decision_through_the_worker_with_a_valid_signature(
    worker, receiver, settings
):
    # The worker was started with LOTIX_WEBHOOKS_ALLOW_PRIVATE=true (tests/hooks/conftest.py).
    settings.LOTIX_WEBHOOKS_ALLOW_PRIVATE = True
    project = factories.project(name="Hooks Worker")
    owner = factories.user(username="hook-owner")
    membership = factories.membership(project=project, user=owner, role="owner")
    membership = Membership.objects.select_related("project", "user").get(pk=membership.pk)
    webhook, secret = webhook_create(membership=membership, url=receiver.url,
                                     events=["take.decided"])
    shot = factories.shot(scene=factories.scene(project=project))
    take = factories.take(shot=shot)

    take_decide(take=take, membership=membership, state="approved", reason="Print it.")

    (request,) = receiver.wait_for(1, timeout=60)
    headers = request["headers"]
    assert headers["X-Lotix-Event"] == "take.decided"
    assert signing.verify(secret=secret, body=request["body"],
                          timestamp=headers["X-Lotix-Timestamp"],
                          signature_header=headers["X-Lotix-Signature"])
    body = json.loads(request["body"])
    assert body["data"]["take"]["uuid"] == str(take.uuid)
    assert body["data"]["decision"]["to"] == "approved"
    delivery = WebhookDelivery.objects.get(webhook=webhook)
    assert headers["X-Lotix-Delivery"] == str(delivery.uuid)
    deadline = time.monotonic() + 30
    while delivery.status == DeliveryStatus.PENDING and time.monotonic() < deadline:
        time.sleep(0.1)
        delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED, worker["log"].read_text()[-3000:]
    assert delivery.attempts == 1 and delivery.response_code == 200
