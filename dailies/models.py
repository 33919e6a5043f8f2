from django.conf import settings
from django.db import models
from django.utils import timezone

from projects.models import Project
from takes.models import Take


class DailiesStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class DailiesSession(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="dailies")
    title = models.CharField(max_length=200)
    date = models.DateField(default=timezone.localdate)
    status = models.CharField(
        max_length=8, choices=DailiesStatus.choices, default=DailiesStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name_plural = "dailies sessions"

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status == DailiesStatus.OPEN


class DailiesEntry(models.Model):
    session = models.ForeignKey(DailiesSession, on_delete=models.CASCADE, related_name="entries")
    take = models.ForeignKey(Take, on_delete=models.CASCADE, related_name="dailies_entries")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["session", "position"]
        verbose_name_plural = "dailies entries"
        constraints = [
            models.UniqueConstraint(fields=["session", "take"], name="dailies_take_once"),
            models.UniqueConstraint(fields=["session", "position"], name="dailies_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.session} #{self.position} {self.take}"


class ShareLink(models.Model):
    session = models.ForeignKey(
        DailiesSession, on_delete=models.CASCADE, related_name="share_links"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    passphrase_hash = models.CharField(max_length=200, blank=True)
    can_comment = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Share link for {self.session}"

    def is_usable(self, now) -> bool:
        """True while the link is neither revoked nor past its expiry."""
        return self.active and self.revoked_at is None and self.expires_at > now
