"""Quality checks on a take's frames: reference match, motion, frozen and black frames, flicker.

Every measure runs on downscaled copies of the frames so a 121-frame 720p take is checked in
well under two seconds on two cores. docs/generation-qc.md explains each metric to a film team.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from generation.media import cover_fit

# Analysis sizes, given as the short side of the frame in pixels.
FLOW_SHORT_SIDE = 90
SSIM_SHORT_SIDE = 240
COLOR_SHORT_SIDE = 9

# Metric thresholds; docs/generation-qc.md gives the reasoning behind each one.
SSIM_PASS = 0.75
SSIM_FAIL = 0.60
COLOR_DELTA_PASS = 6.0
COLOR_DELTA_FAIL = 12.0
FROZEN_MEAN_DIFF = 0.4  # mean absolute grey difference (0-255) between consecutive frames
FROZEN_RUN_WARN = 6
BLACK_LUMA = 16.0
BLACK_SHARE_FAIL = 0.5
FLICKER_PASS = 1.0
FLICKER_FAIL = 3.0
FLICKER_TREND_SIGMA = 4.0  # frames; slower brightness changes are lighting, not flicker
STILL_MOTION_SHARE = 0.0002  # of the frame width per frame
FAST_MOTION_SHARE = 0.02
TEXTURE_GRADIENT = 20.0
TEXTURE_MIN_SHARE = 0.05

_SSIM_C1 = (0.01 * 255) ** 2
_SSIM_C2 = (0.03 * 255) ** 2


def qc_metrics(
    frames: np.ndarray,
    *,
    first_ref: Image.Image | None = None,
    last_ref: Image.Image | None = None,
) -> dict:
    """Measure a take's uint8 frames (F, H, W, 3) against its first and last frame references."""
    if not isinstance(frames, np.ndarray) or frames.dtype != np.uint8:
        raise ValueError("QC needs uint8 frames; convert float output with frames_from_float.")
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.shape[0] == 0:
        raise ValueError(f"QC needs frames shaped (frames, height, width, 3), got {frames.shape}.")
    count, height, width, _ = frames.shape

    flow_size = _analysis_size(width, height, FLOW_SHORT_SIDE)
    small = np.stack([_shrink(frame, flow_size) for frame in frames])
    grey = np.stack([cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY) for frame in small])
    luma = grey.reshape(count, -1).mean(axis=1)

    motion = _motion_per_frame(grey, scale=width / flow_size[0])
    diffs = np.abs(np.diff(grey.astype(np.int16), axis=0)).mean(axis=(1, 2))
    frozen = [int(i) + 1 for i in np.flatnonzero(diffs < FROZEN_MEAN_DIFF)]

    first = _reference_match(frames[0], first_ref)
    last = _reference_match(frames[-1], last_ref)
    return {
        "frame_count": count,
        "width": width,
        "height": height,
        "first_frame_ssim": first[0],
        "first_frame_color_delta": first[1],
        "last_frame_ssim": last[0],
        "last_frame_color_delta": last[1],
        "mean_motion": round(float(np.mean(motion)), 3) if len(motion) else 0.0,
        "max_motion": round(float(np.max(motion)), 3) if len(motion) else 0.0,
        "motion_per_frame": [round(float(m), 3) for m in motion],
        "frozen_frames": frozen,
        "longest_frozen_run": _longest_hold(frozen),
        "black_frames": [int(i) for i in np.flatnonzero(luma < BLACK_LUMA)],
        "mean_luma": round(float(luma.mean()), 2),
        "flicker": round(_flicker(luma), 3),
    }


def qc_verdicts(metrics: dict) -> list[dict]:
    """Turn qc_metrics output into pass/warn/fail checks, each with a plain sentence."""
    verdicts = []
    for position in ("first", "last"):
        ssim = metrics.get(f"{position}_frame_ssim")
        if ssim is not None:
            verdicts.append(_ssim_verdict(position, ssim))
        delta = metrics.get(f"{position}_frame_color_delta")
        if delta is not None:
            verdicts.append(_color_verdict(position, delta))
    verdicts.append(_motion_verdict(metrics))
    verdicts.append(_frozen_verdict(metrics))
    verdicts.append(_black_verdict(metrics))
    verdicts.append(_flicker_verdict(metrics["flicker"]))
    return verdicts


def _ssim_verdict(position: str, ssim: float) -> dict:
    check = f"{position}_frame"
    name = f"{position.capitalize()} frame"
    if ssim < SSIM_FAIL:
        return _verdict(
            check, "fail", f"{name} drifts from the reference (SSIM {ssim:.2f} < {SSIM_FAIL:.2f})."
        )
    if ssim < SSIM_PASS:
        return _verdict(
            check,
            "warn",
            f"{name} only loosely matches the reference (SSIM {ssim:.2f} < {SSIM_PASS:.2f}).",
        )
    return _verdict(check, "pass", f"{name} matches the reference (SSIM {ssim:.2f}).")


def _color_verdict(position: str, delta: float) -> dict:
    check = f"{position}_frame_color"
    name = f"{position.capitalize()} frame"
    if delta > COLOR_DELTA_FAIL:
        return _verdict(
            check,
            "fail",
            f"{name} colours shift from the reference (ΔE {delta:.1f} > {COLOR_DELTA_FAIL:.0f}).",
        )
    if delta > COLOR_DELTA_PASS:
        return _verdict(
            check,
            "warn",
            f"{name} colours differ visibly from the reference "
            f"(ΔE {delta:.1f} > {COLOR_DELTA_PASS:.0f}).",
        )
    return _verdict(check, "pass", f"{name} colours match the reference (ΔE {delta:.1f}).")


def _motion_verdict(metrics: dict) -> dict:
    motion = metrics["mean_motion"]
    width = metrics["width"]
    if metrics["frame_count"] < 2:
        return _verdict("motion", "pass", "A single frame has no motion to measure.")
    if motion < STILL_MOTION_SHARE * width:
        return _verdict(
            "motion",
            "warn",
            "Almost nothing moves "
            f"(mean {motion:.2f} px/frame < {STILL_MOTION_SHARE * width:.2f}).",
        )
    if motion > FAST_MOTION_SHARE * width:
        return _verdict(
            "motion",
            "warn",
            f"Motion is very fast (mean {motion:.1f} px/frame > {FAST_MOTION_SHARE * width:.1f}); "
            "expect smearing or warping.",
        )
    return _verdict("motion", "pass", f"Motion is in a normal range (mean {motion:.2f} px/frame).")


def _frozen_verdict(metrics: dict) -> dict:
    run = metrics["longest_frozen_run"]
    count = metrics["frame_count"]
    if count >= 2 and run == count:
        return _verdict(
            "frozen", "fail", f"The picture never changes: all {count} frames show the same image."
        )
    if run >= FROZEN_RUN_WARN:
        first = _first_of_longest_hold(metrics["frozen_frames"])
        return _verdict(
            "frozen",
            "warn",
            f"The picture freezes for {run} frames from frame {first} ({run} ≥ {FROZEN_RUN_WARN}).",
        )
    return _verdict("frozen", "pass", "No frozen stretch.")


def _black_verdict(metrics: dict) -> dict:
    black = metrics["black_frames"]
    count = metrics["frame_count"]
    if len(black) == count:
        return _verdict(
            "black", "fail", f"Every frame is black (mean luma under {BLACK_LUMA:.0f})."
        )
    if len(black) >= BLACK_SHARE_FAIL * count:
        return _verdict(
            "black", "fail", f"{len(black)} of {count} frames are black, from frame {black[0]}."
        )
    if black:
        return _verdict(
            "black", "warn", f"{len(black)} black frame(s), the first at frame {black[0]}."
        )
    return _verdict("black", "pass", "No black frames.")


def _flicker_verdict(flicker: float) -> dict:
    if flicker > FLICKER_FAIL:
        return _verdict(
            "flicker",
            "fail",
            f"Brightness flickers strongly ({flicker:.1f} > {FLICKER_FAIL:.1f} luma levels).",
        )
    if flicker > FLICKER_PASS:
        return _verdict(
            "flicker",
            "warn",
            f"Brightness flickers a little ({flicker:.1f} > {FLICKER_PASS:.1f} luma levels).",
        )
    return _verdict("flicker", "pass", f"Brightness is steady ({flicker:.2f} luma levels).")


def _verdict(check: str, level: str, message: str) -> dict:
    return {"check": check, "level": level, "message": message}


def _analysis_size(width: int, height: int, short_side: int) -> tuple[int, int]:
    scale = min(1.0, short_side / min(width, height))
    return max(2, round(width * scale)), max(2, round(height * scale))


def _shrink(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    if (image.shape[1], image.shape[0]) == size:
        return image
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def _motion_per_frame(grey: np.ndarray, *, scale: float) -> np.ndarray:
    motion = np.zeros(len(grey) - 1)
    for i in range(len(grey) - 1):
        flow = cv2.calcOpticalFlowFarneback(grey[i], grey[i + 1], None, 0.5, 3, 13, 3, 5, 1.2, 0)
        magnitude = cv2.magnitude(flow[..., 0], flow[..., 1])
        # Flat areas (sky, walls) show no flow whatever moves, so they would pull the mean down.
        textured = _texture_mask(grey[i])
        if textured.mean() >= TEXTURE_MIN_SHARE:
            magnitude = magnitude[textured]
        motion[i] = float(magnitude.mean()) * scale
    return motion


def _texture_mask(grey: np.ndarray) -> np.ndarray:
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0)
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1)
    return cv2.GaussianBlur(cv2.magnitude(gx, gy), (0, 0), 2) > TEXTURE_GRADIENT


def _longest_hold(frozen: list[int]) -> int:
    """Return how many frames the longest frozen stretch shows the same picture (0 when none)."""
    longest = run = 0
    previous = None
    for index in frozen:
        run = run + 1 if previous is not None and index == previous + 1 else 1
        longest = max(longest, run)
        previous = index
    return longest + 1 if longest else 0


def _first_of_longest_hold(frozen: list[int]) -> int:
    best_start, best_len, start, run = 0, 0, 0, 0
    previous = None
    for index in frozen:
        if previous is not None and index == previous + 1:
            run += 1
        else:
            start, run = index, 1
        if run > best_len:
            best_start, best_len = start, run
        previous = index
    return best_start - 1


def _flicker(luma: np.ndarray) -> float:
    if len(luma) < 3:
        return 0.0
    radius = int(3 * FLICKER_TREND_SIGMA)
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / FLICKER_TREND_SIGMA) ** 2)
    # Odd (point) reflection continues a steady fade past the ends, so fades do not read as flicker.
    padded = np.pad(luma.astype(np.float64), radius, mode="reflect", reflect_type="odd")
    trend = np.convolve(padded, taps / taps.sum(), mode="valid")
    return float(np.std(luma - trend))


def _reference_match(frame: np.ndarray, reference: Image.Image | None) -> tuple:
    if reference is None:
        return None, None
    height, width = frame.shape[:2]
    ref = cover_fit(np.asarray(reference.convert("RGB")), width=width, height=height)
    ssim_size = _analysis_size(width, height, SSIM_SHORT_SIDE)
    ssim = _ssim(
        cv2.cvtColor(_shrink(frame, ssim_size), cv2.COLOR_RGB2GRAY),
        cv2.cvtColor(_shrink(ref, ssim_size), cv2.COLOR_RGB2GRAY),
    )
    color_size = _analysis_size(width, height, COLOR_SHORT_SIDE)
    delta = _mean_delta_e(_shrink(frame, color_size), _shrink(ref, color_size))
    return round(ssim, 3), round(delta, 2)


def _ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM of two grey images (Wang et al. 2004: Gaussian window σ=1.5, K1=0.01, K2=0.03)."""
    a = a.astype(np.float64)
    b = b.astype(np.float64)

    def blur(x: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(x, (11, 11), 1.5, borderType=cv2.BORDER_REFLECT)

    mu_a, mu_b = blur(a), blur(b)
    var_a = blur(a * a) - mu_a * mu_a
    var_b = blur(b * b) - mu_b * mu_b
    cov = blur(a * b) - mu_a * mu_b
    ssim_map = ((2 * mu_a * mu_b + _SSIM_C1) * (2 * cov + _SSIM_C2)) / (
        (mu_a * mu_a + mu_b * mu_b + _SSIM_C1) * (var_a + var_b + _SSIM_C2)
    )
    # Like scikit-image, leave out the border where the window hangs over the edge.
    pad = 5
    inner = ssim_map[pad:-pad, pad:-pad] if min(ssim_map.shape) > 2 * pad else ssim_map
    return float(inner.mean())


def _mean_delta_e(a: np.ndarray, b: np.ndarray) -> float:
    """Mean CIE76 ΔE between two RGB images, compared pixel by pixel in CIELAB."""
    lab_a = cv2.cvtColor(a.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)
    lab_b = cv2.cvtColor(b.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)
    return float(np.sqrt(((lab_a - lab_b) ** 2).sum(axis=-1)).mean())
