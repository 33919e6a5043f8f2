"""Writes for webhooks: set-up by a member, events emitted by other apps, deliveries by the worker.

`webhook_emit` is the one entry point for other apps: it writes a delivery row per subscribed
webhook inside the caller's transaction and publishes them once that transaction commits, so
an event whose change is rolled back is never announced. The HTTP call itself happens in the
worker (`webhook_deliver`), outside any transaction.
"""

import json
import logging
import time
import uuid
from datetime import timedelta

import httpx
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from hooks import signing, targets
from hooks.models import PING, DeliveryStatus, Webhook, WebhookDelivery, WebhookEvent
from lotix.errors import DomainError
from projects import roles
from projects.selectors import require
from projects.services import activity_record

log = logging.getLogger(__name__)

DELIVER_TASK = "hooks.deliver"
QUEUE = "cpu"
TIMEOUT_S = 10.0
# The wait before attempts 2 to 6; the sixth failure is final.
BACKOFF = (
    timedelta(seconds=10), timedelta(seconds=60), timedelta(minutes=5), timedelta(minutes=30),
    timedelta(hours=2),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# An attempt holds its delivery this long; a worker lost mid-attempt frees it afterwards.
CLAIM_TTL = timedelta(minutes=2)
# A pending delivery due longer ago than this lost its message; the sweeper publishes it again.
REPUBLISH_AFTER = timedelta(minutes=5)
MAX_WEBHOOKS_PER_PROJECT = 20
ERROR_LENGTH = 500


class WebhookInvalid(DomainError):
    pass


# --- set-up, by a member with the webhooks capability ----------------------------------------

def _events_checked(events) -> list[str]:
    chosen = [event for event in WebhookEvent.values if event in set(events or [])]
    unknown = sorted(set(events or []) - set(WebhookEvent.values))
    if unknown:
        raise WebhookInvalid(f"Unknown event {unknown[0]!r}; a webhook can receive "
                             f"{', '.join(WebhookEvent.values)}.")
    if not chosen:
        raise WebhookInvalid("Choose at least one event for the webhook to receive.")
    return chosen


def webhook_create(*, membership, url: str, events: list[str]) -> tuple[Webhook, str]:
    """Add a webhook to the member's project; returns it with its secret, shown only now."""
    require(membership, roles.WEBHOOKS)
    chosen = _events_checked(events)
    # Resolving the host is network I/O: done before the transaction opens.
    targets.target_check(url)
    project = membership.project
    with transaction.atomic():
        if Webhook.objects.filter(project=project).count() >= MAX_WEBHOOKS_PER_PROJECT:
            raise WebhookInvalid(f"A project has at most {MAX_WEBHOOKS_PER_PROJECT} webhooks; "
                                 "delete one you no longer use first.")
        secret = signing.secret_new()
        webhook = Webhook.objects.create(project=project, url=url.strip(), secret=secret,
                                         events=chosen, created_by=membership.user)
        activity_record(project=project, actor=membership.user, verb="added webhook",
                        target=webhook, data={"url": webhook.url, "events": chosen})
    return webhook, secret


def _own(membership, webhook: Webhook) -> None:
    require(membership, roles.WEBHOOKS)
    if webhook.project_id != membership.project_id:
        raise WebhookInvalid("That webhook belongs to another project.")


def webhook_set_active(*, membership, webhook: Webhook, active: bool) -> Webhook:
    """Turn deliveries to the webhook on or off; pending ones stop while it is off."""
    _own(membership, webhook)
    with transaction.atomic():
        Webhook.objects.filter(pk=webhook.pk).update(active=active)
        webhook.active = active
        activity_record(project=membership.project, actor=membership.user,
                        verb="enabled webhook" if active else "disabled webhook",
                        target=webhook)
    return webhook


def webhook_delete(*, membership, webhook: Webhook) -> None:
    """Remove the webhook and its delivery log."""
    _own(membership, webhook)
    with transaction.atomic():
        activity_record(project=membership.project, actor=membership.user,
                        verb="deleted webhook", target=webhook, data={"url": webhook.url})
        webhook.delete()


def webhook_rotate_secret(*, membership, webhook: Webhook) -> str:
    """Give the webhook a new secret (shown only now); the old one stops signing at once."""
    _own(membership, webhook)
    secret = signing.secret_new()
    with transaction.atomic():
        Webhook.objects.filter(pk=webhook.pk).update(secret=secret,
                                                     secret_rotated_at=timezone.now())
        webhook.secret = secret
        activity_record(project=membership.project, actor=membership.user,
                        verb="rotated webhook secret", target=webhook)
    return secret


def webhook_ping(*, membership, webhook: Webhook) -> WebhookDelivery:
    """Send the webhook a `ping` event now, to try the receiver and its signature check."""
    _own(membership, webhook)
    if not webhook.active:
        raise WebhookInvalid("This webhook is disabled; enable it to send a test ping.")
    with transaction.atomic():
        (delivery,) = _deliveries_create(
            project=membership.project, webhooks=[webhook], event=PING,
            payload={"message": "A test ping from Lotix.", "by": membership.user.get_username()},
        )
    return delivery


# --- events, emitted by other apps ----------------------------------------------------------

def _envelope(*, delivery_id: uuid.UUID, project, event: str, created_at, payload: dict) -> dict:
    return {
        "id": str(delivery_id),
        "event": event,
        "created_at": created_at.isoformat(),
        "project": {"slug": project.slug, "uuid": str(project.uuid)},
        "data": payload,
    }


def _deliveries_create(*, project, webhooks, event: str, payload: dict) -> list[WebhookDelivery]:
    now = timezone.now()
    deliveries = []
    for webhook in webhooks:
        delivery_id = uuid.uuid4()
        deliveries.append(WebhookDelivery(
            uuid=delivery_id, webhook=webhook, event=event, next_attempt_at=now,
            payload=_envelope(delivery_id=delivery_id, project=project, event=event,
                              created_at=now, payload=payload),
        ))
    WebhookDelivery.objects.bulk_create(deliveries)
    ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(lambda: deliveries_publish(ids))
    return deliveries


def webhook_emit(*, project, event: str, payload: dict) -> None:
    """Queue `event` for every active webhook of the project that receives it; the deliveries
    are published when the caller's transaction commits (at once outside one)."""
    if event not in WebhookEvent.values:
        raise ValueError(f"Unknown webhook event {event!r}")
    webhooks = [webhook for webhook in Webhook.objects.filter(project=project, active=True)
                if webhook.receives(event)]
    if webhooks:
        _deliveries_create(project=project, webhooks=webhooks, event=event, payload=payload)


def take_event_data(take, *, status: str | None = None, review_state: str | None = None,
                    **extra) -> dict:
    """The `data` of a take.* event: which take, where it sits, and what changed.

    `status` and `review_state` give the values the caller has just written (the instance it
    holds may predate the update). Reads the take's attributes only: `hooks` sits below
    `takes` and imports none of it.
    """
    shot = take.shot
    return {
        "take": {
            "uuid": str(take.uuid),
            "label": take.label,
            "number": take.number,
            "profile": take.profile_id,
            "status": str(status or take.status),
            "review_state": str(review_state or take.review_state),
        },
        "shot": {"id": shot.pk, "code": shot.code},
        "scene": {"id": shot.scene_id, "code": shot.scene.code},
        **extra,
    }


def deliveries_publish(delivery_ids: list[int], *, countdown: float | None = None) -> bool:
    """Send one message per delivery; a failure is left to the sweeper."""
    from lotix.celery import app

    try:
        for delivery_id in delivery_ids:
            app.send_task(DELIVER_TASK, args=[delivery_id], queue=QUEUE, countdown=countdown)
    except Exception:
        # The deliveries stay pending; deliveries_sweep publishes them again later.
        log.exception("Could not publish webhook deliveries %s", delivery_ids)
        return False
    return True


# --- the worker's side ----------------------------------------------------------------------

def _claim(delivery_id: int) -> WebhookDelivery | None:
    """Take the delivery for one attempt, or None when it is not due (a duplicate message)."""
    now = timezone.now()
    with transaction.atomic():
        due = WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING,
                                             next_attempt_at__lte=now)
        # Attempts are counted before the call, so a delivery that kills its worker every time
        # still ends after MAX_ATTEMPTS.
        exhausted = due.filter(attempts__gte=MAX_ATTEMPTS).update(
            status=DeliveryStatus.FAILED, next_attempt_at=None,
            error=f"Gave up after {MAX_ATTEMPTS} attempts.",
        )
        if exhausted:
            return None
        claimed = due.update(attempts=F("attempts") + 1, next_attempt_at=now + CLAIM_TTL)
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("webhook").get(pk=delivery_id)


def _body(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()


def _post(delivery: WebhookDelivery) -> tuple[int | None, str, bool]:
    """One HTTP attempt: (status code or None, error or "", whether another attempt may help)."""
    webhook = delivery.webhook
    try:
        target = targets.target_check(webhook.url)
    except targets.WebhookHostUnresolved as error:
        return None, error.message, True
    except targets.WebhookUrlRefused as error:
        # The URL was allowed when saved; its host now points somewhere refused.
        return None, f"Not sent: {error.message}", False
    body = _body(delivery)
    headers = signing.headers(secret=webhook.secret, event=delivery.event,
                              delivery=str(delivery.uuid), body=body)
    headers["Host"] = target.host_header
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    try:
        # Connect to the checked address, not to whatever the name resolves to a moment later;
        # the Host header and the TLS server name keep the original host. Redirects are not
        # followed: a 3xx counts as a failed attempt.
        with httpx.Client(timeout=TIMEOUT_S, follow_redirects=False, trust_env=False) as client:
            request = client.build_request("POST", target.pinned_url, content=body,
                                           headers=headers, extensions=extensions)
            response = client.send(request, stream=True)
            response.close()  # the receiver's body is not read: only the status counts
    except httpx.TimeoutException:
        return None, f"The receiver did not answer within {TIMEOUT_S:g} seconds.", True
    except httpx.HTTPError as error:
        return None, f"Could not reach the receiver: {error or type(error).__name__}.", True
    if 200 <= response.status_code < 300:
        return response.status_code, "", False
    reason = response.reason_phrase or ""
    return (response.status_code,
            f"The receiver answered {response.status_code} {reason}".strip() + ".", True)


def webhook_deliver(*, delivery_id: int) -> str:
    """Make one attempt at a due delivery and record it; schedule the next one on failure.

    Returns what happened: "succeeded", "retrying", "failed" or "skipped" (not due).
    """
    delivery = _claim(delivery_id)
    if delivery is None:
        return "skipped"
    started = time.monotonic()
    if not delivery.webhook.active:
        code, error, retry = None, "Not sent: the webhook was disabled.", False
    else:
        code, error, retry = _post(delivery)
    elapsed_ms = round((time.monotonic() - started) * 1000)
    now = timezone.now()
    entry = {"at": now.isoformat(), "attempt": delivery.attempts, "code": code,
             "error": error[:ERROR_LENGTH], "ms": elapsed_ms}
    fields = {"response_code": code, "error": error[:ERROR_LENGTH], "response_ms": elapsed_ms,
              "attempt_log": [*delivery.attempt_log, entry]}
    if not error:
        outcome = "succeeded"
        fields.update(status=DeliveryStatus.SUCCEEDED, delivered_at=now, next_attempt_at=None)
    elif retry and delivery.attempts < MAX_ATTEMPTS:
        outcome = "retrying"
        wait = BACKOFF[delivery.attempts - 1]
        fields.update(next_attempt_at=now + wait)
    else:
        outcome = "failed"
        fields.update(status=DeliveryStatus.FAILED, next_attempt_at=None)
    with transaction.atomic():
        # Only the claim holder writes the outcome; the claim is the attempts count it made.
        written = WebhookDelivery.objects.filter(
            pk=delivery.pk, status=DeliveryStatus.PENDING, attempts=delivery.attempts
        ).update(**fields)
        if written and outcome == "retrying":
            transaction.on_commit(
                lambda: deliveries_publish([delivery.pk], countdown=wait.total_seconds())
            )
    return outcome if written else "skipped"


def deliveries_sweep() -> dict:
    """Publish again pending deliveries whose message was lost (due long ago, never run)."""
    now = timezone.now()
    with transaction.atomic():
        lost = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(status=DeliveryStatus.PENDING, next_attempt_at__lt=now - REPUBLISH_AFTER)
            .values_list("pk", flat=True)[:500]
        )
        # Due now, so the republished message finds it claimable; swept again only after
        # another REPUBLISH_AFTER if this message is lost too.
        WebhookDelivery.objects.filter(pk__in=lost).update(next_attempt_at=now)
        if lost:
            transaction.on_commit(lambda: deliveries_publish(lost))
    return {"republished": len(lost)}

