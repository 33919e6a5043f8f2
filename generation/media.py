"""Turn rendered frames into the media a take ships with: MP4, poster, filmstrip, last frame.

The MP4 is H.264 (libx264) in yuv420p with `+faststart`, so browsers start playing before the
file has fully arrived, and every frame carries an exact presentation time, so review tools can
step frame by frame. Colour is converted with the BT.601 matrix in limited range and the
stream is tagged that way (BT.709 primaries and transfer, which is what sRGB pictures are), so
players do not have to guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
from PIL import Image

MIN_FPS = 1
MAX_FPS = 120
CRF = 19
# veryfast keeps a 121-frame 720p take under two seconds on two cores; slower presets mostly
# shrink files, which matters less than turnaround for dailies.
PRESET = "veryfast"
POSTER_QUALITY = 88
FILMSTRIP_QUALITY = 85
FILMSTRIP_TILES = 10
FILMSTRIP_TILE_WIDTH = 160

# H.264 VUI codes (ITU-T H.273): BT.709 primaries/transfer, SMPTE 170M (BT.601) matrix.
_PRIMARIES_BT709 = 1
_TRC_BT709 = 1
_MATRIX_SMPTE170M = 6


@dataclass(frozen=True)
class FinalizedMedia:
    """The files finalize_frames wrote and the facts about the video."""

    video_path: Path
    poster_path: Path
    filmstrip_path: Path
    last_frame_path: Path
    frame_count: int
    fps: int
    width: int
    height: int
    duration_s: float
    filmstrip_tiles: int
    filmstrip_tile_width: int


def finalize_frames(frames: np.ndarray, *, fps: int, out_dir: str | Path) -> FinalizedMedia:
    """Write video.mp4, poster.jpg, filmstrip.jpg and last.png for uint8 frames (F, H, W, 3)."""
    _check_frames(frames)
    _check_fps(fps)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    count, height, width, _ = frames.shape

    video_path = out / "video.mp4"
    _encode_h264(frames, fps=fps, path=video_path)

    poster_path = out / "poster.jpg"
    Image.fromarray(frames[count // 2]).save(poster_path, quality=POSTER_QUALITY)

    filmstrip_path = out / "filmstrip.jpg"
    tiles, tile_width = _write_filmstrip(frames, filmstrip_path)

    last_frame_path = out / "last.png"
    # Level 1: the PNG is lossless either way and this keeps it off the critical path.
    Image.fromarray(frames[-1]).save(last_frame_path, compress_level=1)

    return FinalizedMedia(
        video_path=video_path,
        poster_path=poster_path,
        filmstrip_path=filmstrip_path,
        last_frame_path=last_frame_path,
        frame_count=count,
        fps=fps,
        width=width,
        height=height,
        duration_s=round(count / fps, 6),
        filmstrip_tiles=tiles,
        filmstrip_tile_width=tile_width,
    )


def frames_from_float(array: np.ndarray) -> np.ndarray:
    """Convert float frames in [0, 1] (diffusers' "np" output) to uint8, rounding to nearest."""
    array = np.asarray(array)
    if not np.issubdtype(array.dtype, np.floating):
        raise ValueError(f"Expected float frames in [0, 1], got dtype {array.dtype}.")
    if array.ndim != 4 or array.shape[-1] != 3:
        raise ValueError(f"Frames must have shape (frames, height, width, 3), got {array.shape}.")
    out = np.empty(array.shape, dtype=np.uint8)
    scratch = np.empty(array.shape[1:], dtype=np.float32)
    # Frame by frame keeps the float temporaries small for long 720p takes.
    for index in range(array.shape[0]):
        frame = array[index]
        if not np.isfinite(frame).all():
            raise ValueError(
                f"Frame {index} contains NaN or infinite values: the pipeline output is broken "
                "(often a float16 overflow in the VAE decode)."
            )
        np.multiply(frame, 255.0, out=scratch)
        np.add(scratch, 0.5, out=scratch)
        np.clip(scratch, 0, 255, out=scratch)
        out[index] = scratch
    return out


def probe_video(path: str | Path) -> dict:
    """Return codec, frame_count (decoded and counted), fps, width, height, pix_fmt of a video."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        count = sum(1 for _ in container.decode(stream))
        context = stream.codec_context
        rate = stream.average_rate or stream.guessed_rate
        return {
            "codec": context.name,
            "frame_count": count,
            "fps": float(rate) if rate else None,
            "width": context.width,
            "height": context.height,
            "pix_fmt": context.pix_fmt,
        }


def read_frames(path: str | Path) -> np.ndarray:
    """Decode every frame of a video to an RGB uint8 array (F, H, W, 3)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(stream)]
    if not frames:
        raise ValueError(f"{path} holds no video frames.")
    return np.stack(frames)


def cover_fit(image: np.ndarray, *, width: int, height: int) -> np.ndarray:
    """Center-crop an RGB image to width:height and resize it to exactly width × height."""
    src_h, src_w = image.shape[:2]
    scale = max(width / src_w, height / src_h)
    crop_w = min(src_w, round(width / scale))
    crop_h = min(src_h, round(height / scale))
    left = (src_w - crop_w) // 2
    top = (src_h - crop_h) // 2
    crop = image[top : top + crop_h, left : left + crop_w]
    shrinking = crop_w >= width and crop_h >= height
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC
    return cv2.resize(crop, (width, height), interpolation=interpolation)


def _check_frames(frames: object) -> None:
    if not isinstance(frames, np.ndarray):
        raise ValueError(f"Frames must be a numpy array, got {type(frames).__name__}.")
    if frames.dtype != np.uint8:
        raise ValueError(
            f"Frames must be uint8, got {frames.dtype}; "
            "convert float output with frames_from_float."
        )
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError(f"Frames must have shape (frames, height, width, 3), got {frames.shape}.")
    count, height, width, _ = frames.shape
    if count == 0:
        raise ValueError("There are no frames to encode.")
    if height == 0 or width == 0 or height % 2 or width % 2:
        raise ValueError(
            f"H.264 in yuv420p needs an even, non-zero width and height, got {width}×{height}."
        )


def _check_fps(fps: object) -> None:
    if isinstance(fps, bool) or not isinstance(fps, int | np.integer):
        raise ValueError(f"fps must be a whole number of frames per second, got {fps!r}.")
    if not MIN_FPS <= fps <= MAX_FPS:
        raise ValueError(f"fps must be between {MIN_FPS} and {MAX_FPS}, got {fps}.")


def _encode_h264(frames: np.ndarray, *, fps: int, path: Path) -> None:
    count, height, width, _ = frames.shape
    time_base = Fraction(1, int(fps))
    with av.open(str(path), mode="w", options={"movflags": "+faststart"}) as container:
        stream = container.add_stream("libx264", rate=int(fps))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        context = stream.codec_context
        context.time_base = time_base
        context.thread_count = 0  # libx264 picks its thread count from the cores it sees
        context.color_primaries = _PRIMARIES_BT709
        context.color_trc = _TRC_BT709
        context.colorspace = _MATRIX_SMPTE170M
        context.color_range = av.video.reformatter.ColorRange.MPEG
        context.options = {"crf": str(CRF), "preset": PRESET}
        for index in range(count):
            # OpenCV's I420 conversion is BT.601 limited range and several times faster than
            # swscale here; the stream tags above say exactly that.
            yuv = cv2.cvtColor(frames[index], cv2.COLOR_RGB2YUV_I420)
            frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
            frame.pts = index
            frame.time_base = time_base
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def _write_filmstrip(frames: np.ndarray, path: Path) -> tuple[int, int]:
    count, height, width, _ = frames.shape
    tiles = min(FILMSTRIP_TILES, count)
    tile_width = min(FILMSTRIP_TILE_WIDTH, width)
    tile_height = max(1, round(tile_width * height / width))
    picks = np.linspace(0, count - 1, tiles).round().astype(int)
    strip = np.concatenate(
        [
            cv2.resize(frames[i], (tile_width, tile_height), interpolation=cv2.INTER_AREA)
            for i in picks
        ],
        axis=1,
    )
    Image.fromarray(strip).save(path, quality=FILMSTRIP_QUALITY)
    return tiles, tile_width
