import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

from projects.models import Project


class WebhookEvent(models.TextChoices):
    TAKE_SUCCEEDED = "take.succeeded", "A take finished"
    TAKE_FAILED = "take.failed", "A take failed"
    TAKE_DECIDED = "take.decided", "A take was decided (rejected, maybe, selected, approved)"
    DAILIES_CLOSED = "dailies.closed", "A dailies session was closed"
    EXPORT_READY = "export.ready", "An export is ready to download"


# Sent only by "Send test ping", to one webhook, whatever events it subscribes to.
PING = "ping"


class Webhook(models.Model):
    """Where a project announces its events, and the secret that signs each delivery."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    # Kept as it is, not hashed: every delivery is signed with it. It is shown once, when it is
    # made or rotated, and never rendered again.
    secret = models.CharField(max_length=100)
    events = models.JSONField(default=list, help_text="The WebhookEvent values it receives.")
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    secret_rotated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project", "created_at", "id"]

    def __str__(self) -> str:
        return self.url

    def receives(self, event: str) -> bool:
        return event == PING or event in self.events

    def event_labels(self) -> list[str]:
        return [event for event in WebhookEvent.values if event in self.events]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Delivered"
    FAILED = "failed", "Failed"


class WebhookDelivery(models.Model):
    """One event sent (or still to be sent) to one webhook, with every attempt recorded."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=32)
    # The envelope exactly as it is sent: {"id", "event", "created_at", "project", "data"}.
    payload = models.JSONField(encoder=DjangoJSONEncoder)
    status = models.CharField(max_length=12, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    response_ms = models.PositiveIntegerField(null=True, blank=True)
    # One entry per attempt: {"at", "code", "error", "ms"}.
    attempt_log = models.JSONField(default=list, blank=True)
    # While pending: when the next attempt is due (or, while an attempt runs, when its claim
    # lapses). Null once the delivery has succeeded or failed for good.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
            models.Index(fields=["webhook", "-created_at"], name="delivery_log"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="pending") | Q(next_attempt_at__isnull=False),
                name="delivery_pending_has_next_attempt",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook_id} ({self.status})"
