"""QC metrics and verdicts on real photos moved, frozen, darkened and flickered."""

import json

import cv2
import numpy as np
import pytest
from PIL import Image
from skimage import data
from skimage.metrics import structural_similarity

from generation.media import cover_fit
from generation.qc import _ssim, qc_metrics, qc_verdicts

WIDTH, HEIGHT = 320, 180


def pan_clip(speed: float, count: int = 13, photo: np.ndarray | None = None) -> np.ndarray:
    """Slide a photo sideways by `speed` px per frame (the scene moves left)."""
    photo = data.astronaut() if photo is None else photo
    canvas = cover_fit(photo, width=WIDTH * 2, height=HEIGHT * 2)
    frames = []
    for i in range(count):
        matrix = np.float32([[1, 0, -40 - speed * i], [0, 1, -90]])
        frames.append(cv2.warpAffine(canvas, matrix, (WIDTH, HEIGHT), flags=cv2.INTER_LINEAR))
    return np.stack(frames)


def levels(verdicts: list[dict]) -> dict:
    return {v["check"]: v["level"] for v in verdicts}


def test_it_measures_panning_motion_in_pixels_per_frame():
    for speed in (2.0, 6.0):
        metrics = qc_metrics(pan_clip(speed))
        assert metrics["mean_motion"] == pytest.approx(speed, rel=0.2)
        assert len(metrics["motion_per_frame"]) == 12
    assert levels(qc_verdicts(qc_metrics(pan_clip(3.0))))["motion"] == "pass"


def test_it_flags_a_black_clip():
    frames = np.full((9, HEIGHT, WIDTH, 3), 4, dtype=np.uint8)
    metrics = qc_metrics(frames)
    assert metrics["black_frames"] == list(range(9))
    verdict = next(v for v in qc_verdicts(metrics) if v["check"] == "black")
    assert verdict["level"] == "fail" and "Every frame is black" in verdict["message"]


def test_it_warns_about_a_few_black_frames():
    frames = pan_clip(2.0)
    frames[-2:] = 0
    metrics = qc_metrics(frames)
    assert metrics["black_frames"] == [11, 12]
    assert levels(qc_verdicts(metrics))["black"] == "warn"


def test_it_flags_a_frozen_clip():
    frames = np.repeat(pan_clip(0.0, count=1), 12, axis=0)
    metrics = qc_metrics(frames)
    assert metrics["frozen_frames"] == list(range(1, 12))
    assert metrics["longest_frozen_run"] == 12
    assert metrics["mean_motion"] < 0.05
    found = levels(qc_verdicts(metrics))
    assert found["frozen"] == "fail" and found["motion"] == "warn"


def test_it_finds_a_frozen_stretch_inside_a_moving_clip():
    frames = pan_clip(3.0, count=20)
    frames[5:13] = frames[5]
    metrics = qc_metrics(frames)
    assert metrics["frozen_frames"] == list(range(6, 13))
    assert metrics["longest_frozen_run"] == 8
    verdict = next(v for v in qc_verdicts(metrics) if v["check"] == "frozen")
    assert verdict["level"] == "warn"
    assert verdict["message"] == "The picture freezes for 8 frames from frame 5 (8 ≥ 6)."


def test_it_scores_ssim_one_when_the_first_frame_is_the_reference():
    photo = data.chelsea()
    frames = pan_clip(2.0, photo=photo)
    # The reference is the same picture at another size; QC cover-fits it before comparing.
    reference = Image.fromarray(frames[0]).resize((WIDTH * 3, HEIGHT * 3), Image.LANCZOS)
    metrics = qc_metrics(frames, first_ref=reference)
    assert metrics["first_frame_ssim"] > 0.97
    assert metrics["first_frame_color_delta"] < 1.0
    assert metrics["last_frame_ssim"] is None and metrics["last_frame_color_delta"] is None
    found = levels(qc_verdicts(metrics))
    assert found["first_frame"] == "pass" and found["first_frame_color"] == "pass"
    assert "last_frame" not in found


def test_it_fails_a_first_frame_that_drifts_from_the_reference():
    frames = pan_clip(2.0, photo=data.coffee())
    metrics = qc_metrics(frames, first_ref=Image.fromarray(data.rocket()))
    verdict = next(v for v in qc_verdicts(metrics) if v["check"] == "first_frame")
    assert verdict["level"] == "fail"
    ssim = metrics["first_frame_ssim"]
    assert verdict["message"] == f"First frame drifts from the reference (SSIM {ssim:.2f} < 0.60)."


def test_it_measures_a_colour_cast_on_the_last_frame():
    frames = pan_clip(2.0)
    warm = np.clip(frames[-1].astype(int) + [25, 0, -25], 0, 255).astype(np.uint8)
    metrics = qc_metrics(frames, last_ref=Image.fromarray(warm))
    assert metrics["last_frame_ssim"] > 0.85
    assert metrics["last_frame_color_delta"] > 12
    assert levels(qc_verdicts(metrics))["last_frame_color"] == "fail"


def test_it_matches_scikit_image_ssim():
    a = cv2.cvtColor(cover_fit(data.astronaut(), width=240, height=180), cv2.COLOR_RGB2GRAY)
    b = cv2.GaussianBlur(a, (0, 0), 2)
    expected = structural_similarity(
        a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255
    )
    assert _ssim(a, b) == pytest.approx(expected, abs=1e-6)


def test_it_measures_flicker_but_not_a_slow_fade():
    base = pan_clip(1.0, count=24).astype(int)
    fade = np.clip(base - np.arange(24)[:, None, None, None] * 3, 0, 255).astype(np.uint8)
    flicker = np.clip(base + np.where(np.arange(24) % 2, 8, -8)[:, None, None, None], 0, 255)
    fade_metrics = qc_metrics(fade)
    flicker_metrics = qc_metrics(flicker.astype(np.uint8))
    assert fade_metrics["flicker"] < 0.5
    assert flicker_metrics["flicker"] > 5
    assert levels(qc_verdicts(fade_metrics))["flicker"] == "pass"
    assert levels(qc_verdicts(flicker_metrics))["flicker"] == "fail"


def test_it_returns_json_safe_metrics_and_verdicts():
    frames = pan_clip(2.0)
    metrics = qc_metrics(
        frames, first_ref=Image.fromarray(frames[0]), last_ref=Image.fromarray(frames[-1])
    )
    verdicts = qc_verdicts(metrics)
    assert json.loads(json.dumps(metrics)) == metrics
    assert json.loads(json.dumps(verdicts)) == verdicts
    assert {v["level"] for v in verdicts} <= {"pass", "warn", "fail"}
    assert all(v["message"].endswith(".") for v in verdicts)


def test_it_handles_a_single_frame():
    metrics = qc_metrics(pan_clip(0.0, count=1))
    assert metrics["mean_motion"] == 0.0 and metrics["frozen_frames"] == []
    assert levels(qc_verdicts(metrics)) == {
        "motion": "pass",
        "frozen": "pass",
        "black": "pass",
        "flicker": "pass",
    }


def test_it_rejects_float_frames():
    with pytest.raises(ValueError, match="uint8"):
        qc_metrics(np.zeros((2, 8, 8, 3), dtype=np.float32))
