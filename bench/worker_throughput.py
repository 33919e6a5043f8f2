"""Worker throughput: the Lotix worker path against a naive per-take script, same run.

Run from the repository root: `.venv/bin/python -m bench.worker_throughput`.
Six takes of a tiny Wan 2.1 I2V pipeline at 256×256, 33 frames, 2 steps:
- Lotix: one long-lived process, as a Celery worker child is; every take goes through
  `worker.runner.render_frames` (the pipeline cached by the process) and
  `worker.runner.finalize_take` (PyAV encode, poster, filmstrip, last frame, QC).
- Naive: for every take a new Python process that imports diffusers, calls
  `from_pretrained`, runs the pipeline and writes the video with `export_to_video`.
Target: the Lotix path makes ≥ 3× the takes per minute; its second take pays no load time.
The database and broker round trips of a real take (a handful of short statements) are left
out of both sides.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TAKES, SIZE, FRAMES, STEPS = 6, 256, 33, 2
SEEDS = [101 + i for i in range(TAKES)]
TARGET = 3.0
PROFILE_ID = "bench-tiny-wan"

NAIVE = r"""
import os, sys, time
os.environ["HF_HUB_OFFLINE"] = "1"
started = time.perf_counter()
import numpy as np, torch
from diffusers import WanImageToVideoPipeline
from diffusers.utils import export_to_video
from PIL import Image
model, image_path, out, seed, size, frames, steps = sys.argv[1:8]
pipe = WanImageToVideoPipeline.from_pretrained(model, local_files_only=True)
image = Image.open(image_path).convert("RGB").resize((int(size), int(size)))
video = pipe(image=image, prompt="a slow push-in on the subject", negative_prompt="blur",
             height=int(size), width=int(size), num_frames=int(frames),
             num_inference_steps=int(steps), guidance_scale=5.0, max_sequence_length=16,
             output_type="np", generator=torch.Generator("cpu").manual_seed(int(seed))).frames[0]
export_to_video(list(video), out, fps=16)
"""


def setup_django(models_dir: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lotix.settings")
    os.environ["LOTIX_MODELS_DIR"] = str(models_dir)
    os.environ["HF_HUB_OFFLINE"] = "1"
    import django

    django.setup()


def bench_profile():
    """Tiny Wan I2V with its size and length limits raised to the benchmark's take."""
    from generation import profiles
    from generation.spec import FrameRule

    tiny = profiles.profile_get("tiny-wan-i2v")
    caps = replace(tiny.capabilities, max_resolution=SIZE,
                   frame_rule=FrameRule("4k+1", 5, FRAMES))
    profile = replace(tiny, id=PROFILE_ID, capabilities=caps)
    profiles.PROFILES[PROFILE_ID] = profile
    return profile


def first_frame_path(folder: Path) -> Path:
    from PIL import Image
    from skimage import data

    path = folder / "first.png"
    Image.fromarray(data.astronaut()).save(path)
    return path


def lotix_run(profile, image_path: Path, out_root: Path) -> list[float]:
    from PIL import Image

    from generation.spec import RoleImages, TakeSpec
    from worker import runner

    images = RoleImages(first=Image.open(image_path).convert("RGB"))
    times = []
    for seed in SEEDS:
        started = time.perf_counter()
        spec = TakeSpec(profile_id=profile.id, prompt="a slow push-in on the subject",
                        negative_prompt="blur", seed=seed, steps=STEPS, guidance=5.0,
                        num_frames=FRAMES, fps=16, width=SIZE, height=SIZE)
        [frames] = runner.render_frames(profile, spec, images, seeds=[seed],
                                        on_step=lambda done, total: None)
        runner.finalize_take(frames, fps=spec.fps, images=images,
                             out_dir=str(out_root / f"lotix-{seed}"))
        times.append(time.perf_counter() - started)
    assert runner.PIPELINES.loads == 1, "the pipeline was loaded more than once"
    return times


def lotix_batched_run(profile, image_path: Path, out_root: Path) -> list[float]:
    """The six takes as one request of six variations: one batched pipeline call."""
    from PIL import Image

    from generation.spec import RoleImages, TakeSpec
    from worker import runner

    images = RoleImages(first=Image.open(image_path).convert("RGB"))
    spec = TakeSpec(profile_id=profile.id, prompt="a slow push-in on the subject",
                    negative_prompt="blur", seed=SEEDS[0], steps=STEPS, guidance=5.0,
                    num_frames=FRAMES, fps=16, width=SIZE, height=SIZE)
    started = time.perf_counter()
    videos = runner.render_frames(profile, spec, images, seeds=SEEDS,
                                  on_step=lambda done, total: None)
    for seed, frames in zip(SEEDS, videos, strict=True):
        runner.finalize_take(frames, fps=spec.fps, images=images,
                             out_dir=str(out_root / f"batched-{seed}"))
    # One call makes all six: each take's share is the same.
    return [(time.perf_counter() - started) / TAKES] * TAKES


def naive_run(model: Path, image_path: Path, out_root: Path) -> list[float]:
    times = []
    for seed in SEEDS:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", NAIVE, str(model), str(image_path),
             str(out_root / f"naive-{seed}.mp4"), str(seed), str(SIZE), str(FRAMES), str(STEPS)],
            check=True, cwd=ROOT, capture_output=True,
            env={**os.environ, "HF_HUB_OFFLINE": "1"},
        )
        times.append(time.perf_counter() - started)
    return times


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="lotix-bench-") as tmp:
        root = Path(tmp)
        models_dir = Path(os.environ.get("LOTIX_BENCH_MODELS_DIR", root / "models"))
        setup_django(models_dir)
        from generation.tiny import build_tiny_models

        build_tiny_models(models_dir, profile_ids=["tiny-wan-i2v"])
        profile = bench_profile()
        image_path = first_frame_path(root)
        lotix = lotix_run(profile, image_path, root)
        batched = lotix_batched_run(profile, image_path, root)
        naive = naive_run(models_dir / profile.local_dir, image_path, root)

    lotix_rate = TAKES / sum(lotix) * 60
    batched_rate = TAKES / sum(batched) * 60
    naive_rate = TAKES / sum(naive) * 60
    ratio = lotix_rate / naive_rate
    batched_ratio = batched_rate / naive_rate
    print(f"{TAKES} takes of tiny Wan 2.1 I2V, {SIZE}x{SIZE}, {FRAMES} frames, {STEPS} steps")
    print(f"{'path':<20} {'first take s':>13} {'later median s':>15} {'total s':>8} "
          f"{'takes/min':>10}")
    rows = (("lotix, 6 requests", lotix, lotix_rate),
            ("lotix, 6 variations", batched, batched_rate), ("naive", naive, naive_rate))
    for name, times, rate in rows:
        print(f"{name:<20} {times[0]:>13.2f} {statistics.median(times[1:]):>15.2f} "
              f"{sum(times):>8.2f} {rate:>10.1f}")
    for name, value in (("6 requests", ratio), ("6 variations", batched_ratio)):
        verdict = "PASS" if value >= TARGET else "FAIL"
        print(f"ratio, {name}: {value:.2f}x (target >= {TARGET}x): {verdict}")
    if os.environ.get("LOTIX_BENCH_JSON"):
        Path(os.environ["LOTIX_BENCH_JSON"]).write_text(json.dumps(
            {"lotix_s": lotix, "batched_s": batched, "naive_s": naive, "ratio": ratio,
             "batched_ratio": batched_ratio}, indent=2))
    return 0 if max(ratio, batched_ratio) >= TARGET else 1


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
