"""Previz: a CPU animatic engine that needs no model weights.

It does not generate new content. It moves a virtual camera over the shot's first-frame image
(push in, pull out, pan, tilt, track, orbit, handheld shake) with ease-in-out timing, and when
the shot has a last-frame image it morphs into it with an optical-flow guided dissolve, so the
take ends exactly on that image. A director gets a timing and framing sketch of the shot in a
few seconds on a machine without a GPU; it is an animatic, not a generated shot.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from generation.media import cover_fit
from generation.spec import CAMERA_MOVEMENTS, RoleImages, TakeSpec

FRAMES_PER_STEP = 8
PUSH_ZOOM = 1.25
PAN_ZOOM = 1.3
FLOW_SHORT_SIDE = 180


@dataclass(frozen=True)
class CameraPath:
    """Per-frame virtual camera: view centre offset (px at zoom 1), zoom and roll (radians)."""

    center_x: np.ndarray
    center_y: np.ndarray
    zoom: np.ndarray
    angle: np.ndarray


def load(model_path: str | None, *, device: str = "cpu", dtype: str = "float32") -> None:
    """Previz has no weights to load; return None."""
    return None


def run(
    pipe: None,
    spec: TakeSpec,
    images: RoleImages,
    *,
    seeds: list[int],
    on_step: Callable[[int, int], None],
) -> list[np.ndarray]:
    """Render the animatic: one read-only uint8 array (F, H, W, 3) per seed, in seed order."""
    _check_request(spec, images, seeds)
    first = np.asarray(images.first.convert("RGB"))
    last = None
    if images.last is not None:
        last = cover_fit(
            np.asarray(images.last.convert("RGB")), width=spec.width, height=spec.height
        )

    # Only the handheld shake depends on the seed; every other move renders once and is shared.
    shaken = spec.camera_movement == "handheld"
    renders = len(seeds) if shaken else 1
    total = spec.num_frames * renders
    videos = []
    for n, seed in enumerate(seeds[:renders]):
        path = camera_path(
            spec.camera_movement,
            count=spec.num_frames,
            width=spec.width,
            height=spec.height,
            fps=spec.fps,
            seed=seed,
        )
        frames = _render(
            first,
            last,
            path,
            width=spec.width,
            height=spec.height,
            on_step=on_step,
            done_before=n * spec.num_frames,
            total=total,
        )
        frames.flags.writeable = False
        videos.append(frames)
    return videos if shaken else videos * len(seeds)


def camera_path(
    movement: str, *, count: int, width: int, height: int, fps: int, seed: int
) -> CameraPath:
    """Return the eased camera path for a movement, zoomed just enough that no border shows."""
    if movement not in CAMERA_MOVEMENTS:
        raise ValueError(
            f"Unknown camera movement {movement!r}; use one of {', '.join(CAMERA_MOVEMENTS)}."
        )
    e = ease(count)
    swing = 2 * e - 1
    arc = np.sin(np.pi * e)
    zeros = np.zeros(count)
    pan_reach = 0.5 * width * (1 - 1 / PAN_ZOOM)
    tilt_reach = 0.5 * height * (1 - 1 / PAN_ZOOM)
    cx, cy, zoom, angle = zeros, zeros, np.ones(count), zeros
    if movement == "push_in":
        zoom = PUSH_ZOOM**e
    elif movement == "pull_out":
        zoom = PUSH_ZOOM ** (1 - e)
    elif movement in ("pan_left", "pan_right"):
        # Panning left moves the view left across the picture, so the scene slides right.
        direction = -1 if movement == "pan_left" else 1
        cx, zoom = direction * pan_reach * swing, np.full(count, PAN_ZOOM)
    elif movement in ("tilt_up", "tilt_down"):
        direction = -1 if movement == "tilt_up" else 1
        cy, zoom = direction * tilt_reach * swing, np.full(count, PAN_ZOOM)
    elif movement == "track":
        # A single image has no depth, so a creeping scale stands in for parallax.
        cx = 0.07 * width * swing
        cy = -0.006 * height * arc
        zoom = 1.22 + 0.06 * e
    elif movement == "orbit":
        cx = 0.06 * width * swing
        cy = -0.015 * height * arc
        zoom = 1.3 + 0.06 * arc
        angle = math.radians(4.0) * swing
    elif movement == "handheld":
        times = np.arange(count) / fps
        rng = np.random.default_rng(seed % 2**64)
        cx = 0.006 * width * _shake(rng, times)
        cy = 0.008 * height * _shake(rng, times)
        angle = math.radians(0.3) * _shake(rng, times)
        zoom = np.full(count, 1.06)
    zoom = zoom * _zoom_to_cover(cx, cy, zoom, angle, width=width, height=height)
    return CameraPath(
        center_x=np.asarray(cx, dtype=np.float64),
        center_y=np.asarray(cy, dtype=np.float64),
        zoom=np.asarray(zoom, dtype=np.float64),
        angle=np.asarray(angle, dtype=np.float64),
    )


def ease(count: int) -> np.ndarray:
    """Return ease-in-out (cosine) progress from 0 to 1 over count frames."""
    if count == 1:
        return np.ones(1)
    t = np.arange(count) / (count - 1)
    return 0.5 - 0.5 * np.cos(np.pi * t)


def _check_request(spec: TakeSpec, images: RoleImages, seeds: list[int]) -> None:
    if images.first is None:
        raise ValueError("Previz needs a first-frame image: the shot has no first_frame reference.")
    if spec.camera_movement not in CAMERA_MOVEMENTS:
        raise ValueError(
            f"Unknown camera movement {spec.camera_movement!r}; "
            f"use one of {', '.join(CAMERA_MOVEMENTS)}."
        )
    if spec.num_frames < 1:
        raise ValueError(f"Previz needs at least one frame, got {spec.num_frames}.")
    if spec.width < 2 or spec.height < 2:
        raise ValueError(
            f"Previz needs a frame of at least 2×2 pixels, got {spec.width}×{spec.height}."
        )
    if spec.fps < 1:
        raise ValueError(f"Previz needs a positive frame rate, got {spec.fps}.")
    if not seeds:
        raise ValueError("Previz needs at least one seed.")


def _shake(rng: np.random.Generator, times: np.ndarray) -> np.ndarray:
    """Smooth noise in about [-1, 1]: three sines at hand-tremor frequencies with random phases."""
    frequencies = rng.uniform(0.2, 1.4, size=3)
    phases = rng.uniform(0, 2 * np.pi, size=3)
    weights = np.array([1.0, 0.5, 0.25])
    waves = np.sin(2 * np.pi * frequencies[:, None] * times[None, :] + phases[:, None])
    return (weights[:, None] * waves).sum(axis=0) / weights.sum()


def _zoom_to_cover(cx, cy, zoom, angle, *, width: int, height: int) -> float:
    """Return the one factor (≥ 1) every zoom must grow by so each view stays in the picture."""
    half_w, half_h = width / 2, height / 2
    cos, sin = np.abs(np.cos(angle)), np.abs(np.sin(angle))
    # Half extent of the rotated view at zoom 1, along x and along y.
    reach_x = cos * width / 2 + sin * height / 2
    reach_y = sin * width / 2 + cos * height / 2
    room_x = half_w - np.abs(cx)
    room_y = half_h - np.abs(cy)
    if np.any(room_x <= 0) or np.any(room_y <= 0):
        raise ValueError("The camera path leaves the picture.")
    needed = np.maximum(reach_x / room_x, reach_y / room_y)
    # One factor for the whole path keeps the eased timing of the move intact; the tolerance
    # keeps rounding noise from nudging a move that already fits (a static shot stays 1:1).
    factor = float(np.max(needed / zoom))
    return factor if factor > 1.0 + 1e-9 else 1.0


def _view_matrices(path: CameraPath, *, canvas_size: tuple[int, int], width: int, height: int):
    """Affine maps from canvas pixels to output pixels, one per frame."""
    canvas_w, canvas_h = canvas_size
    scale = np.diag([width / canvas_w, height / canvas_h])
    canvas_center = np.array([(canvas_w - 1) / 2, (canvas_h - 1) / 2])
    out_center = np.array([(width - 1) / 2, (height - 1) / 2])
    matrices = []
    for cx, cy, zoom, angle in zip(
        path.center_x, path.center_y, path.zoom, path.angle, strict=True
    ):
        c, s = math.cos(angle), math.sin(angle)
        roll = np.array([[c, s], [-s, c]])
        linear = zoom * roll @ scale
        shift = out_center - linear @ canvas_center - zoom * roll @ np.array([cx, cy])
        matrices.append(np.hstack([linear, shift[:, None]]))
    return matrices


def _render(
    first: np.ndarray,
    last: np.ndarray | None,
    path: CameraPath,
    *,
    width: int,
    height: int,
    on_step: Callable[[int, int], None],
    done_before: int,
    total: int,
) -> np.ndarray:
    count = len(path.zoom)
    # Resample the source once at the sharpest zoom the path reaches, so each frame only shrinks.
    most = float(path.zoom.max())
    canvas_size = (max(width, round(width * most)), max(height, round(height * most)))
    canvas = cover_fit(first, width=canvas_size[0], height=canvas_size[1])
    matrices = _view_matrices(path, canvas_size=canvas_size, width=width, height=height)
    frames = np.empty((count, height, width, 3), dtype=np.uint8)

    morph = None
    if last is not None:
        end_view = _warp(canvas, matrices[-1], width=width, height=height)
        morph = _Morph(end_view, last, matrices=matrices)

    blend = ease(count)
    for i in range(count):
        if morph is None or blend[i] <= 0.0:
            _warp(canvas, matrices[i], width=width, height=height, out=frames[i])
        elif blend[i] >= 1.0:
            frames[i] = last
        else:
            morph.frame(canvas, i, float(blend[i]), out=frames[i])
        if (i + 1) % FRAMES_PER_STEP == 0 or i + 1 == count:
            on_step(done_before + i + 1, total)
    return frames


def _warp(
    canvas: np.ndarray,
    matrix: np.ndarray,
    *,
    width: int,
    height: int,
    out: np.ndarray | None = None,
) -> np.ndarray:
    return cv2.warpAffine(
        canvas,
        matrix,
        (width, height),
        dst=out,
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REFLECT_101,
    )


class _Morph:
    """Optical-flow guided dissolve from the moving first image into the last image."""

    def __init__(self, end_view: np.ndarray, last: np.ndarray, *, matrices: list[np.ndarray]):
        height, width = last.shape[:2]
        self.last = last
        self.matrices = matrices
        self.flow_to_last, self.flow_to_first = _flows(end_view, last)
        xs, ys = np.meshgrid(
            np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32)
        )
        self.grid = np.dstack([xs, ys])
        # Scratch buffers reused for every frame: fresh 720p temporaries per frame cost more in
        # page faults than the resampling itself.
        self.toward_last = np.empty_like(self.grid)
        self.canvas_map = np.empty_like(self.grid)
        self.toward_first = np.empty_like(self.grid)
        self.moved_first = np.empty_like(last)
        self.moved_last = np.empty_like(last)

    def frame(self, canvas: np.ndarray, index: int, blend: float, *, out: np.ndarray) -> None:
        """Write frame index: both pictures pushed along the flow by blend, then mixed."""
        # The first image's samples go straight from canvas to output (camera and flow in one
        # resample), which is both sharper and cheaper than warping twice.
        cv2.scaleAdd(self.flow_to_last, -blend, self.grid, dst=self.toward_last)
        inverse = cv2.invertAffineTransform(self.matrices[index])
        cv2.transform(self.toward_last, inverse, dst=self.canvas_map)
        cv2.remap(
            canvas,
            self.canvas_map,
            None,
            cv2.INTER_LINEAR,
            dst=self.moved_first,
            borderMode=cv2.BORDER_REFLECT_101,
        )
        cv2.scaleAdd(self.flow_to_first, -(1.0 - blend), self.grid, dst=self.toward_first)
        cv2.remap(
            self.last,
            self.toward_first,
            None,
            cv2.INTER_LINEAR,
            dst=self.moved_last,
            borderMode=cv2.BORDER_REPLICATE,
        )
        cv2.addWeighted(self.moved_first, 1.0 - blend, self.moved_last, blend, 0.0, dst=out)


def _flows(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dense flow a→b and b→a, measured once at low resolution and scaled to full size."""
    height, width = a.shape[:2]
    scale = min(1.0, FLOW_SHORT_SIDE / min(width, height))
    size = (max(8, round(width * scale)), max(8, round(height * scale)))
    small_a = cv2.cvtColor(cv2.resize(a, size, interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY)
    small_b = cv2.cvtColor(cv2.resize(b, size, interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY)
    flows = []
    for src, dst in ((small_a, small_b), (small_b, small_a)):
        flow = cv2.calcOpticalFlowFarneback(src, dst, None, 0.5, 4, 21, 3, 7, 1.5, 0)
        # Unrelated pictures give noisy flow; smoothing keeps the morph from tearing.
        flow = cv2.GaussianBlur(flow, (0, 0), 3)
        full = cv2.resize(flow, (width, height), interpolation=cv2.INTER_LINEAR)
        full[..., 0] *= width / size[0]
        full[..., 1] *= height / size[1]
        flows.append(full)
    return flows[0], flows[1]
