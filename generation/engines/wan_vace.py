"""Wan VACE engine: first and last frames through video + mask, references as reference_images."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PIL import Image

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

# VACE marks frames to generate with mid-grey pixels and a white mask; black mask = keep.
GREY = (128, 128, 128)


def load(model_path: str | None, *, device: str = "cpu", dtype: str = "float32") -> object:
    """Load WanVACEPipeline from a local folder, never from the network."""
    from diffusers import WanVACEPipeline

    # The Wan docs keep the VAE in float32 for quality.
    dtypes = {"default": torch_dtype(dtype), "vae": torch_dtype("float32")}
    return from_local(WanVACEPipeline, model_path, device=device, dtype=dtypes)


def conditioning_video(
    spec: TakeSpec, images: RoleImages
) -> tuple[list[Image.Image] | None, list[Image.Image] | None]:
    """Return (video, mask) frame lists pinning the first and/or last frame, or (None, None)."""
    if images.first is None and images.last is None:
        return None, None
    size = (spec.width, spec.height)
    video = [Image.new("RGB", size, GREY) for _ in range(spec.num_frames)]
    mask = [Image.new("L", size, 255) for _ in range(spec.num_frames)]
    if images.first is not None:
        video[0] = cover_fit(images.first, spec.width, spec.height)
        mask[0] = Image.new("L", size, 0)
    if images.last is not None:
        video[-1] = cover_fit(images.last, spec.width, spec.height)
        mask[-1] = Image.new("L", size, 0)
    return video, mask


def run(
    pipe,
    spec: TakeSpec,
    images: RoleImages,
    *,
    seeds: list[int],
    on_step: Callable[[int, int], None],
) -> list[np.ndarray]:
    """Generate one take per seed with optional first/last frames and up to three references."""
    validate(spec, images, seeds)
    video, mask = conditioning_video(spec, images)
    # References are not cropped: the pipeline letterboxes each one onto a white canvas of the
    # take's size, which is how VACE was trained, and a face crop must not lose its chin.
    references = [image.convert("RGB") for image in images.references] or None
    # Seeds run one call each: WanVACEPipeline refuses a list of generators and a batch of
    # conditioning videos ("not yet supported" in diffusers 0.42).
    reporter = StepReporter(on_step, runs=len(seeds))
    videos = []
    with pipeline_errors(pipe, spec, variations=1), \
            reused_encodes(pipe, [*(video or [])[:1], *(video or [])[-1:], *(references or [])],
                           spec, 1) as restart:
        for generator in seed_generators(seeds):
            restart()
            out = pipe(
                video=video,
                mask=mask,
                reference_images=references,
                prompt=spec.prompt,
                negative_prompt=spec.negative_prompt,
                width=spec.width,
                height=spec.height,
                num_frames=spec.num_frames,
                num_inference_steps=spec.steps,
                guidance_scale=spec.guidance,
                generator=generator,
                output_type="pt",
                callback_on_step_end=reporter.callback,
            )
            videos.append(to_uint8(out.frames[0]))
            reporter.next_run()
    return videos
