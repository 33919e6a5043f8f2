"""Benchmark the LTX-Video engine against a bare diffusers call on a GPU.

Builds a full-size, randomly initialised LTX-Video pipeline from the model classes' default
configs (2B transformer, video VAE, a T5 v1.1 XXL-sized encoder) in bf16 on CUDA, with nothing
from the hub, then measures at 768×512, 121 frames, 30 steps:
  (a) the bare `LTXConditionPipeline.__call__` wall time,
  (b) the same take through `generation.engines.ltx.run` (progress callback, role-image fitting,
      uint8 conversion; media finalization is not included), target engine/bare ≤ 1.03,
  (c) peak `torch.cuda.max_memory_allocated` for each,
  (d) 4 variations in one batched pipeline call against the engine's 4 sequential calls. The
      engine runs LTX seeds one call each because a batched call does not reproduce seeds after
      the first (and crashes with a last frame); (d) shows what that choice costs.

Run from the repository root: `.venv/bin/python -m bench.gpu` on a GPU machine, or
`.venv/bin/python -m bench.gpu --dry-run` on a CPU (tiny model, tiny sizes) to check the script.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

RATIO_TARGET = 1.03
PROMPT = (
    "A lighthouse keeper climbs a spiral staircase, lantern in hand. Slow push-in, "
    "medium shot, 35mm lens. Warm lamplight, storm outside the windows."
)
NEGATIVE = "worst quality, inconsistent motion, blurry, jittery, distorted"


@dataclass(frozen=True)
class Setup:
    """The sizes one benchmark run uses."""

    profile_id: str
    device: str
    dtype: str
    width: int
    height: int
    num_frames: int
    steps: int
    fps: int
    variations: int
    repeats: int


FULL = Setup("ltx-video", "cuda", "bfloat16", 768, 512, 121, 30, 24, 4, 2)
DRY = Setup("tiny-ltx", "cpu", "float32", 64, 64, 9, 2, 24, 4, 1)


def build_full_pipeline(device: str, dtype: str):
    """Return a randomly initialised full-size LTXConditionPipeline on the device."""
    import torch
    from diffusers import (
        AutoencoderKLLTXVideo,
        FlowMatchEulerDiscreteScheduler,
        LTXConditionPipeline,
        LTXVideoTransformer3DModel,
    )
    from transformers import T5Config, T5EncoderModel

    from generation.engines import torch_dtype
    from generation.tiny import t5_tokenizer

    torch.manual_seed(0)
    target = torch_dtype(dtype)
    # Initialised on the GPU (seconds) rather than the CPU (minutes), one model at a time
    # so the float32 copy of the 4.7B-parameter encoder is freed before the next one.
    with torch.device(device):
        transformer = LTXVideoTransformer3DModel().to(target)
        vae = AutoencoderKLLTXVideo().to(target)
        # google/t5-v1_1-xxl's encoder, the text encoder LTX-Video ships with.
        t5_xxl = T5Config(
            vocab_size=32128,
            d_model=4096,
            d_kv=64,
            d_ff=10240,
            num_layers=24,
            num_heads=64,
            relative_attention_num_buckets=32,
            relative_attention_max_distance=128,
            feed_forward_proj="gated-gelu",
            dropout_rate=0.0,
            tie_word_embeddings=False,
        )
        text_encoder = T5EncoderModel(t5_xxl).to(target).eval()
    pipe = LTXConditionPipeline(
        transformer=transformer,
        vae=vae,
        scheduler=FlowMatchEulerDiscreteScheduler(),
        text_encoder=text_encoder,
        tokenizer=t5_tokenizer(),
    )
    pipe.to(device)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def build_tiny_pipeline(models_dir: Path, device: str, dtype: str):
    """Return the tiny test LTXConditionPipeline, loaded the way the worker loads it."""
    from generation.engines import ltx
    from generation.tiny import build_tiny_models

    [path] = build_tiny_models(models_dir, profile_ids=["tiny-ltx"])
    return ltx.load(str(path), device=device, dtype=dtype)


def first_frame() -> Image.Image:
    """A 512×512 photo, square unlike the take, so the engine has to fit it."""
    from skimage import data

    return Image.fromarray(data.astronaut())


class Gpu:
    """Synchronisation and peak-memory probes that do nothing on a CPU."""

    def __init__(self, device: str):
        import torch

        self.torch = torch
        self.cuda = device.startswith("cuda")

    def sync(self) -> None:
        """Wait for queued GPU work."""
        if self.cuda:
            self.torch.cuda.synchronize()

    def reset_peak(self) -> None:
        """Start a new peak-memory window."""
        if self.cuda:
            self.torch.cuda.empty_cache()
            self.torch.cuda.reset_peak_memory_stats()

    def peak_gib(self) -> float | None:
        """Peak allocated GPU memory since the last reset, in GiB."""
        if not self.cuda:
            return None
        return self.torch.cuda.max_memory_allocated() / 2**30


def measure(gpu: Gpu, work: Callable[[], object]) -> tuple[float, float | None]:
    """Return (wall seconds, peak GiB) of one call of work, GPU work included."""
    gpu.sync()
    gpu.reset_peak()
    start = time.perf_counter()
    work()
    gpu.sync()
    return time.perf_counter() - start, gpu.peak_gib()


def run(setup: Setup, pipe) -> dict:
    """Measure the bare call, the engine call and batching; return the figures."""
    import torch
    from diffusers.pipelines.ltx.pipeline_ltx_condition import LTXVideoCondition

    from generation.engines import cover_fit, ltx
    from generation.spec import RoleImages, TakeSpec

    gpu = Gpu(setup.device)
    spec = TakeSpec(
        profile_id=setup.profile_id,
        prompt=PROMPT,
        negative_prompt=NEGATIVE,
        seed=1,
        steps=setup.steps,
        guidance=3.0,
        num_frames=setup.num_frames,
        fps=setup.fps,
        width=setup.width,
        height=setup.height,
    )
    photo = first_frame()
    fitted = cover_fit(photo, setup.width, setup.height)
    steps_seen: list[tuple[int, int]] = []

    def bare(seeds: list[int], steps: int = setup.steps) -> object:
        # The same arguments the engine passes, frames left on the device as a tensor.
        n = len(seeds)
        out = pipe(
            conditions=[LTXVideoCondition(image=fitted, frame_index=0)],
            prompt=PROMPT if n == 1 else [PROMPT] * n,
            negative_prompt=NEGATIVE if n == 1 else [NEGATIVE] * n,
            width=setup.width,
            height=setup.height,
            num_frames=setup.num_frames,
            frame_rate=setup.fps,
            num_inference_steps=steps,
            guidance_scale=spec.guidance,
            image_cond_noise_scale=ltx.IMAGE_COND_NOISE_SCALE,
            decode_timestep=ltx.DECODE_TIMESTEP,
            generator=[torch.Generator("cpu").manual_seed(s) for s in seeds],
            output_type="pt",
        )
        return out.frames

    def engine(seeds: list[int]) -> list[np.ndarray]:
        steps_seen.clear()
        videos = ltx.run(
            pipe,
            spec,
            RoleImages(first=photo),
            seeds=seeds,
            on_step=lambda done, total: steps_seen.append((done, total)),
        )
        expected = (setup.num_frames, setup.height, setup.width, 3)
        assert all(v.shape == expected and v.dtype == np.uint8 for v in videos), "bad frames"
        return videos

    variation_seeds = list(range(1, setup.variations + 1))
    # Warm-up at the measured shapes: CUDA context, cuBLAS/cuDNN plans, allocator pools.
    bare([1], steps=2)
    bare(variation_seeds, steps=2)

    bare_s, engine_s, bare_peak, engine_peak = [], [], [], []
    for _ in range(setup.repeats):
        # Interleaved so clock or thermal drift hits both sides alike.
        seconds, peak = measure(gpu, lambda: bare([1]))
        bare_s.append(seconds)
        bare_peak.append(peak)
        seconds, peak = measure(gpu, lambda: engine([1]))
        engine_s.append(seconds)
        engine_peak.append(peak)
    assert steps_seen[-1] == (setup.steps, setup.steps), f"progress ended at {steps_seen[-1]}"

    batched_s, batched_peak = measure(gpu, lambda: bare(variation_seeds))
    sequential_s, sequential_peak = measure(gpu, lambda: engine(variation_seeds))

    bare_median, engine_median = statistics.median(bare_s), statistics.median(engine_s)
    return {
        "setup": setup.__dict__,
        "bare_s": bare_s,
        "engine_s": engine_s,
        "bare_median_s": bare_median,
        "engine_median_s": engine_median,
        "engine_over_bare": engine_median / bare_median,
        "bare_peak_gib": max(bare_peak) if bare_peak[0] is not None else None,
        "engine_peak_gib": max(engine_peak) if engine_peak[0] is not None else None,
        "batched_s": batched_s,
        "batched_peak_gib": batched_peak,
        "sequential_s": sequential_s,
        "sequential_peak_gib": sequential_peak,
        "batch_speedup": sequential_s / batched_s,
    }


def report(figures: dict, device_name: str) -> str:
    """Return the figures as a plain-text table."""
    setup = figures["setup"]
    n = setup["variations"]

    def gib(value: float | None) -> str:
        return "n/a (CPU)" if value is None else f"{value:.2f} GiB"

    ratio = figures["engine_over_bare"]
    verdict = "PASS" if ratio <= RATIO_TARGET else "FAIL"
    rows = [
        ("device", device_name),
        (
            "take",
            f"{setup['profile_id']} {setup['width']}×{setup['height']}, "
            f"{setup['num_frames']} frames, {setup['steps']} steps, {setup['dtype']}",
        ),
        (
            "(a) bare pipeline call",
            f"{figures['bare_median_s']:.3f} s (median of {setup['repeats']})",
        ),
        ("(b) engine call", f"{figures['engine_median_s']:.3f} s (median of {setup['repeats']})"),
        ("    engine / bare", f"{ratio:.4f} (target ≤ {RATIO_TARGET}) {verdict}"),
        ("(c) peak memory, bare", gib(figures["bare_peak_gib"])),
        ("    peak memory, engine", gib(figures["engine_peak_gib"])),
        (f"(d) {n} variations, one batched call", f"{figures['batched_s']:.3f} s"),
        (f"    {n} variations, engine (sequential)", f"{figures['sequential_s']:.3f} s"),
        ("    sequential / batched", f"{figures['batch_speedup']:.2f}×"),
        ("    peak memory, batched", gib(figures["batched_peak_gib"])),
        ("    peak memory, sequential", gib(figures["sequential_peak_gib"])),
    ]
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label.ljust(width)}  {value}" for label, value in rows)


def main(argv: list[str] | None = None) -> int:
    """Parse the flags, build the pipeline, measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="tiny model and sizes on a CPU")
    parser.add_argument("--repeats", type=int, help="timed bare/engine pairs (median reported)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    import torch

    setup = DRY if args.dry_run else FULL
    if args.repeats:
        setup = Setup(**{**setup.__dict__, "repeats": args.repeats})
    if setup.device == "cuda" and not torch.cuda.is_available():
        print("No CUDA device here; use --dry-run to check the script on a CPU.", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory() as models_dir:
        start = time.perf_counter()
        if args.dry_run:
            pipe = build_tiny_pipeline(Path(models_dir), setup.device, setup.dtype)
            device_name = "CPU (dry run)"
        else:
            pipe = build_full_pipeline(setup.device, setup.dtype)
            device_name = torch.cuda.get_device_name()
        built_s = time.perf_counter() - start
        figures = run(setup, pipe)
    figures["build_s"] = built_s
    figures["versions"] = versions()
    print(report(figures, device_name))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0 if figures["engine_over_bare"] <= RATIO_TARGET or args.dry_run else 1


def versions() -> dict[str, str]:
    """The library versions the figures were taken with."""
    import diffusers
    import torch
    import transformers

    return {
        "torch": torch.__version__,
        "cuda": str(torch.version.cuda),
        "diffusers": diffusers.__version__,
        "transformers": transformers.__version__,
    }


if __name__ == "__main__":
    sys.exit(main())
