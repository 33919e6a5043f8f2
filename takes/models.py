import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from shots.models import Shot


class TakeStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELED = "canceled", "Canceled"


class ReviewState(models.TextChoices):
    UNREVIEWED = "unreviewed", "Unreviewed"
    REJECTED = "rejected", "Rejected"
    MAYBE = "maybe", "Maybe"
    SELECTED = "selected", "Selected"
    APPROVED = "approved", "Approved"


class TakeQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=[TakeStatus.QUEUED, TakeStatus.RUNNING])

    def approved(self):
        return self.filter(review_state=ReviewState.APPROVED)


def take_media_key(instance: "Take", filename: str) -> str:
    # Only the four server-made names ever reach storage under a take.
    return f"projects/{instance.shot.scene.project.uuid}/takes/{instance.uuid}/{filename}"


class Take(models.Model):
    """Both the request for a generation and its result."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    shot = models.ForeignKey(Shot, on_delete=models.CASCADE, related_name="takes")
    number = models.PositiveIntegerField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    profile_id = models.CharField(max_length=64)
    request = models.JSONField(help_text="The frozen request: prompt, seed, sizes, references.")
    status = models.CharField(max_length=12, choices=TakeStatus.choices, default=TakeStatus.QUEUED)
    progress = models.FloatField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)
    lease_owner = models.CharField(max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    queued_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    gpu_seconds = models.FloatField(default=0)
    video = models.FileField(upload_to=take_media_key, max_length=255, blank=True)
    poster = models.FileField(upload_to=take_media_key, max_length=255, blank=True)
    filmstrip = models.FileField(upload_to=take_media_key, max_length=255, blank=True)
    last_frame = models.FileField(upload_to=take_media_key, max_length=255, blank=True)
    qc = models.JSONField(default=dict, blank=True)
    review_state = models.CharField(
        max_length=12, choices=ReviewState.choices, default=ReviewState.UNREVIEWED
    )
    review_version = models.PositiveIntegerField(default=0)

    objects = TakeQuerySet.as_manager()

    class Meta:
        ordering = ["shot", "number"]
        constraints = [
            models.UniqueConstraint(fields=["shot", "number"], name="take_number_unique_per_shot"),
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=1), name="take_progress_range"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="take_number_positive"),
            models.CheckConstraint(
                condition=Q(gpu_seconds__gte=0), name="take_gpu_seconds_positive"
            ),
        ]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="take_status_lease")]

    def __str__(self) -> str:
        return f"{self.shot} {self.label}"

    @property
    def label(self) -> str:
        return f"v{self.number:03d}"

    @property
    def is_active(self) -> bool:
        return self.status in (TakeStatus.QUEUED, TakeStatus.RUNNING)


class TakeDecision(models.Model):
    """Append-only review history of a take."""

    take = models.ForeignKey(Take, on_delete=models.CASCADE, related_name="decisions")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    from_state = models.CharField(max_length=12, choices=ReviewState.choices)
    to_state = models.CharField(max_length=12, choices=ReviewState.choices)
    reason = models.TextField(blank=True)
    # A plain id, not a foreign key: takes sit below dailies in the import order.
    dailies_session_id = models.PositiveBigIntegerField(null=True, blank=True)
    checklist = models.JSONField(
        default=list, blank=True, help_text='The review checklist as ticked: [{"line", "checked"}].'
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["take", "at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_state=models.F("to_state")), name="decision_changes_state"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.take}: {self.from_state} → {self.to_state}"


class Note(models.Model):
    """A note on a take, a frame or a frame range, with drawings; replies hang off a root note."""

    take = models.ForeignKey(Take, on_delete=models.CASCADE, related_name="notes")
    # Replies always attach to the root note, so a thread is one level deep.
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # A guest (through a dailies share link) has no account: a name and the link's id instead.
    guest_name = models.CharField(max_length=100, blank=True)
    # A plain id, not a foreign key: takes sit below dailies in the import order.
    share_link_id = models.PositiveBigIntegerField(null=True, blank=True)
    body = models.TextField()
    mentions = models.JSONField(
        default=list, blank=True, help_text="Usernames of the members the note mentions."
    )
    frame_in = models.PositiveIntegerField(null=True, blank=True)
    frame_out = models.PositiveIntegerField(null=True, blank=True)
    annotation = models.JSONField(default=dict, blank=True)
    resolved = models.BooleanField(default=False)
    for_client = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["take", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(frame_out__isnull=True)
                | (Q(frame_in__isnull=False) & Q(frame_out__gte=models.F("frame_in"))),
                name="note_frame_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"Note on {self.take} by {self.author_name}"

    @property
    def author_name(self) -> str:
        if self.author_id is None:
            return self.guest_name or "guest"
        return self.author.get_full_name() or self.author.get_username()

    @property
    def is_guest(self) -> bool:
        return self.author_id is None and bool(self.guest_name or self.share_link_id)
