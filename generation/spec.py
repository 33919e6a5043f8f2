"""The frozen take request and the pure rules that shape it (frame counts, frame sizes).

Imported by the web process: no torch, diffusers, transformers, cv2, av or PIL here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import PIL.Image

REFERENCE_ROLES = ("first_frame", "last_frame", "reference")
REFERENCE_JOBS = ("identity", "wardrobe", "location", "prop", "composition", "style", "motion")
CAMERA_MOVEMENTS = (
    "static",
    "push_in",
    "pull_out",
    "pan_left",
    "pan_right",
    "tilt_up",
    "tilt_down",
    "track",
    "orbit",
    "handheld",
)
FRAME_RULE_KINDS = ("8k+1", "4k+1", "any", "fixed")
ASPECT_RATIOS = {
    "16:9": 16 / 9,
    "9:16": 9 / 16,
    "1:1": 1.0,
    "4:3": 4 / 3,
    "2.39:1": 2.39,
}
RESOLUTIONS = {"480p": 480, "720p": 720, "1080p": 1080}


@dataclass(frozen=True)
class ReferenceInput:
    """One reference image of a take, frozen with its role, job and content hash."""

    role: str  # "first_frame" | "last_frame" | "reference"
    job: str  # identity, wardrobe, location, prop, composition, style, motion
    sha256: str
    instruction: str = ""
    priority: int = 0

    def to_dict(self) -> dict:
        """Return the reference as a JSON-safe dict."""
        return {
            "role": self.role,
            "job": self.job,
            "sha256": self.sha256,
            "instruction": self.instruction,
            "priority": self.priority,
        }

    @classmethod
    def from_dict(cls, data: dict) -> ReferenceInput:
        """Build a reference from the dict that `to_dict` wrote."""
        return cls(
            role=str(data["role"]),
            job=str(data["job"]),
            sha256=str(data["sha256"]),
            instruction=str(data.get("instruction", "")),
            priority=int(data.get("priority", 0)),
        )


@dataclass(frozen=True)
class TakeSpec:
    """The frozen request of one take: re-running it reproduces the take."""

    profile_id: str
    prompt: str
    negative_prompt: str
    seed: int
    steps: int
    guidance: float
    num_frames: int
    fps: int
    width: int
    height: int
    camera_movement: str = "static"
    references: tuple[ReferenceInput, ...] = ()
    weights_revision: str = ""

    def to_dict(self) -> dict:
        """Return the request as a JSON-safe dict (references as a list of dicts)."""
        return {
            "profile_id": self.profile_id,
            "prompt": self.prompt,
            "negative_prompt": self.negative_prompt,
            "seed": self.seed,
            "steps": self.steps,
            "guidance": self.guidance,
            "num_frames": self.num_frames,
            "fps": self.fps,
            "width": self.width,
            "height": self.height,
            "camera_movement": self.camera_movement,
            "references": [reference.to_dict() for reference in self.references],
            "weights_revision": self.weights_revision,
        }

    @classmethod
    def from_dict(cls, data: dict) -> TakeSpec:
        """Build a request from the dict that `to_dict` wrote; unknown keys are an error."""
        unknown = set(data) - _TAKE_SPEC_KEYS
        if unknown:
            raise ValueError(f"Unknown take request fields: {', '.join(sorted(unknown))}.")
        return cls(
            profile_id=str(data["profile_id"]),
            prompt=str(data["prompt"]),
            negative_prompt=str(data.get("negative_prompt", "")),
            seed=int(data["seed"]),
            steps=int(data["steps"]),
            guidance=float(data["guidance"]),
            num_frames=int(data["num_frames"]),
            fps=int(data["fps"]),
            width=int(data["width"]),
            height=int(data["height"]),
            camera_movement=str(data.get("camera_movement", "static")),
            references=tuple(ReferenceInput.from_dict(r) for r in data.get("references", ())),
            weights_revision=str(data.get("weights_revision", "")),
        )


_TAKE_SPEC_KEYS = {
    "profile_id",
    "prompt",
    "negative_prompt",
    "seed",
    "steps",
    "guidance",
    "num_frames",
    "fps",
    "width",
    "height",
    "camera_movement",
    "references",
    "weights_revision",
}


@dataclass
class RoleImages:
    """The decoded reference images of a take, by role, handed to an engine."""

    first: PIL.Image.Image | None = None
    last: PIL.Image.Image | None = None
    references: list = field(default_factory=list)  # PIL images, priority order


@dataclass(frozen=True)
class FrameRule:
    """Which frame counts a model accepts: 8k+1, 4k+1, any count in a range, or fixed counts."""

    kind: str
    min_frames: int
    max_frames: int
    counts: tuple[int, ...] = ()  # the accepted counts when kind is "fixed"

    def __post_init__(self) -> None:
        if self.kind not in FRAME_RULE_KINDS:
            raise ValueError(f"Unknown frame rule {self.kind!r}; use one of {FRAME_RULE_KINDS}.")
        if self.kind == "fixed" and not self.counts:
            raise ValueError("A fixed frame rule needs at least one frame count.")
        if not 1 <= self.min_frames <= self.max_frames:
            raise ValueError(f"Bad frame range {self.min_frames}..{self.max_frames}.")
        if any(not self.min_frames <= count <= self.max_frames for count in self.counts):
            raise ValueError(
                f"Frame counts {self.counts} fall outside {self.min_frames}..{self.max_frames}."
            )

    def allows(self, num_frames: int) -> bool:
        """Return whether the model accepts exactly this frame count."""
        if self.kind == "fixed":
            return num_frames in self.counts
        if not self.min_frames <= num_frames <= self.max_frames:
            return False
        step = _STEP.get(self.kind)
        return step is None or (num_frames - 1) % step == 0


_STEP = {"8k+1": 8, "4k+1": 4}


def snap_num_frames(*, duration_s: float, fps: int, rule: FrameRule) -> int:
    """Return the accepted frame count nearest to duration × fps, within the rule's range."""
    if duration_s <= 0 or not math.isfinite(duration_s):
        raise ValueError(f"Duration must be a positive number of seconds, not {duration_s!r}.")
    if fps <= 0:
        raise ValueError(f"Frame rate must be positive, not {fps!r}.")
    target = duration_s * fps
    if rule.kind == "fixed":
        # Nearest accepted count; on a tie the shorter one, so a take never runs longer than asked.
        return min(rule.counts, key=lambda count: (abs(count - target), count))
    step = _STEP.get(rule.kind, 1)
    lowest = _first_allowed_at_or_above(rule.min_frames, step)
    highest = _last_allowed_at_or_below(rule.max_frames, step)
    if lowest > highest:
        raise ValueError(
            f"No frame count of the form {rule.kind} fits {rule.min_frames}..{rule.max_frames}."
        )
    k = math.floor((target - 1) / step + 0.5)
    return min(max(k * step + 1, lowest), highest)


def _first_allowed_at_or_above(n: int, step: int) -> int:
    return ((n - 1 + step - 1) // step) * step + 1


def _last_allowed_at_or_below(n: int, step: int) -> int:
    return ((n - 1) // step) * step + 1


def real_duration(num_frames: int, fps: int) -> float:
    """Return how long num_frames play at fps, in seconds."""
    if fps <= 0:
        raise ValueError(f"Frame rate must be positive, not {fps!r}.")
    return num_frames / fps


def snap_size(*, aspect: str, resolution: str | int, multiple: int) -> tuple[int, int]:
    """Return (width, height) for an aspect ratio and short side, both snapped to multiple."""
    if aspect not in ASPECT_RATIOS:
        raise ValueError(f"Unknown aspect ratio {aspect!r}; use one of {', '.join(ASPECT_RATIOS)}.")
    short = parse_resolution(resolution)
    if not isinstance(multiple, int) or multiple < 1:
        raise ValueError(f"Size multiple must be a positive integer, not {multiple!r}.")
    # yuv420p H.264 needs even sides, so an odd multiple is doubled.
    step = multiple if multiple % 2 == 0 else multiple * 2
    ratio = ASPECT_RATIOS[aspect]
    # The short side rounds down so a take never exceeds the asked (or the model's maximum)
    # resolution; the long side follows it to the nearest multiple to keep the aspect ratio.
    short_px = max(step, short // step * step)
    long = short_px * ratio if ratio >= 1 else short_px / ratio
    long_px = max(step, int(math.floor(long / step + 0.5)) * step)
    return (long_px, short_px) if ratio >= 1 else (short_px, long_px)


def parse_resolution(resolution: str | int) -> int:
    """Return the short side in pixels for "480p", "720p", "1080p" or a pixel count."""
    if isinstance(resolution, bool):
        raise ValueError(f"Unknown resolution {resolution!r}.")
    if isinstance(resolution, int):
        if resolution < 1:
            raise ValueError(f"Resolution must be a positive number of pixels, not {resolution}.")
        return resolution
    if isinstance(resolution, str) and resolution in RESOLUTIONS:
        return RESOLUTIONS[resolution]
    raise ValueError(
        f"Unknown resolution {resolution!r}; use one of {', '.join(RESOLUTIONS)} or a pixel count."
    )
