"""Loading a profile's pipeline once per process, from local files only."""

from __future__ import annotations

import gc
import importlib
import sys
import threading
from pathlib import Path
from types import ModuleType

from generation.errors import GpuOutOfMemory, WeightsMissing
from generation.profiles import Profile, model_path


def engine_module(profile: Profile) -> ModuleType:
    """Return the engine module (generation.engines.<engine>) that runs the profile."""
    return importlib.import_module(f"generation.engines.{profile.engine}")


def resolve_weights(profile: Profile, models_dir: str | Path | None) -> Path | None:
    """Return the weights folder for the profile, or raise WeightsMissing with how to fix it."""
    if not profile.needs_weights:
        return None
    path = model_path(profile, models_dir)
    if path is not None:
        return path
    where = Path(models_dir) / profile.local_dir if models_dir else None
    if profile.is_tiny:
        how = (
            f"Run `python manage.py build_tiny_models` to write the tiny test models into "
            f"{where or 'LOTIX_MODELS_DIR'}."
        )
    else:
        how = (
            f"Download {profile.model_id} into {where or 'LOTIX_MODELS_DIR/' + profile.local_dir} "
            f"(for example `hf download {profile.model_id} --local-dir <that folder>`) or into "
            "the Hugging Face cache; weights are never downloaded while a take runs."
        )
    looked = (
        f"No weights for {profile.label} in {where}" if where else f"No weights for {profile.label}"
    )
    raise WeightsMissing(f"{looked} (LOTIX_MODELS_DIR is {models_dir or 'not set'}). {how}")


class PipelineCache:
    """Keeps the one loaded pipeline of this process; another profile evicts it."""

    def __init__(self) -> None:
        self.loads = 0
        self._key: tuple | None = None
        self._pipe: object | None = None
        self._lock = threading.Lock()

    def get(
        self, profile: Profile, models_dir: str | Path | None, *, device: str, dtype: str
    ) -> object:
        """Return the profile's pipeline, loading it only when it is not the cached one."""
        if not profile.needs_weights:
            # Nothing to keep in memory (previz), so a loaded GPU pipeline is not evicted.
            return engine_module(profile).load(None, device=device, dtype=dtype)
        path = resolve_weights(profile, models_dir)
        key = (profile.id, str(path), device, dtype)
        with self._lock:
            if key == self._key:
                return self._pipe
            self._evict()
            try:
                pipe = engine_module(profile).load(str(path), device=device, dtype=dtype)
            except Exception as exc:
                if _is_cuda_oom(exc):
                    _empty_cuda_cache()
                    raise GpuOutOfMemory(
                        f"GPU memory ran out loading {profile.label}; this GPU is too small for "
                        f"it in {dtype}, or another process holds its memory."
                    ) from exc
                raise
            self.loads += 1
            self._key, self._pipe = key, pipe
            return pipe

    def clear(self) -> None:
        """Drop the cached pipeline and free its memory."""
        with self._lock:
            self._evict()

    def _evict(self) -> None:
        if self._key is None:
            return
        self._key, self._pipe = None, None
        gc.collect()
        _empty_cuda_cache()


def _is_cuda_oom(exc: BaseException) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(exc, torch.cuda.OutOfMemoryError)


def _empty_cuda_cache() -> None:
    # Only when torch is already imported: previz-only processes never load it.
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()


PIPELINES = PipelineCache()


def load_pipeline(
    profile: Profile, models_dir: str | Path | None, *, device: str = "cpu", dtype: str = "float32"
) -> object:
    """Return the profile's pipeline, loaded once per process (local files only)."""
    return PIPELINES.get(profile, models_dir, device=device, dtype=dtype)
