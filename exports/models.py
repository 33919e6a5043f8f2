import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from projects.models import Project
from shots.models import Scene


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


def export_file_key(instance: "Export", filename: str) -> str:
    # A server-made key: never the project's or a person's name.
    return f"projects/{instance.project.uuid}/exports/{instance.uuid}.zip"


class Export(models.Model):
    """A ZIP of the approved takes of a project or one scene, built by the CPU worker."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="exports")
    scene = models.ForeignKey(
        Scene, on_delete=models.CASCADE, null=True, blank=True, related_name="exports",
        help_text="Empty for a whole-project export.",
    )
    status = models.CharField(
        max_length=12, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    progress = models.FloatField(default=0)
    file = models.FileField(upload_to=export_file_key, max_length=255, blank=True)
    error = models.TextField(blank=True)
    take_count = models.PositiveIntegerField(default=0)
    missing_count = models.PositiveIntegerField(
        default=0, help_text="Shots in scope without an approved take when the export ran."
    )
    bytes = models.PositiveBigIntegerField(default=0)
    warnings = models.JSONField(
        default=list, blank=True, help_text="What the export left out and why (no EDL at 12 fps)."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=1), name="export_progress_range"
            ),
        ]

    def __str__(self) -> str:
        return f"Export of {self.scope_label} ({self.status})"

    @property
    def scope_label(self) -> str:
        return self.scene.code if self.scene_id else "the whole project"

    @property
    def is_active(self) -> bool:
        return self.status in (ExportStatus.QUEUED, ExportStatus.RUNNING)

    @property
    def percent(self) -> int:
        return round(self.progress * 100)

    def download_name(self) -> str:
        """`<project>_<scene|all>_<date>.zip`, from slugs and codes only."""
        from exports.timeline import safe_part

        scope = self.scene.code if self.scene_id else "all"
        return (f"{safe_part(self.project.slug)}_{safe_part(scope)}_"
                f"{self.created_at:%Y%m%d}.zip")
