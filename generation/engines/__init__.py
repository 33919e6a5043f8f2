"""Generation engines: one module per pipeline family, each exposing `load()` and `run()`.

Helpers shared by the diffusers engines live here. This package is imported by the previz engine
on CPU workers, so torch is imported inside the functions that need it, never at the top.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from PIL import Image, ImageOps

from generation.errors import GpuOutOfMemory
from generation.profiles import check_references, check_spec, profile_get
from generation.spec import RoleImages, TakeSpec

DTYPES = ("float32", "bfloat16", "float16")


def torch_dtype(name: str) -> Any:
    """Return the torch dtype for "float32", "bfloat16" or "float16"."""
    import torch

    if name not in DTYPES:
        raise ValueError(f"Unknown dtype {name!r}; use one of {DTYPES}.")
    return getattr(torch, name)


def from_local(pipeline_class: Any, model_path: str, *, device: str, dtype: Any) -> Any:
    """Load a pipeline from a local folder only (never the network), on the device, quiet."""
    pipe = pipeline_class.from_pretrained(model_path, dtype=dtype, local_files_only=True)
    pipe.to(device)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def cover_fit(image: Image.Image, width: int, height: int) -> Image.Image:
    """Return the image scaled to cover width×height and centre-cropped, in RGB."""
    image = ImageOps.exif_transpose(image).convert("RGB")
    if image.size == (width, height):
        return image
    return ImageOps.fit(image, (width, height), Image.Resampling.LANCZOS, centering=(0.5, 0.5))


def to_uint8(frames: Any) -> np.ndarray:
    """Return frames in [0, 1] as uint8 (F, H, W, 3): a numpy (F, H, W, 3) or torch (F, 3, H, W)."""
    if hasattr(frames, "permute"):
        import torch

        # Quantise on the pipeline's device and copy a quarter of the bytes back: for 121
        # frames at 768×512 that saves ~0.5 GB of float32 transfer and a slow numpy pass.
        video = frames.float().clamp(0.0, 1.0).mul(255.0).round().to(torch.uint8)
        return video.permute(0, 2, 3, 1).contiguous().cpu().numpy()
    array = np.asarray(frames, dtype=np.float32)
    return (np.clip(array, 0.0, 1.0) * 255.0).round().astype(np.uint8)


def seed_generators(seeds: list[int]) -> list[Any]:
    """Return one CPU torch.Generator per seed.

    CPU generators give the same noise on every machine, so a take re-run on another GPU (or
    on a CPU in tests) starts from the same latents.
    """
    import torch

    return [torch.Generator("cpu").manual_seed(int(seed)) for seed in seeds]


def validate(spec: TakeSpec, images: RoleImages, seeds: list[int]) -> None:
    """Raise a readable error when the request cannot run on its profile."""
    if not seeds:
        raise ValueError("A run needs at least one seed.")
    profile = profile_get(spec.profile_id)
    check_spec(profile, spec)
    check_references(
        profile,
        has_first=images.first is not None,
        has_last=images.last is not None,
        n_references=len(images.references),
    )


class StepReporter:
    """Turns `callback_on_step_end` calls into on_step(done, total) across one or more runs."""

    def __init__(self, on_step: Callable[[int, int], None], *, runs: int = 1):
        self.on_step = on_step
        self.runs = runs
        self.run_index = 0

    def callback(self, pipe: Any, step: int, timestep: Any, callback_kwargs: dict) -> dict:
        """The diffusers step-end callback; TakeCanceled from on_step propagates untouched."""
        per_run = pipe.num_timesteps
        self.on_step(self.run_index * per_run + step + 1, self.runs * per_run)
        return callback_kwargs

    def next_run(self) -> None:
        """Mark the end of one sequential pipeline call."""
        self.run_index += 1


@contextmanager
def pipeline_errors(pipe: Any, spec: TakeSpec, *, variations: int) -> Iterator[None]:
    """Turn CUDA out-of-memory into GpuOutOfMemory and free memory after a failed run."""
    import torch

    try:
        yield
    except torch.cuda.OutOfMemoryError as exc:
        _free(pipe)
        batch = f" ({variations} variations in one batch)" if variations > 1 else ""
        fewer = "fewer variations at once, " if variations > 1 else ""
        raise GpuOutOfMemory(
            f"GPU memory ran out generating {spec.num_frames} frames at "
            f"{spec.width}×{spec.height}{batch}. Try {fewer}fewer frames or a lower resolution."
        ) from exc
    except BaseException:
        _free(pipe)
        raise


def _free(pipe: Any) -> None:
    import torch

    if hasattr(pipe, "maybe_free_model_hooks"):
        pipe.maybe_free_model_hooks()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


class _EncodeCache:
    """Remembers the VAE encodes of a pipeline's conditioning for the last few requests.

    Retakes and new seeds of one shot feed the VAE the same conditioning video (the first and
    last frames at the take's size), and on small models that encode costs more than the
    denoising. An encode is reused only when the request's images, size and batch are the
    same, the call comes at the same place in the pipeline's sequence of encodes, and a
    fingerprint of the input tensor matches, so a seed-dependent input is never reused.
    """

    SIZE = 4

    def __init__(self, pipe: Any):
        from collections import OrderedDict

        self.entries: OrderedDict = OrderedDict()
        self.key: tuple | None = None
        self.calls = 0
        self.hits = 0
        self._encode = pipe.vae.encode
        pipe.vae.encode = self.encode

    def encode(self, x, *args, **kwargs):
        import copy

        if self.key is None or args or kwargs:
            return self._encode(x, *args, **kwargs)
        slot = (self.key, self.calls)
        self.calls += 1
        fingerprint = _fingerprint(x)
        cached = self.entries.get(slot)
        if cached is not None and cached[0] == fingerprint:
            self.entries.move_to_end(slot)
            self.hits += 1
            # A copy, so nothing the pipeline does to its latents reaches the cache.
            return copy.deepcopy(cached[1])
        out = self._encode(x)
        self.entries[slot] = (fingerprint, copy.deepcopy(out))
        while len(self.entries) > self.SIZE * 4:
            self.entries.popitem(last=False)
        return out


def _fingerprint(x: Any) -> tuple:
    flat = x.detach().reshape(-1)
    step = max(flat.numel() // 4096, 1)
    sample = flat[::step].float().cpu().numpy().tobytes()
    return (tuple(x.shape), str(x.dtype), float(flat.double().sum()), sample)


@contextmanager
def reused_encodes(pipe: Any, images: list[Image.Image | None], spec: TakeSpec,
                   variations: int) -> Iterator[Callable[[], None]]:
    """Let the pipeline reuse its conditioning encodes from an identical earlier request.

    Yields a function to call before each pipeline call of the request.
    """
    import hashlib

    cache = getattr(pipe, "_lotix_encode_cache", None)
    if cache is None:
        cache = _EncodeCache(pipe)
        pipe._lotix_encode_cache = cache
    digest = hashlib.sha256()
    for image in images:
        digest.update(b"-" if image is None else image.tobytes() + repr(image.size).encode())
    cache.key = (digest.hexdigest(), spec.width, spec.height, spec.num_frames, variations)
    cache.calls = 0

    def restart() -> None:
        cache.calls = 0

    try:
        yield restart
    finally:
        cache.key = None
