"""Preflight checks of a decoded source image: pure functions, no Django, no I/O.

`measure(image)` looks at the pixels once (a histogram of the full image and one downscaled
copy of at most PREVIEW_SIDE pixels on the long side) and `report(measurements, aspect=...)`
turns the figures into checks of the form {check, level, message}, level ∈ pass/warn/fail.

Heuristics, and why these thresholds:
- resolution: the engines render 720p and up; below 1280×720 the take is upscaled and soft.
- aspect: compared with the project's default aspect ratio (the shot page compares with the
  shot's own); a difference over 3 % means the engine crops or pads the source.
- blur: variance of the 4-neighbour Laplacian of the grey preview (long side 512 px). Measured
  on the preview, not the full image, so the figure does not depend on the upload's size and
  sensor noise averages out. Sharp photographs score 130–1100 (skimage's coffee, rocket,
  chelsea, astronaut at 1600×900); the same with a Gaussian blur of radius 3 px score 18–45,
  radius 6 px 3–7. Below BLUR_WARN is a warning, below BLUR_FAIL (almost no detail) a failure.
  A deliberately shallow depth of field (a soft background over most of the frame) can warn.
- exposure: share of pixels at exactly 0 or 255 in each channel of the full image. Over 2 %
  in one channel warns (blown highlights or crushed shadows lose detail the engine cannot
  invent); over 25 % fails.
- edge: a frequency-tuned saliency map (Achanta et al. 2009: distance of each blurred preview
  pixel from the image's mean colour); pixels well above the mean saliency form the subject
  mask. When the mask covers 15 % or more of the outermost 2 % band on one side, the subject
  touches that edge, so a camera move may reveal what is outside the frame. Limits: this finds
  a subject that stands out from an even background; on busy, full-frame textures (a crowd,
  foliage) or a subject darker than its surroundings in a dark frame it can warn wrongly or
  miss, so it only ever warns and never fails.
"""

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

ADVISED_WIDTH, ADVISED_HEIGHT = 1280, 720
PREVIEW_SIDE = 512
ASPECT_TOLERANCE = 0.03
BLUR_WARN = 60.0
BLUR_FAIL = 8.0
CLIP_WARN = 0.02
CLIP_FAIL = 0.25
EDGE_BAND = 0.02
EDGE_TOUCH = 0.15
CHANNELS = ("red", "green", "blue")
SIDES = ("top", "bottom", "left", "right")


@dataclass(frozen=True)
class Measurements:
    """What preflight measured on one image."""

    width: int
    height: int
    sharpness: float
    clipped_dark: tuple[float, float, float]
    clipped_bright: tuple[float, float, float]
    edge_touch: dict[str, float]


def preview(image: Image.Image, side: int = PREVIEW_SIDE) -> Image.Image:
    """One RGB copy with the long side at most `side`, made with a fast box reduction first."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    factor = max(1, max(rgb.size) // (side * 2))
    # reduce() is a cheap box filter in C; the final resize to size is then small.
    small = rgb.reduce(factor) if factor > 1 else rgb
    scale = side / max(small.size)
    if scale < 1:
        size = (max(1, round(small.width * scale)), max(1, round(small.height * scale)))
        small = small.resize(size, Image.Resampling.BILINEAR)
    return small if small is not image else small.copy()


def sharpness(grey: np.ndarray) -> float:
    """Variance of the 4-neighbour Laplacian of a grey image (float, 0–255 scale)."""
    if grey.shape[0] < 3 or grey.shape[1] < 3:
        return 0.0
    lap = (grey[1:-1, :-2] + grey[1:-1, 2:] + grey[:-2, 1:-1] + grey[2:, 1:-1]
           - 4.0 * grey[1:-1, 1:-1])
    return float(lap.var())


def clipping(image: Image.Image) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Share of pixels at 0 and at 255 per RGB channel, from the full image's histogram."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    histogram = rgb.histogram()
    total = float(rgb.width * rgb.height) or 1.0
    dark = tuple(histogram[256 * c] / total for c in range(3))
    bright = tuple(histogram[256 * c + 255] / total for c in range(3))
    return dark, bright


def edge_touch(small: Image.Image) -> dict[str, float]:
    """Per side, the share of the outermost band that the salient subject covers."""
    blurred = np.asarray(small.filter(ImageFilter.GaussianBlur(1.5)), dtype=np.float32)
    saliency = np.linalg.norm(blurred - blurred.reshape(-1, 3).mean(axis=0), axis=2)
    threshold = max(2.0 * float(saliency.mean()), 30.0)
    mask = saliency > threshold
    height, width = mask.shape
    band = max(2, round(EDGE_BAND * max(height, width)))
    if mask.mean() > 0.6 or height <= 2 * band or width <= 2 * band:
        # "Salient" everywhere means no subject stands out from a background.
        return dict.fromkeys(SIDES, 0.0)
    return {
        "top": float(mask[:band].mean()),
        "bottom": float(mask[-band:].mean()),
        "left": float(mask[:, :band].mean()),
        "right": float(mask[:, -band:].mean()),
    }


def measure(image: Image.Image) -> Measurements:
    """Measure a decoded image once, for `report`."""
    dark, bright = clipping(image)
    small = preview(image)
    grey = np.asarray(small.convert("L"), dtype=np.float32)
    return Measurements(
        width=image.width, height=image.height, sharpness=sharpness(grey),
        clipped_dark=dark, clipped_bright=bright, edge_touch=edge_touch(small),
    )


def parse_aspect(value: str) -> float | None:
    """'16:9' → 1.777…; None when the text is not a ratio."""
    try:
        left, right = value.split(":")
        ratio = float(left) / float(right)
    except (ValueError, ZeroDivisionError):
        return None
    return ratio if ratio > 0 else None


def check(name: str, level: str, message: str) -> dict:
    return {"check": name, "level": level, "message": message}


def check_resolution(width: int, height: int) -> dict:
    """Enough pixels for 720p takes in either orientation."""
    long_side, short_side = max(width, height), min(width, height)
    if long_side >= ADVISED_WIDTH and short_side >= ADVISED_HEIGHT:
        return check("resolution", "pass", f"{width}×{height} is enough for 720p takes.")
    return check("resolution", "warn",
                 f"{width}×{height} is below the advised 1280×720; takes will look soft.")


def check_aspect(width: int, height: int, aspect: str) -> dict:
    """The image's shape against the target aspect ratio."""
    target = parse_aspect(aspect)
    ratio = width / height
    if target is None:
        return check("aspect", "pass", f"The image is {ratio:.2f}:1.")
    if abs(ratio - target) / target <= ASPECT_TOLERANCE:
        return check("aspect", "pass", f"The image matches the project's {aspect} frame.")
    what = "wider" if ratio > target else "taller"
    return check("aspect", "warn",
                 f"The image is {ratio:.2f}:1, {what} than the project's {aspect} frame; "
                 "the engine will crop or pad it.")


def check_blur(value: float) -> dict:
    """Laplacian variance against the documented thresholds."""
    if value < BLUR_FAIL:
        return check("blur", "fail", f"The image has almost no sharp detail (sharpness "
                     f"{value:.0f}); the take cannot be sharper than its source.")
    if value < BLUR_WARN:
        return check("blur", "warn", f"The image looks soft or out of focus (sharpness "
                     f"{value:.0f}, {BLUR_WARN:.0f} advised).")
    return check("blur", "pass", f"The image is sharp (sharpness {value:.0f}).")


def check_exposure(dark: tuple[float, ...], bright: tuple[float, ...]) -> dict:
    """Clipped shadows or highlights in any channel."""
    worst_bright = max(range(3), key=lambda c: bright[c])
    worst_dark = max(range(3), key=lambda c: dark[c])
    share, where, channel = max(
        (bright[worst_bright], "blown highlights", CHANNELS[worst_bright]),
        (dark[worst_dark], "crushed shadows", CHANNELS[worst_dark]),
    )
    if share <= CLIP_WARN:
        return check("exposure", "pass", "Highlights and shadows keep their detail.")
    level = "fail" if share > CLIP_FAIL else "warn"
    return check("exposure", level, f"{share:.0%} of the {channel} channel is clipped "
                 f"({where}); detail there is lost.")


def check_edge(touch: dict[str, float]) -> dict:
    """The subject touching a frame edge (a warning at most; see the module's limits)."""
    sides = [side for side in SIDES if touch.get(side, 0.0) >= EDGE_TOUCH]
    if not sides:
        return check("edge", "pass", "The subject sits inside the frame.")
    named = " and ".join(sides)
    return check("edge", "warn", f"The subject touches the {named} edge of the frame; a camera "
                 "move may need picture that is not there.")


def report(measured: Measurements, *, aspect: str = "") -> list[dict]:
    """The preflight checks, resolution first, as stored on AssetFile.preflight."""
    checks = [check_resolution(measured.width, measured.height)]
    if aspect:
        checks.append(check_aspect(measured.width, measured.height, aspect))
    checks += [
        check_blur(measured.sharpness),
        check_exposure(measured.clipped_dark, measured.clipped_bright),
        check_edge(measured.edge_touch),
    ]
    return checks


def preflight_image(image: Image.Image, *, aspect: str = "") -> list[dict]:
    """Measure and report in one call."""
    return report(measure(image), aspect=aspect)
