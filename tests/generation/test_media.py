"""Media finalization: real H.264 files written with PyAV and decoded back."""

from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from PIL import Image
from skimage import data

from generation.media import (
    FinalizedMedia,
    cover_fit,
    finalize_frames,
    frames_from_float,
    probe_video,
    read_frames,
)

WIDTH, HEIGHT, COUNT, FPS = 96, 64, 17, 24


def panning_clip(count: int = COUNT, width: int = WIDTH, height: int = HEIGHT) -> np.ndarray:
    """A slow pan across the coffee photo, sized like a tiny take."""
    photo = cover_fit(data.coffee(), width=width * 2, height=height)
    return np.stack([photo[:, 2 * i : 2 * i + width] for i in range(count)]).copy()


@pytest.fixture(scope="module")
def clip() -> np.ndarray:
    return panning_clip()


@pytest.fixture(scope="module")
def media(clip, tmp_path_factory) -> FinalizedMedia:
    return finalize_frames(clip, fps=FPS, out_dir=tmp_path_factory.mktemp("take"))


def top_level_boxes(path: Path) -> list[tuple[str, int]]:
    """Return (box type, byte offset) for each top-level MP4 box."""
    boxes = []
    raw = path.read_bytes()
    offset = 0
    while offset + 8 <= len(raw):
        size = int.from_bytes(raw[offset : offset + 4], "big")
        kind = raw[offset + 4 : offset + 8].decode("latin-1")
        if size == 1:
            size = int.from_bytes(raw[offset + 8 : offset + 16], "big")
        boxes.append((kind, offset))
        if size == 0:
            break
        offset += size
    return boxes


def test_it_writes_an_h264_mp4_with_the_requested_frames_fps_and_size(media):
    assert probe_video(media.video_path) == {
        "codec": "h264",
        "frame_count": COUNT,
        "fps": float(FPS),
        "width": WIDTH,
        "height": HEIGHT,
        "pix_fmt": "yuv420p",
    }


def test_it_puts_the_moov_box_before_the_media_data(media):
    offsets = dict(reversed(top_level_boxes(media.video_path)))
    assert "moov" in offsets and "mdat" in offsets
    assert offsets["moov"] < offsets["mdat"]


def test_it_gives_every_frame_an_exact_timestamp_at_a_constant_rate(media):
    with av.open(str(media.video_path)) as container:
        stream = container.streams.video[0]
        times = [frame.pts * stream.time_base for frame in container.decode(stream)]
    assert times == [Fraction(i, FPS) for i in range(COUNT)]


def test_it_decodes_back_close_to_the_input(media, clip):
    decoded = read_frames(media.video_path)
    assert decoded.shape == clip.shape and decoded.dtype == np.uint8
    mse = ((decoded.astype(float) - clip.astype(float)) ** 2).mean()
    assert 10 * np.log10(255**2 / mse) > 30.0


def test_it_keeps_colours_through_the_encode(tmp_path):
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (128, 128, 128), (250, 200, 30), (0, 0, 0)]
    frames = np.stack([np.full((HEIGHT, WIDTH, 3), c, dtype=np.uint8) for c in colours])
    decoded = read_frames(finalize_frames(frames, fps=FPS, out_dir=tmp_path).video_path)
    means = decoded.reshape(len(colours), -1, 3).mean(axis=1)
    assert np.abs(means - np.array(colours)).max() <= 2.0


def test_it_writes_poster_filmstrip_and_last_frame_at_the_documented_sizes(media):
    assert media.frame_count == COUNT and media.fps == FPS
    assert (media.width, media.height) == (WIDTH, HEIGHT)
    assert media.duration_s == pytest.approx(COUNT / FPS)
    assert media.filmstrip_tiles == 10 and media.filmstrip_tile_width == WIDTH
    with Image.open(media.poster_path) as poster:
        assert poster.format == "JPEG" and poster.size == (WIDTH, HEIGHT)
    with Image.open(media.filmstrip_path) as strip:
        assert strip.format == "JPEG" and strip.size == (10 * WIDTH, HEIGHT)
    assert [p.name for p in (media.video_path, media.poster_path, media.filmstrip_path)] == [
        "video.mp4",
        "poster.jpg",
        "filmstrip.jpg",
    ]


def test_it_saves_the_last_frame_losslessly(media, clip):
    with Image.open(media.last_frame_path) as last:
        assert last.format == "PNG" and media.last_frame_path.name == "last.png"
        assert np.array_equal(np.asarray(last.convert("RGB")), clip[-1])


def test_it_uses_the_middle_frame_as_poster(media, clip):
    with Image.open(media.poster_path) as poster:
        pixels = np.asarray(poster.convert("RGB")).astype(int)
    errors = [np.abs(pixels - frame).mean() for frame in clip]
    assert int(np.argmin(errors)) == COUNT // 2


def test_it_shrinks_filmstrip_tiles_to_160_px_keeping_aspect(tmp_path):
    frames = panning_clip(count=5, width=320, height=180)
    media = finalize_frames(frames, fps=12, out_dir=tmp_path)
    assert (media.filmstrip_tiles, media.filmstrip_tile_width) == (5, 160)
    with Image.open(media.filmstrip_path) as strip:
        assert strip.size == (5 * 160, 90)


def test_it_encodes_a_single_frame(tmp_path):
    media = finalize_frames(panning_clip(count=1), fps=1, out_dir=tmp_path)
    assert probe_video(media.video_path)["frame_count"] == 1
    assert media.filmstrip_tiles == 1


@pytest.mark.parametrize(
    ("frames", "fps", "message"),
    [
        (np.zeros((3, 64, 96, 3), dtype=np.float32), 24, "uint8"),
        (np.zeros((3, 64, 96), dtype=np.uint8), 24, "shape"),
        (np.zeros((3, 64, 96, 4), dtype=np.uint8), 24, "shape"),
        (np.zeros((3, 64, 95, 3), dtype=np.uint8), 24, "even"),
        (np.zeros((3, 63, 96, 3), dtype=np.uint8), 24, "even"),
        (np.zeros((0, 64, 96, 3), dtype=np.uint8), 24, "no frames"),
        ([[[[0, 0, 0]]]], 24, "numpy array"),
        (np.zeros((3, 64, 96, 3), dtype=np.uint8), 0, "between 1 and 120"),
        (np.zeros((3, 64, 96, 3), dtype=np.uint8), 121, "between 1 and 120"),
        (np.zeros((3, 64, 96, 3), dtype=np.uint8), 23.976, "whole number"),
    ],
)
def test_it_rejects_bad_input_with_a_clear_message(frames, fps, message, tmp_path):
    with pytest.raises(ValueError, match=message):
        finalize_frames(frames, fps=fps, out_dir=tmp_path)
    assert not (tmp_path / "video.mp4").exists()


def test_it_converts_float_frames_to_uint8_rounding_and_clipping():
    floats = np.array([-0.2, 0.0, 0.4 / 255, 0.6 / 255, 0.5, 1.0, 1.7], dtype=np.float32)
    frames = np.broadcast_to(floats[None, None, :, None], (2, 1, 7, 3))
    converted = frames_from_float(frames)
    assert converted.dtype == np.uint8 and converted.shape == (2, 1, 7, 3)
    assert converted[0, 0, :, 0].tolist() == [0, 0, 0, 1, 128, 255, 255]


def test_it_refuses_to_convert_broken_float_frames():
    frames = np.zeros((2, 4, 4, 3), dtype=np.float32)
    frames[1, 2, 2, 0] = np.nan
    with pytest.raises(ValueError, match="Frame 1 contains NaN"):
        frames_from_float(frames)
    with pytest.raises(ValueError, match="float"):
        frames_from_float(np.zeros((2, 4, 4, 3), dtype=np.uint8))


def test_it_cover_fits_by_cropping_the_centre_never_padding():
    photo = data.rocket()  # 640×427
    fitted = cover_fit(photo, width=100, height=100)
    assert fitted.shape == (100, 100, 3)
    crop = photo[:, 106:533]
    expected = cv2.resize(crop, (100, 100), interpolation=cv2.INTER_AREA)
    assert np.abs(fitted.astype(int) - expected.astype(int)).mean() < 1.0
    wide = cover_fit(photo, width=200, height=50)
    assert wide.shape == (50, 200, 3)
    assert wide[:, 0].mean() > 5 and wide[:, -1].mean() > 5
