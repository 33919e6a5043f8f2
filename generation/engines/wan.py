"""Wan 2.1 engine: WanImageToVideoPipeline for I2V (first frame) and FLF2V (first and last)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from generation.engines import (
    StepReporter,
    cover_fit,
    from_local,
    pipeline_errors,
    reused_encodes,
    seed_generators,
    to_uint8,
    torch_dtype,
    validate,
)
from generation.spec import RoleImages, TakeSpec


def load(model_path: str | None, *, device: str = "cpu", dtype: str = "float32") -> object:
    """Load WanImageToVideoPipeline from a local folder, never from the network."""
    from diffusers import WanImageToVideoPipeline

    # The Wan docs keep the VAE and the CLIP image encoder in float32 for quality.
    dtypes = {"default": torch_dtype(dtype), "vae": torch_dtype("float32")}
    dtypes["image_encoder"] = torch_dtype("float32")
    return from_local(WanImageToVideoPipeline, model_path, device=device, dtype=dtypes)


def run(
    pipe,
    spec: TakeSpec,
    images: RoleImages,
    *,
    seeds: list[int],
    on_step: Callable[[int, int], None],
) -> list[np.ndarray]:
    """Generate one take per seed in a single batched call: first → image, last → last_image."""
    validate(spec, images, seeds)
    first = cover_fit(images.first, spec.width, spec.height)
    last = cover_fit(images.last, spec.width, spec.height) if images.last is not None else None
    # Batching is exact here: the generators only draw the starting noise, one per video, and
    # the condition latents are the VAE's mean (no sampling), so each seed gets the same
    # frames as when it runs alone.
    reporter = StepReporter(on_step)
    with pipeline_errors(pipe, spec, variations=len(seeds)), \
            reused_encodes(pipe, [first, last], spec, len(seeds)):
        out = pipe(
            image=first,
            last_image=last,
            prompt=[spec.prompt] * len(seeds),
            negative_prompt=[spec.negative_prompt] * len(seeds),
            width=spec.width,
            height=spec.height,
            num_frames=spec.num_frames,
            num_inference_steps=spec.steps,
            guidance_scale=spec.guidance,
            generator=seed_generators(seeds),
            output_type="pt",
            callback_on_step_end=reporter.callback,
        )
    return [to_uint8(video) for video in out.frames]
