from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from assets.models import AssetFile
from projects.models import AspectRatio, Project, Resolution

code_validator = RegexValidator(
    r"^[A-Z]{2,4}\d{3,4}[A-Z]?$", "Codes look like SC010 or SH015 (letters, then digits)."
)


class Scene(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="scenes")
    code = models.CharField(max_length=12, validators=[code_validator])
    title = models.CharField(max_length=200, blank=True)
    synopsis = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["project", "code"], name="scene_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}".strip()


class ShotStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    GENERATING = "generating", "Generating"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    OMITTED = "omitted", "Omitted"


class CameraMovement(models.TextChoices):
    STATIC = "static", "Static"
    PUSH_IN = "push_in", "Push in"
    PULL_OUT = "pull_out", "Pull out"
    PAN_LEFT = "pan_left", "Pan left"
    PAN_RIGHT = "pan_right", "Pan right"
    TILT_UP = "tilt_up", "Tilt up"
    TILT_DOWN = "tilt_down", "Tilt down"
    TRACK = "track", "Track"
    ORBIT = "orbit", "Orbit"
    HANDHELD = "handheld", "Handheld"


class Shot(models.Model):
    scene = models.ForeignKey(Scene, on_delete=models.CASCADE, related_name="shots")
    code = models.CharField(max_length=12, validators=[code_validator])
    order = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=16, choices=ShotStatus.choices, default=ShotStatus.PLANNED
    )
    job = models.TextField("job (why the shot exists)", blank=True)
    subject_action = models.TextField("subject & action", blank=True)
    camera_movement = models.CharField(
        max_length=16, choices=CameraMovement.choices, default=CameraMovement.STATIC
    )
    framing = models.CharField("framing & lens", max_length=200, blank=True)
    lighting = models.TextField("lighting & environment", blank=True)
    duration_s = models.DecimalField(max_digits=5, decimal_places=2, default=5)
    aspect_ratio = models.CharField(max_length=8, choices=AspectRatio.choices, blank=True)
    resolution = models.CharField(max_length=8, choices=Resolution.choices, blank=True)
    fps = models.PositiveSmallIntegerField(null=True, blank=True)
    negative_constraints = models.TextField(blank=True)
    review_standard = models.TextField(
        blank=True, help_text="Rejection criteria, one per line."
    )
    motion_prompt = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["scene", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["scene", "code"], name="shot_code_unique_per_scene"),
            models.CheckConstraint(
                condition=Q(duration_s__gt=0) & Q(duration_s__lte=60), name="shot_duration_range"
            ),
            models.CheckConstraint(
                condition=Q(fps__isnull=True) | (Q(fps__gte=1) & Q(fps__lte=120)),
                name="shot_fps_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scene.code}/{self.code}"

    @property
    def project(self) -> Project:
        return self.scene.project

    def effective_aspect_ratio(self) -> str:
        return self.aspect_ratio or self.scene.project.default_aspect_ratio

    def effective_resolution(self) -> str:
        return self.resolution or self.scene.project.default_resolution

    def effective_fps(self) -> int:
        return self.fps or self.scene.project.default_fps

    def review_standard_lines(self) -> list[str]:
        return [line.strip() for line in self.review_standard.splitlines() if line.strip()]

    def first_frame(self):
        return next((r for r in self.references.all() if r.role == ReferenceRole.FIRST), None)


class ReferenceRole(models.TextChoices):
    FIRST = "first_frame", "First frame"
    LAST = "last_frame", "Last frame"
    REFERENCE = "reference", "Reference image"


class ReferenceJob(models.TextChoices):
    IDENTITY = "identity", "Identity"
    WARDROBE = "wardrobe", "Wardrobe"
    LOCATION = "location", "Location"
    PROP = "prop", "Prop"
    COMPOSITION = "composition", "Composition"
    STYLE = "style", "Style"
    MOTION = "motion", "Motion"


MAX_IMAGE_REFERENCES = 9


class ShotReference(models.Model):
    shot = models.ForeignKey(Shot, on_delete=models.CASCADE, related_name="references")
    asset_file = models.ForeignKey(
        AssetFile, on_delete=models.PROTECT, related_name="shot_references"
    )
    role = models.CharField(max_length=16, choices=ReferenceRole.choices)
    job = models.CharField(max_length=16, choices=ReferenceJob.choices)
    instruction = models.CharField(max_length=300, blank=True)
    priority = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["shot", "priority", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shot"], condition=Q(role="first_frame"), name="one_first_frame_per_shot"
            ),
            models.UniqueConstraint(
                fields=["shot"], condition=Q(role="last_frame"), name="one_last_frame_per_shot"
            ),
            models.UniqueConstraint(
                fields=["shot", "asset_file"], name="reference_file_once_per_shot"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shot} · {self.get_role_display()} · {self.get_job_display()}"
