import uuid

from django.db import models
from django.db.models import Q

from projects.models import Project


class AssetKind(models.TextChoices):
    CHARACTER = "character", "Character"
    LOCATION = "location", "Location"
    PROP = "prop", "Prop"
    WARDROBE = "wardrobe", "Wardrobe"
    STORYBOARD = "storyboard", "Storyboard"
    STYLE = "style", "Style"
    MOTION = "motion", "Motion"


class MediaKind(models.TextChoices):
    IMAGE = "image", "Image"
    VIDEO = "video", "Video"


class UsageApproval(models.TextChoices):
    PENDING = "pending", "Pending"
    INTERNAL = "internal", "Internal use"
    CLIENT = "client", "Client use"


class Asset(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="assets")
    kind = models.CharField(max_length=16, choices=AssetKind.choices)
    name = models.CharField(max_length=120)
    continuity_notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "kind", "name"], name="asset_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


def asset_file_key(instance: "AssetFile", filename: str) -> str:
    # Server-made key: the uploaded name never reaches storage.
    ext = filename.rsplit(".", 1)[-1].lower()
    return f"projects/{instance.asset.project.uuid}/assets/{instance.uuid}/original.{ext}"


def asset_thumb_key(instance: "AssetFile", filename: str) -> str:
    return f"projects/{instance.asset.project.uuid}/assets/{instance.uuid}/thumb.jpg"


class AssetFile(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=asset_file_key, max_length=255)
    thumbnail = models.FileField(upload_to=asset_thumb_key, max_length=255, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64)
    media_kind = models.CharField(max_length=8, choices=MediaKind.choices, default=MediaKind.IMAGE)
    format = models.CharField(max_length=16)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    duration_s = models.FloatField(null=True, blank=True)
    bytes = models.PositiveBigIntegerField()
    source = models.CharField(max_length=200, blank=True)
    rights_owner = models.CharField(max_length=200, blank=True)
    approval = models.CharField(
        max_length=16, choices=UsageApproval.choices, default=UsageApproval.PENDING
    )
    client_use_notes = models.TextField(blank=True)
    preflight = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["asset", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "sha256"], name="asset_file_unique_content"),
            models.CheckConstraint(
                condition=Q(width__gt=0) & Q(height__gt=0), name="asset_file_has_size"
            ),
            models.CheckConstraint(
                condition=Q(media_kind="image")
                | (Q(duration_s__isnull=False) & Q(duration_s__gt=0)),
                name="asset_file_video_has_duration",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset.name} · {self.original_name or self.uuid}"

    @property
    def aspect(self) -> float:
        return self.width / self.height
