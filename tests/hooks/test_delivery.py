"""Deliveries through real HTTP to a local receiver: signature, retries with backoff, give-up,
SSRF checks at delivery time, lost messages swept."""

import json
import socket
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from hooks import services, signing
from hooks.models import DeliveryStatus, WebhookDelivery
from hooks.services import (
    deliveries_sweep,
    webhook_create,
    webhook_deliver,
    webhook_emit,
    webhook_ping,
    webhook_set_active,
)
from hooks.targets import WebhookUrlRefused

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook(owner_membership, receiver, private_allowed):
    webhook, secret = webhook_create(membership=owner_membership, url=receiver.url,
                                     events=["take.decided", "export.ready"])
    return webhook


def emit_one(project, django_capture_on_commit_callbacks, *, event="take.decided",
             payload=None) -> WebhookDelivery:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        webhook_emit(project=project, event=event, payload=payload or {"take": {"label": "v001"}})
    assert len(callbacks) == 1
    return WebhookDelivery.objects.get()


def make_due(delivery) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1))


def valid(request, secret) -> bool:
    headers = request["headers"]
    return signing.verify(secret=secret, body=request["body"],
                          timestamp=headers["X-Lotix-Timestamp"],
                          signature_header=headers["X-Lotix-Signature"])


def test_it_delivers_a_signed_envelope_to_the_receiver(
    project, hook, receiver, django_capture_on_commit_callbacks
):
    delivery = emit_one(project, django_capture_on_commit_callbacks,
                        payload={"take": {"label": "v003"}})
    assert webhook_deliver(delivery_id=delivery.pk) == "succeeded"
    (request,) = receiver.requests
    assert request["path"] == "/hooks/lotix"
    headers = request["headers"]
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Lotix-Event"] == "take.decided"
    assert headers["X-Lotix-Delivery"] == str(delivery.uuid)
    assert headers["Host"] == f"127.0.0.1:{receiver.server.server_port}"
    assert headers["X-Lotix-Signature"].startswith("sha256=")
    hook.refresh_from_db()
    assert valid(request, hook.secret)
    body = json.loads(request["body"])
    assert body["id"] == str(delivery.uuid)
    assert body["event"] == "take.decided"
    assert body["project"] == {"slug": project.slug, "uuid": str(project.uuid)}
    assert body["data"] == {"take": {"label": "v003"}}
    assert body["created_at"].startswith(str(timezone.now().year))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert (delivery.attempts, delivery.response_code, delivery.error) == (1, 200, "")
    assert delivery.response_ms is not None and delivery.delivered_at is not None
    assert delivery.next_attempt_at is None
    assert [entry["code"] for entry in delivery.attempt_log] == [200]


def test_it_retries_with_backoff_after_a_server_error_then_succeeds(
    project, hook, receiver, django_capture_on_commit_callbacks
):
    receiver.answer(500, 503)
    delivery = emit_one(project, django_capture_on_commit_callbacks)
    with mock.patch("lotix.celery.app.send_task") as send_task, \
            django_capture_on_commit_callbacks(execute=True):
        before = timezone.now()
        assert webhook_deliver(delivery_id=delivery.pk) == "retrying"
    send_task.assert_called_once_with("hooks.deliver", args=[delivery.pk], queue="cpu",
                                      countdown=10.0)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.response_code == 500
    assert delivery.error == "The receiver answered 500 Internal Server Error."
    wait = delivery.next_attempt_at - before
    assert timedelta(seconds=9) < wait < timedelta(seconds=12)
    # The message arriving early (a duplicate, or the sweeper's) finds nothing due.
    assert webhook_deliver(delivery_id=delivery.pk) == "skipped"
    assert len(receiver.requests) == 1

    make_due(delivery)
    with mock.patch("lotix.celery.app.send_task") as send_task, \
            django_capture_on_commit_callbacks(execute=True):
        assert webhook_deliver(delivery_id=delivery.pk) == "retrying"
    assert send_task.call_args.kwargs["countdown"] == 60.0
    make_due(delivery)
    assert webhook_deliver(delivery_id=delivery.pk) == "succeeded"

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 3
    assert [entry["code"] for entry in delivery.attempt_log] == [500, 503, 200]
    assert [entry["attempt"] for entry in delivery.attempt_log] == [1, 2, 3]
    hook.refresh_from_db()
    assert len({r["headers"]["X-Lotix-Delivery"] for r in receiver.requests}) == 1
    assert all(valid(request, hook.secret) for request in receiver.requests)


def test_it_gives_up_after_six_attempts_with_growing_waits(
    project, hook, receiver, django_capture_on_commit_callbacks
):
    receiver.answer(*[500] * 10)
    delivery = emit_one(project, django_capture_on_commit_callbacks)
    waits, outcomes = [], []
    for _ in range(6):
        make_due(delivery)
        with mock.patch("lotix.celery.app.send_task") as send_task, \
                django_capture_on_commit_callbacks(execute=True):
            outcomes.append(webhook_deliver(delivery_id=delivery.pk))
        if send_task.called:
            waits.append(send_task.call_args.kwargs["countdown"])
    assert outcomes == ["retrying"] * 5 + ["failed"]
    assert waits == [10.0, 60.0, 300.0, 1800.0, 7200.0]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 6 and len(delivery.attempt_log) == 6
    assert delivery.next_attempt_at is None and delivery.delivered_at is None
    make_due(delivery)
    assert webhook_deliver(delivery_id=delivery.pk) == "skipped"
    assert len(receiver.requests) == 6


def test_it_does_not_follow_a_redirect(project, hook, receiver,
                                       django_capture_on_commit_callbacks):
    receiver.answer(302)
    delivery = emit_one(project, django_capture_on_commit_callbacks)
    with mock.patch("lotix.celery.app.send_task"):
        assert webhook_deliver(delivery_id=delivery.pk) == "retrying"
    assert [r["path"] for r in receiver.requests] == ["/hooks/lotix"]
    delivery.refresh_from_db()
    assert delivery.response_code == 302 and "302" in delivery.error


def test_it_stops_waiting_for_a_receiver_that_does_not_answer(
    project, hook, receiver, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(services, "TIMEOUT_S", 0.3)
    receiver.delay_s = 2
    delivery = emit_one(project, django_capture_on_commit_callbacks)
    with mock.patch("lotix.celery.app.send_task"):
        assert webhook_deliver(delivery_id=delivery.pk) == "retrying"
    delivery.refresh_from_db()
    assert delivery.error == "The receiver did not answer within 0.3 seconds."
    assert delivery.response_code is None and delivery.response_ms < 2000


def test_it_records_a_receiver_that_refuses_connections(
    project, owner_membership, private_allowed, django_capture_on_commit_callbacks
):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    webhook_create(membership=owner_membership, url=f"http://127.0.0.1:{port}/in",
                   events=["take.decided"])
    delivery = emit_one(project, django_capture_on_commit_callbacks)
    with mock.patch("lotix.celery.app.send_task"):
        assert webhook_deliver(delivery_id=delivery.pk) == "retrying"
    delivery.refresh_from_db()
    assert delivery.error.startswith("Could not reach the receiver")


def test_it_checks_the_address_again_at_delivery_and_sends_nothing_when_refused(
    project, hook, receiver, settings, django_capture_on_commit_callbacks
):
    delivery = emit_one(project, django_capture_on_commit_callbacks)
    settings.LOTIX_WEBHOOKS_ALLOW_PRIVATE = False
    assert webhook_deliver(delivery_id=delivery.pk) == "failed"
    assert receiver.requests == []
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 1
    assert delivery.error.startswith("Not sent: ")
    assert "https://" in delivery.error


def test_it_connects_to_the_checked_address_and_keeps_the_host_name(
    project, owner_membership, receiver, private_allowed, django_capture_on_commit_callbacks
):
    port = receiver.server.server_port
    webhook_create(membership=owner_membership, url=f"http://localhost:{port}/named",
                   events=["take.decided"])
    delivery = emit_one(project, django_capture_on_commit_callbacks)
    assert webhook_deliver(delivery_id=delivery.pk) == "succeeded"
    (request,) = receiver.requests
    assert request["headers"]["Host"] == f"localhost:{port}"
    assert request["path"] == "/named"


def test_it_sends_nothing_for_a_webhook_disabled_after_the_event(
    project, hook, owner_membership, receiver, django_capture_on_commit_callbacks
):
    delivery = emit_one(project, django_capture_on_commit_callbacks)
    webhook_set_active(membership=owner_membership, webhook=hook, active=False)
    assert webhook_deliver(delivery_id=delivery.pk) == "failed"
    assert receiver.requests == []
    delivery.refresh_from_db()
    assert delivery.error == "Not sent: the webhook was disabled."


def test_it_pings_one_webhook_whatever_events_it_receives(
    project, hook, owner_membership, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        delivery = webhook_ping(membership=owner_membership, webhook=hook)
    assert len(callbacks) == 1
    assert webhook_deliver(delivery_id=delivery.pk) == "succeeded"
    body = json.loads(receiver.requests[0]["body"])
    assert body["event"] == "ping" and body["data"]["by"] == "owner"
    webhook_set_active(membership=owner_membership, webhook=hook, active=False)
    with pytest.raises(services.WebhookInvalid, match="enable it"):
        webhook_ping(membership=owner_membership, webhook=hook)


def test_it_publishes_again_deliveries_whose_message_was_lost(
    project, hook, django_capture_on_commit_callbacks
):
    now = timezone.now()
    lost = emit_one(project, django_capture_on_commit_callbacks)
    WebhookDelivery.objects.filter(pk=lost.pk).update(next_attempt_at=now - timedelta(minutes=9))
    with django_capture_on_commit_callbacks(execute=False):
        webhook_emit(project=project, event="take.decided", payload={})
    waiting = WebhookDelivery.objects.exclude(pk=lost.pk).get()
    WebhookDelivery.objects.filter(pk=waiting.pk).update(
        next_attempt_at=now - timedelta(minutes=1))
    with mock.patch("lotix.celery.app.send_task") as send_task, \
            django_capture_on_commit_callbacks(execute=True):
        assert deliveries_sweep() == {"republished": 1}
    send_task.assert_called_once_with("hooks.deliver", args=[lost.pk], queue="cpu",
                                      countdown=None)
    lost.refresh_from_db()
    assert abs(lost.next_attempt_at - timezone.now()) < timedelta(seconds=5)
    # Republished once: the next sweep leaves it alone until it is overdue again.
    with mock.patch("lotix.celery.app.send_task"):
        assert deliveries_sweep() == {"republished": 0}


def test_it_fails_a_delivery_whose_worker_was_lost_on_every_attempt(
    project, hook, receiver, django_capture_on_commit_callbacks
):
    delivery = emit_one(project, django_capture_on_commit_callbacks)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=services.MAX_ATTEMPTS, next_attempt_at=timezone.now() - timedelta(minutes=10))
    assert webhook_deliver(delivery_id=delivery.pk) == "skipped"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.error == "Gave up after 6 attempts."
    assert receiver.requests == []


def test_it_routes_the_delivery_tasks_to_the_cpu_queue_and_sweeps_every_minute(settings):
    from lotix.celery import app

    assert "hooks.deliver" in app.tasks and "hooks.sweep_deliveries" in app.tasks
    route = app.amqp.router.route({}, "hooks.deliver", args=(1,), kwargs={})
    assert route["queue"].name == "cpu"
    entry = settings.CELERY_BEAT_SCHEDULE["sweep-webhook-deliveries"]
    assert entry["task"] == "hooks.sweep_deliveries" and entry["options"]["queue"] == "cpu"


def test_it_refuses_a_webhook_to_a_private_receiver_when_not_allowed(
    owner_membership, receiver, settings
):
    settings.LOTIX_WEBHOOKS_ALLOW_PRIVATE = False
    with pytest.raises(WebhookUrlRefused):
        webhook_create(membership=owner_membership, url=receiver.url, events=["take.decided"])
