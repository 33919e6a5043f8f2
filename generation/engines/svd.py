"""Stable Video Diffusion engine: StableVideoDiffusionPipeline from the first frame only."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from generation.engines import (
    StepReporter,
    cover_fit,
    from_local,
    pipeline_errors,
    seed_generators,
    to_uint8,
    torch_dtype,
    validate,
)
from generation.spec import RoleImages, TakeSpec

MOTION_BUCKET_ID = 127
NOISE_AUG_STRENGTH = 0.02


def load(model_path: str | None, *, device: str = "cpu", dtype: str = "float32") -> object:
    """Load StableVideoDiffusionPipeline from a local folder, never from the network."""
    from diffusers import StableVideoDiffusionPipeline

    return from_local(StableVideoDiffusionPipeline, model_path, device=device,
                      dtype=torch_dtype(dtype))


def run(
    pipe,
    spec: TakeSpec,
    images: RoleImages,
    *,
    seeds: list[int],
    on_step: Callable[[int, int], None],
) -> list[np.ndarray]:
    """Generate one take per seed in a single batched call from the first frame.

    SVD takes no prompt. Its `fps` micro-conditioning gets the take's fps, so the motion per
    frame suits the rate the take is played at; guidance ramps from 1 to spec.guidance.
    """
    validate(spec, images, seeds)
    first = cover_fit(images.first, spec.width, spec.height)
    # One copy of the image per seed, not num_videos_per_prompt: with a single image the
    # noise augmentation is drawn from the first generator only, which shifts every other
    # seed's stream. With one image per seed each generator draws exactly what it draws alone.
    reporter = StepReporter(on_step)
    with pipeline_errors(pipe, spec, variations=len(seeds)):
        out = pipe(
            image=[first] * len(seeds),
            width=spec.width,
            height=spec.height,
            num_frames=spec.num_frames,
            num_inference_steps=spec.steps,
            min_guidance_scale=1.0,
            max_guidance_scale=max(spec.guidance, 1.0),
            fps=spec.fps,
            motion_bucket_id=MOTION_BUCKET_ID,
            noise_aug_strength=NOISE_AUG_STRENGTH,
            # The VAE decodes flattened batch×frames in chunks and mixes frames inside a chunk,
            # so a chunk must never straddle two videos: one chunk per video.
            decode_chunk_size=spec.num_frames,
            generator=seed_generators(seeds),
            output_type="pt",
            callback_on_step_end=reporter.callback,
        )
    return [to_uint8(video) for video in out.frames]
