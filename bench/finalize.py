"""Benchmark take finalization against diffusers' export_to_video on a 121-frame 720p take.

Run from the repository root: `.venv/bin/python -m bench.finalize`.
Targets: finalize_frames median ≤ 2.0 s and ≥ 5× faster than export_to_video (its defaults:
imageio-ffmpeg, quality=5, which is libx264 CRF 25 at the medium preset); qc_metrics median
≤ 1.5 s. A second export_to_video row at quality=6.3 (CRF 19, finalize_frames' CRF) compares the
two encoders at the same quality setting.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from skimage import data

from generation.media import finalize_frames, probe_video
from generation.qc import qc_metrics

COUNT, WIDTH, HEIGHT, FPS = 121, 1280, 720, 24
FINALIZE_RUNS, EXPORT_RUNS, QC_RUNS = 5, 3, 3
FINALIZE_TARGET_S, SPEEDUP_TARGET, QC_TARGET_S = 2.0, 5.0, 1.5
GRAIN_SIGMA = 4.0
MATCHED_QUALITY = 10 * (1 - 19 / 51)  # imageio maps quality q to CRF int((1 - q / 10) * 51)


def realistic_take(seed: int = 0) -> np.ndarray:
    """A slow zoom and pan over the astronaut photo with mild film grain, as uint8 frames."""
    source = cv2.resize(data.astronaut(), (1600, 1600), interpolation=cv2.INTER_CUBIC)
    rng = np.random.default_rng(seed)
    frames = np.empty((COUNT, HEIGHT, WIDTH, 3), dtype=np.uint8)
    for i in range(COUNT):
        t = i / (COUNT - 1)
        scale = (WIDTH / 1600) * (1.0 + 0.15 * t)
        cx, cy = 800 + 100 * t, 700 - 40 * t
        matrix = np.array([[scale, 0, WIDTH / 2 - scale * cx], [0, scale, HEIGHT / 2 - scale * cy]])
        frame = cv2.warpAffine(source, matrix, (WIDTH, HEIGHT), flags=cv2.INTER_LINEAR)
        grain = rng.normal(0.0, GRAIN_SIGMA, frame.shape).astype(np.float32)
        frames[i] = np.clip(frame + grain, 0, 255).astype(np.uint8)
    return frames


def timed(runs: int, work: Callable[[int], object]) -> list[float]:
    """Return the wall time of each of `runs` calls of work(run_index)."""
    seconds = []
    for run in range(runs):
        start = time.perf_counter()
        work(run)
        seconds.append(time.perf_counter() - start)
    return seconds


def main() -> None:
    """Run both encoders on the same frames and print a compact table."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from diffusers.utils import export_to_video

    frames = realistic_take()
    # export_to_video's cheapest input is PIL images; converting them is left out of its time.
    pil_frames = [Image.fromarray(frame) for frame in frames]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        finalize_s = timed(
            FINALIZE_RUNS, lambda r: finalize_frames(frames, fps=FPS, out_dir=root / f"f{r}")
        )
        export_s = timed(
            EXPORT_RUNS,
            lambda r: export_to_video(pil_frames, str(root / f"export{r}.mp4"), fps=FPS),
        )
        matched_s = timed(
            EXPORT_RUNS,
            lambda r: export_to_video(
                pil_frames, str(root / f"matched{r}.mp4"), fps=FPS, quality=MATCHED_QUALITY
            ),
        )
        qc_s = timed(QC_RUNS, lambda r: qc_metrics(frames))
        ours = probe_video(root / "f0" / "video.mp4")
        ours_mb = (root / "f0" / "video.mp4").stat().st_size / 1e6
        theirs = probe_video(root / "export0.mp4")
        theirs_mb = (root / "export0.mp4").stat().st_size / 1e6
        matched_mb = (root / "matched0.mp4").stat().st_size / 1e6

    fin, exp, matched, qc = (statistics.median(s) for s in (finalize_s, export_s, matched_s, qc_s))
    speedup = exp / fin
    print(
        f"{COUNT} frames {WIDTH}x{HEIGHT} @ {FPS} fps, grain sigma {GRAIN_SIGMA}, "
        f"{os.cpu_count()} cores"
    )
    print(f"{'step':<34}{'runs':>5}{'median s':>10}{'min s':>8}{'MB':>7}  output")
    print(
        f"{'finalize_frames (mp4+jpg+strip+png)':<34}{FINALIZE_RUNS:>5}{fin:>10.3f}"
        f"{min(finalize_s):>8.3f}{ours_mb:>7.2f}  {ours['codec']} {ours['pix_fmt']} "
        f"{ours['frame_count']} fr"
    )
    print(
        f"{'diffusers export_to_video (mp4)':<34}{EXPORT_RUNS:>5}{exp:>10.3f}"
        f"{min(export_s):>8.3f}{theirs_mb:>7.2f}  {theirs['codec']} {theirs['pix_fmt']} "
        f"{theirs['frame_count']} fr"
    )
    print(
        f"{'export_to_video quality=6.3 (crf 19)':<34}{EXPORT_RUNS:>5}{matched:>10.3f}"
        f"{min(matched_s):>8.3f}{matched_mb:>7.2f}"
    )
    print(f"{'qc_metrics (no references)':<34}{QC_RUNS:>5}{qc:>10.3f}{min(qc_s):>8.3f}")
    print(
        f"speedup export_to_video / finalize_frames: {speedup:.1f}x "
        f"(at crf 19: {matched / fin:.1f}x)"
    )
    checks = [
        (f"finalize median <= {FINALIZE_TARGET_S} s", fin <= FINALIZE_TARGET_S),
        (f"speedup >= {SPEEDUP_TARGET}x", speedup >= SPEEDUP_TARGET),
        (f"qc median <= {QC_TARGET_S} s", qc <= QC_TARGET_S),
    ]
    print("; ".join(f"{name}: {'PASS' if ok else 'MISS'}" for name, ok in checks))


if __name__ == "__main__":
    main()
