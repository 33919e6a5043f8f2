"""The model profile registry: which engine, weights, queue and capabilities each profile has.

Imported by the web process: no torch, diffusers, transformers, cv2 or av here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from generation.errors import (
    InvalidTakeSpec,
    ReferenceRoleUnsupported,
    TooManyReferences,
    UnknownProfile,
)
from generation.spec import FrameRule, TakeSpec, parse_resolution, snap_num_frames, snap_size

ROLE_SUPPORT = ("required", "optional", "unsupported")
QUEUES = ("gpu.ltx", "gpu.wan", "gpu.svd", "cpu")
TINY_MARKER = "lotix-tiny.json"


@dataclass(frozen=True)
class Capabilities:
    """What a model can take and make; the request builder checks shots against it."""

    first_frame: str  # "required" | "optional" | "unsupported"
    last_frame: str  # "required" | "optional" | "unsupported"
    max_references: int
    frame_rule: FrameRule
    size_multiple: int
    fps_default: int
    fps_range: tuple[int, int]
    default_steps: int
    default_guidance: float
    max_resolution: int  # short side, pixels
    # An animatic draws only the first and last frames, so other references are left out
    # instead of refusing the shot.
    skips_references: bool = False

    def __post_init__(self) -> None:
        for name in ("first_frame", "last_frame"):
            if getattr(self, name) not in ROLE_SUPPORT:
                raise ValueError(f"{name} must be one of {ROLE_SUPPORT}.")
        low, high = self.fps_range
        if not 1 <= low <= self.fps_default <= high:
            raise ValueError(f"Default fps {self.fps_default} is outside {self.fps_range}.")

    @property
    def max_frames(self) -> int:
        """The most frames one take may have."""
        return self.frame_rule.max_frames


@dataclass(frozen=True)
class Profile:
    """One model a take can be generated with."""

    id: str
    label: str
    family: str  # "ltx" | "wan" | "svd" | "previz"
    engine: str  # module name under generation.engines
    queue: str
    capabilities: Capabilities
    model_id: str = ""  # Hugging Face hub id
    local_dir: str = ""  # folder under LOTIX_MODELS_DIR
    pipeline_class: str = ""  # the diffusers class the weights load as
    is_tiny: bool = False
    is_animatic: bool = False
    description: str = ""
    # Estimate for one H100 in bf16 at the profile's max resolution (16:9), default steps.
    gpu_seconds_per_frame: float = 0.0
    # Profiles to suggest when this one cannot take a shot's references, in order of preference.
    alternatives: tuple[str, ...] = ()

    @property
    def needs_weights(self) -> bool:
        """Whether the profile loads diffusion weights (previz does not)."""
        return bool(self.pipeline_class)


_LTX = Capabilities(
    first_frame="required",
    last_frame="optional",
    max_references=0,
    frame_rule=FrameRule("8k+1", 9, 257),
    size_multiple=32,
    fps_default=24,
    fps_range=(8, 30),
    default_steps=30,
    default_guidance=3.0,
    max_resolution=720,
)
_WAN_I2V = Capabilities(
    first_frame="required",
    last_frame="unsupported",
    max_references=0,
    frame_rule=FrameRule("4k+1", 5, 81),
    size_multiple=16,
    fps_default=16,
    fps_range=(8, 30),
    default_steps=40,
    default_guidance=5.0,
    max_resolution=480,
)
_WAN_FLF2V = replace(_WAN_I2V, last_frame="required", default_guidance=5.5, max_resolution=720)
_WAN_VACE = replace(
    _WAN_I2V,
    first_frame="optional",
    last_frame="optional",
    max_references=3,
    default_steps=30,
)
# SVD-XT makes 25 frames. The `fps` micro-conditioning is given the take's own fps, so the
# motion per frame matches the rate the take is encoded and played at.
_SVD = Capabilities(
    first_frame="required",
    last_frame="unsupported",
    max_references=0,
    frame_rule=FrameRule("fixed", 25, 25, counts=(25,)),
    size_multiple=64,
    fps_default=7,
    fps_range=(5, 30),
    default_steps=25,
    default_guidance=3.0,
    max_resolution=576,
)
_PREVIZ = Capabilities(
    first_frame="required",
    last_frame="optional",
    max_references=0,
    frame_rule=FrameRule("any", 1, 720),
    size_multiple=2,
    fps_default=24,
    fps_range=(1, 60),
    default_steps=1,
    default_guidance=0.0,
    max_resolution=1080,
    skips_references=True,
)


def _tiny(capabilities: Capabilities, frame_rule: FrameRule) -> Capabilities:
    return replace(capabilities, frame_rule=frame_rule, default_steps=2, max_resolution=64)


_REAL_PROFILES = (
    Profile(
        id="ltx-video",
        label="LTX-Video",
        family="ltx",
        engine="ltx",
        queue="gpu.ltx",
        capabilities=_LTX,
        model_id="Lightricks/LTX-Video-0.9.5",
        local_dir="LTX-Video-0.9.5",
        pipeline_class="LTXConditionPipeline",
        description="LTX-Video 0.9.5 (2B): fast; first frame, optional last frame as keyframes.",
        gpu_seconds_per_frame=0.5,
        alternatives=("wan-vace", "wan21-flf2v"),
    ),
    Profile(
        id="wan21-i2v",
        label="Wan 2.1 I2V",
        family="wan",
        engine="wan",
        queue="gpu.wan",
        capabilities=_WAN_I2V,
        model_id="Wan-AI/Wan2.1-I2V-14B-480P-Diffusers",
        local_dir="Wan2.1-I2V-14B-480P-Diffusers",
        pipeline_class="WanImageToVideoPipeline",
        description="Wan 2.1 image-to-video 14B at 480p: first frame only, 16 fps motion.",
        gpu_seconds_per_frame=5.0,
        alternatives=("wan21-flf2v", "ltx-video", "wan-vace"),
    ),
    Profile(
        id="wan21-flf2v",
        label="Wan 2.1 FLF2V",
        family="wan",
        engine="wan",
        queue="gpu.wan",
        capabilities=_WAN_FLF2V,
        model_id="Wan-AI/Wan2.1-FLF2V-14B-720P-diffusers",
        local_dir="Wan2.1-FLF2V-14B-720P-diffusers",
        pipeline_class="WanImageToVideoPipeline",
        description="Wan 2.1 first-last-frame 14B at 720p: needs both a first and a last frame.",
        gpu_seconds_per_frame=15.0,
        alternatives=("wan21-i2v", "wan-vace"),
    ),
    Profile(
        id="wan-vace",
        label="Wan VACE",
        family="wan",
        engine="wan_vace",
        queue="gpu.wan",
        capabilities=_WAN_VACE,
        model_id="Wan-AI/Wan2.1-VACE-1.3B-diffusers",
        local_dir="Wan2.1-VACE-1.3B-diffusers",
        pipeline_class="WanVACEPipeline",
        description="Wan 2.1 VACE 1.3B at 480p: optional first/last frames and up to 3 references.",
        gpu_seconds_per_frame=1.5,
        alternatives=("ltx-video", "wan21-flf2v"),
    ),
    Profile(
        id="svd-xt",
        label="Stable Video Diffusion XT",
        family="svd",
        engine="svd",
        queue="gpu.svd",
        capabilities=_SVD,
        model_id="stabilityai/stable-video-diffusion-img2vid-xt",
        local_dir="stable-video-diffusion-img2vid-xt",
        pipeline_class="StableVideoDiffusionPipeline",
        description="Stable Video Diffusion XT: first frame only, always 25 frames, no prompt.",
        gpu_seconds_per_frame=1.4,
        alternatives=("wan21-flf2v", "ltx-video", "wan-vace"),
    ),
    Profile(
        id="previz",
        label="Previz animatic",
        family="previz",
        engine="previz",
        queue="cpu",
        capabilities=_PREVIZ,
        is_animatic=True,
        description="CPU animatic: the camera move over the first frame, morphing to the last.",
        alternatives=("wan-vace",),
    ),
)

_TINY_PROFILES = (
    Profile(
        id="tiny-ltx",
        label="Tiny LTX-Video",
        family="ltx",
        engine="ltx",
        queue="gpu.ltx",
        capabilities=_tiny(_LTX, FrameRule("8k+1", 9, 17)),
        local_dir="tiny-ltx",
        pipeline_class="LTXConditionPipeline",
        is_tiny=True,
        description="Tiny random LTX-Video for tests: real pipeline class, noise output.",
        gpu_seconds_per_frame=0.01,
        alternatives=("tiny-wan-vace", "tiny-wan-flf2v"),
    ),
    Profile(
        id="tiny-wan-i2v",
        label="Tiny Wan 2.1 I2V",
        family="wan",
        engine="wan",
        queue="gpu.wan",
        capabilities=_tiny(_WAN_I2V, FrameRule("4k+1", 5, 17)),
        local_dir="tiny-wan-i2v",
        pipeline_class="WanImageToVideoPipeline",
        is_tiny=True,
        description="Tiny random Wan 2.1 I2V for tests: real pipeline class, noise output.",
        gpu_seconds_per_frame=0.01,
        alternatives=("tiny-wan-flf2v", "tiny-ltx", "tiny-wan-vace"),
    ),
    Profile(
        id="tiny-wan-flf2v",
        label="Tiny Wan 2.1 FLF2V",
        family="wan",
        engine="wan",
        queue="gpu.wan",
        capabilities=_tiny(_WAN_FLF2V, FrameRule("4k+1", 5, 17)),
        local_dir="tiny-wan-flf2v",
        pipeline_class="WanImageToVideoPipeline",
        is_tiny=True,
        description="Tiny random Wan 2.1 FLF2V for tests: real pipeline class, noise output.",
        gpu_seconds_per_frame=0.01,
        alternatives=("tiny-wan-i2v", "tiny-wan-vace"),
    ),
    Profile(
        id="tiny-wan-vace",
        label="Tiny Wan VACE",
        family="wan",
        engine="wan_vace",
        queue="gpu.wan",
        capabilities=_tiny(_WAN_VACE, FrameRule("4k+1", 5, 17)),
        local_dir="tiny-wan-vace",
        pipeline_class="WanVACEPipeline",
        is_tiny=True,
        description="Tiny random Wan VACE for tests: real pipeline class, noise output.",
        gpu_seconds_per_frame=0.01,
        alternatives=("tiny-ltx", "tiny-wan-flf2v"),
    ),
    Profile(
        id="tiny-svd",
        label="Tiny Stable Video Diffusion",
        family="svd",
        engine="svd",
        queue="gpu.svd",
        capabilities=_tiny(_SVD, FrameRule("fixed", 9, 9, counts=(9,))),
        local_dir="tiny-svd",
        pipeline_class="StableVideoDiffusionPipeline",
        is_tiny=True,
        description="Tiny random SVD for tests: real pipeline class, noise output.",
        gpu_seconds_per_frame=0.01,
        alternatives=("tiny-wan-flf2v", "tiny-ltx", "tiny-wan-vace"),
    ),
)

PROFILES: dict[str, Profile] = {p.id: p for p in _REAL_PROFILES + _TINY_PROFILES}


def profile_get(profile_id: str) -> Profile:
    """Return the profile with this id, or raise UnknownProfile."""
    try:
        return PROFILES[profile_id]
    except KeyError:
        raise UnknownProfile(f"Unknown model profile '{profile_id}'.") from None


def profiles_all(*, include_tiny: bool = True) -> list[Profile]:
    """Return every profile in registry order (real ones first, then the tiny test ones)."""
    return [p for p in PROFILES.values() if include_tiny or not p.is_tiny]


def model_path(profile: Profile, models_dir: str | Path | None) -> Path | None:
    """Return the folder holding the profile's weights (models_dir first, then the HF cache)."""
    if not profile.needs_weights:
        return None
    if models_dir and profile.local_dir:
        local = Path(models_dir) / profile.local_dir
        if (local / "model_index.json").is_file():
            return local
    if profile.model_id:
        return _hub_cache_snapshot(profile.model_id)
    return None


def _hub_cache_snapshot(model_id: str) -> Path | None:
    # Reads the local cache only; nothing is downloaded.
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(model_id, "model_index.json")
    if isinstance(found, str):
        return Path(found).parent
    return None


def weights_present(profile: Profile, models_dir: str | Path | None) -> bool:
    """Return whether the profile can run here (previz needs no weights)."""
    return not profile.needs_weights or model_path(profile, models_dir) is not None


def weights_revision(profile: Profile, models_dir: str | Path | None) -> str:
    """Return a short fingerprint of the weights a take would use, or "" when they are missing."""
    if not profile.needs_weights:
        return f"{profile.engine}-1"
    path = model_path(profile, models_dir)
    if path is None:
        return ""
    if path.parent.name == "snapshots":
        return path.name  # the hub commit hash
    # Paths and sizes only: hashing tens of GB of weights on every request would be too slow.
    digest = hashlib.sha256((path / "model_index.json").read_bytes())
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(f"{file.relative_to(path)}:{file.stat().st_size};".encode())
    return "local-" + digest.hexdigest()[:12]


def tiny_marker(path: Path) -> dict | None:
    """Return the tiny-model marker written by build_tiny_models, or None."""
    marker = path / TINY_MARKER
    if not marker.is_file():
        return None
    return json.loads(marker.read_text())


def check_references(
    profile: Profile, *, has_first: bool, has_last: bool, n_references: int
) -> None:
    """Raise ReferenceRoleUnsupported when the profile cannot take the shot's references."""
    caps = profile.capabilities
    label = profile.label

    def fits(other: Profile) -> bool:
        return _accepts(other, has_first=has_first, has_last=has_last, n_references=n_references)

    if has_first and caps.first_frame == "unsupported":
        raise ReferenceRoleUnsupported(
            f"{label} cannot use a first frame; {_remove_or_pick(profile, fits, 'remove it')}."
        )
    if not has_first and caps.first_frame == "required":
        raise ReferenceRoleUnsupported(
            f"This shot has no first frame; {label} needs one."
            + _sentence("Add one or pick", _suggest(profile, fits))
        )
    if has_last and caps.last_frame == "unsupported":
        raise ReferenceRoleUnsupported(
            f"{label} cannot use a last frame; {_remove_or_pick(profile, fits, 'remove it')}."
        )
    if not has_last and caps.last_frame == "required":
        names = _suggest(profile, fits)
        tail = f"add one or pick {names}" if names else "add one"
        raise ReferenceRoleUnsupported(f"{label} needs a last frame; {tail}.")
    if n_references > caps.max_references and not caps.skips_references:
        if caps.max_references == 0:
            raise TooManyReferences(
                f"{label} cannot use reference images; this shot has {n_references}."
                + _sentence("Remove them or pick", _suggest(profile, fits))
            )
        raise TooManyReferences(
            f"{label} takes at most {caps.max_references} reference images; "
            f"this shot has {n_references}."
        )


def _accepts(profile: Profile, *, has_first: bool, has_last: bool, n_references: int) -> bool:
    caps = profile.capabilities
    return not (
        (has_first and caps.first_frame == "unsupported")
        or (not has_first and caps.first_frame == "required")
        or (has_last and caps.last_frame == "unsupported")
        or (not has_last and caps.last_frame == "required")
        or (n_references > caps.max_references and not caps.skips_references)
    )


def _suggest(profile: Profile, fits: Callable[[Profile], bool]) -> str:
    # Two suggestions at most: a director reads a choice, not a catalogue.
    names = [PROFILES[i].label for i in profile.alternatives if fits(PROFILES[i])][:2]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " or " + names[-1]


def _remove_or_pick(profile: Profile, fits: Callable[[Profile], bool], remove: str) -> str:
    names = _suggest(profile, fits)
    return f"pick {names}" if names else remove


def _sentence(lead: str, names: str) -> str:
    return f" {lead} {names}." if names else ""


def check_spec(profile: Profile, spec: TakeSpec) -> None:
    """Raise InvalidTakeSpec when the request breaks the profile's frame, size or fps rules."""
    caps = profile.capabilities
    rule = caps.frame_rule
    if not rule.allows(spec.num_frames):
        allowed = (
            ", ".join(str(c) for c in rule.counts)
            if rule.kind == "fixed"
            else f"{rule.kind} between {rule.min_frames} and {rule.max_frames}"
        )
        raise InvalidTakeSpec(
            f"{profile.label} cannot make {spec.num_frames} frames; it takes {allowed}."
        )
    step = caps.size_multiple
    if spec.width % step or spec.height % step or spec.width < step or spec.height < step:
        raise InvalidTakeSpec(
            f"{profile.label} needs a width and height that are multiples of {step}; "
            f"this take is {spec.width}×{spec.height}."
        )
    if min(spec.width, spec.height) > caps.max_resolution:
        raise InvalidTakeSpec(
            f"{profile.label} goes up to {caps.max_resolution}p; "
            f"this take is {spec.width}×{spec.height}."
        )
    low, high = caps.fps_range
    if not low <= spec.fps <= high:
        raise InvalidTakeSpec(
            f"{profile.label} takes {low} to {high} fps; this take asks for {spec.fps}."
        )
    if spec.steps < 1:
        raise InvalidTakeSpec(f"A take needs at least one step, not {spec.steps}.")


def frames_for(profile: Profile, *, duration_s: float, fps: int) -> int:
    """Return the frame count the profile makes for a shot of this duration and fps."""
    return snap_num_frames(duration_s=duration_s, fps=fps, rule=profile.capabilities.frame_rule)


def size_for(profile: Profile, *, aspect: str, resolution: str | int) -> tuple[int, int]:
    """Return (width, height) for the shot, its short side capped at the profile's maximum."""
    caps = profile.capabilities
    short = parse_resolution(resolution)
    return snap_size(
        aspect=aspect, resolution=min(short, caps.max_resolution), multiple=caps.size_multiple
    )


def fps_for(profile: Profile, fps: int | None = None) -> int:
    """Return the shot's fps clamped to the profile's range, or the profile's default."""
    if fps is None:
        return profile.capabilities.fps_default
    low, high = profile.capabilities.fps_range
    return min(max(int(fps), low), high)


def estimate_gpu_seconds(
    profile: Profile, *, num_frames: int, width: int, height: int, steps: int, variations: int = 1
) -> float:
    """Return a rough GPU-seconds cost for a request, scaled from the profile's reference run."""
    caps = profile.capabilities
    ref_w, ref_h = snap_size(
        aspect="16:9", resolution=caps.max_resolution, multiple=caps.size_multiple
    )
    pixels = (width * height) / (ref_w * ref_h)
    step_ratio = steps / max(caps.default_steps, 1)
    return profile.gpu_seconds_per_frame * num_frames * pixels * step_ratio * variations
