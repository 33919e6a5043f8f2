"""LTX-Video engine: LTXConditionPipeline with the first and last frames as keyframe conditions."""

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

# Settings the diffusers docs give for the timestep-aware VAE of LTX-Video 0.9.1 and later.
DECODE_TIMESTEP = 0.05
IMAGE_COND_NOISE_SCALE = 0.025


def load(model_path: str | None, *, device: str = "cpu", dtype: str = "float32") -> object:
    """Load LTXConditionPipeline from a local folder, never from the network."""
    from diffusers import LTXConditionPipeline

    return from_local(LTXConditionPipeline, model_path, device=device, dtype=torch_dtype(dtype))


def run(
    pipe,
    spec: TakeSpec,
    images: RoleImages,
    *,
    seeds: list[int],
    on_step: Callable[[int, int], None],
) -> list[np.ndarray]:
    """Generate one take per seed: first frame at index 0, last frame at the final index."""
    from diffusers.pipelines.ltx.pipeline_ltx_condition import LTXVideoCondition

    validate(spec, images, seeds)
    conditions = [
        LTXVideoCondition(image=cover_fit(images.first, spec.width, spec.height), frame_index=0)
    ]
    if images.last is not None:
        conditions.append(
            LTXVideoCondition(
                image=cover_fit(images.last, spec.width, spec.height),
                frame_index=spec.num_frames - 1,
            )
        )
    # Seeds run one call each. In diffusers 0.42 a batched call crashes with a last-frame
    # condition (its latents keep batch size 1), and without one the conditioning image is
    # VAE-sampled with the first generator only, which shifts every other seed's random
    # stream: the second seed of a batch would not match the same take re-run alone.
    reporter = StepReporter(on_step, runs=len(seeds))
    videos = []
    with pipeline_errors(pipe, spec, variations=1), \
            reused_encodes(pipe, [c.image for c in conditions], spec, 1) as restart:
        for generator in seed_generators(seeds):
            restart()
            out = pipe(
                conditions=conditions,
                prompt=spec.prompt,
                negative_prompt=spec.negative_prompt,
                width=spec.width,
                height=spec.height,
                num_frames=spec.num_frames,
                frame_rate=spec.fps,
                num_inference_steps=spec.steps,
                guidance_scale=spec.guidance,
                image_cond_noise_scale=IMAGE_COND_NOISE_SCALE,
                decode_timestep=DECODE_TIMESTEP,
                generator=generator,
                output_type="pt",
                callback_on_step_end=reporter.callback,
            )
            videos.append(to_uint8(out.frames[0]))
            reporter.next_run()
    return videos
