"""Runs claimed takes: load the pipeline once per process, generate, finalize, store, mark.

Nothing here runs inside a database transaction: each write is its own short statement in
`takes.services`, and the pipeline call and uploads happen between them.
"""

import contextlib
import hashlib
import logging
import os
import socket
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from PIL import Image

from assets.selectors import asset_files_by_uuid
from generation import loader, profiles
from generation.errors import GpuOutOfMemory, TakeCanceled
from generation.media import finalize_frames
from generation.qc import qc_metrics
from generation.spec import RoleImages, TakeSpec
from lotix.errors import DomainError
from takes import services
from takes.models import Take, TakeStatus, take_media_key

log = logging.getLogger(__name__)

# One pipeline per worker process, kept between takes so the second take pays no load time.
PIPELINES = loader.PIPELINES
PROGRESS_EVERY_S = 0.5
GENERATION_SHARE = 0.9  # the bar's share for denoising; encoding and QC take the rest
# Errors that mean "the database is not answering right now", as opposed to a bad query.
DB_DOWN = (OperationalError, InterfaceError)


class TakeMediaNotStored(DomainError):
    """Media storage refused or lost one of the take's files while it was being saved."""


def heartbeat_every_s() -> float:
    """Renew the lease three times per lease, so one missed beat never loses the take."""
    return min(30.0, settings.LOTIX_TAKE_LEASE_S / 3)


def _db_reset() -> None:
    """Drop this thread's broken connection; the next query opens a fresh one."""
    with contextlib.suppress(DatabaseError):
        connection.close()


def _db_retry(write, *args, **kwargs):
    """Run one short write, retrying while the database is unreachable, for up to one lease.

    A worker that gives up on a finished take leaves it running until the sweeper requeues
    it and the whole take is made again; waiting out a short outage is far cheaper.
    """
    deadline = time.monotonic() + settings.LOTIX_TAKE_LEASE_S
    pause = 0.25
    while True:
        try:
            return write(*args, **kwargs)
        except DB_DOWN as error:
            _db_reset()
            if time.monotonic() + pause > deadline:
                raise
            log.warning("Database unreachable (%s); retrying in %.2f s", error, pause)
            time.sleep(pause)
            pause = min(pause * 2, 2.0)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _device() -> tuple[str, str]:
    import torch

    if torch.cuda.is_available():
        return "cuda", "bfloat16"
    return "cpu", "float32"


def _role_images(take: Take, spec: TakeSpec) -> RoleImages:
    uuids = take.request.get("reference_files", [])
    files = asset_files_by_uuid(uuids)
    images = RoleImages()
    for uuid, reference in zip(uuids, spec.references, strict=True):
        asset_file = files.get(uuid)
        if asset_file is None:
            raise DomainError(
                "A reference of this take was deleted from the library before it ran; "
                "request the take again."
            )
        with default_storage.open(asset_file.file.name, "rb") as handle:
            image = Image.open(handle)
            image.load()
        image = image.convert("RGB")
        if reference.role == "first_frame":
            images.first = image
        elif reference.role == "last_frame":
            images.last = image
        else:
            images.references.append(image)
    return images


class _Heartbeat(threading.Thread):
    """Renews the lease while one long denoising step or upload keeps the task busy."""

    def __init__(self, take_ids: list[int], worker: str):
        super().__init__(daemon=True)
        self.take_ids, self.worker = take_ids, worker
        self.stopped = threading.Event()

    def run(self):
        failing = False
        try:
            while not self.stopped.wait(heartbeat_every_s()):
                try:
                    services.takes_progress(self.take_ids, worker=self.worker, progress=0.0)
                except DB_DOWN as error:
                    # A database outage must not end the thread: the lease would then expire
                    # and the take would be made twice. Try again at the next beat.
                    _db_reset()
                    failing = True
                    log.warning("Heartbeat of takes %s failed (%s); retrying", self.take_ids,
                                error)
                    continue
                if failing:
                    failing = False
                    log.info("Heartbeat of takes %s restored", self.take_ids)
        finally:
            _db_reset()


def _batches(takes: list[Take]) -> list[list[Take]]:
    """Group takes whose requests differ only by seed; each group is one pipeline call."""
    groups: dict[str, list[Take]] = {}
    for take in takes:
        key_spec = dict(take.request["spec"], seed=0)
        key = repr(sorted(key_spec.items())) + repr(take.request.get("reference_files"))
        groups.setdefault(key, []).append(take)
    return list(groups.values())


def run_takes(take_ids: list[int], *, worker: str | None = None) -> list[int]:
    """Claim and run the takes; return the ids this call claimed."""
    worker = worker or worker_name()
    claimed = _db_retry(services.takes_claim, take_ids, worker=worker)
    for batch in _batches(claimed):
        _run_batch(batch, worker=worker)
    return [take.pk for take in claimed]


def _run_batch(takes: list[Take], *, worker: str) -> None:
    ids = [take.pk for take in takes]
    started = time.monotonic()
    heartbeat = _Heartbeat(ids, worker)
    heartbeat.start()
    try:
        spec = TakeSpec.from_dict(takes[0].request["spec"])
        profile = profiles.profile_get(spec.profile_id)
        images = _role_images(takes[0], spec)
        canceled: set[int] = set()
        last_write = 0.0

        def on_step(done: int, total: int) -> None:
            nonlocal last_write, canceled
            now = time.monotonic()
            if done < total and now - last_write < PROGRESS_EVERY_S:
                return
            last_write = now
            try:
                canceled = services.takes_progress(
                    ids, worker=worker, progress=GENERATION_SHARE * done / max(total, 1)
                )
            except DB_DOWN as error:
                # Progress is advisory: skip this write, the next step writes again.
                _db_reset()
                log.warning("Progress of takes %s not recorded (%s)", ids, error)
                return
            if canceled >= set(ids):
                raise TakeCanceled()

        frames = render_frames(profile, spec, images,
                               seeds=[t.request["spec"]["seed"] for t in takes], on_step=on_step)
        gpu_seconds = (time.monotonic() - started) / len(takes)
        for take, take_frames in zip(takes, frames, strict=True):
            if take.pk in canceled:
                _db_retry(services.take_mark_canceled, take=take, worker=worker,
                          gpu_seconds=gpu_seconds)
                continue
            _finalize(take, take_frames, spec=spec, images=images, worker=worker,
                      gpu_seconds=gpu_seconds)
    except TakeCanceled:
        spent = (time.monotonic() - started) / len(takes)
        for take in takes:
            _db_retry(services.take_mark_canceled, take=take, worker=worker, gpu_seconds=spent)
    except Exception as error:  # every failure must land on the take, readable
        spent = (time.monotonic() - started) / len(takes)
        message = _readable(error, takes[0])
        if not isinstance(error, DomainError):
            log.exception("Takes %s failed", ids)
        for take in takes:
            _db_retry(services.take_fail, take=take, worker=worker, error=message,
                      gpu_seconds=spent)
    finally:
        heartbeat.stopped.set()
        heartbeat.join(timeout=5)


def render_frames(profile, spec: TakeSpec, images: RoleImages, *, seeds: list[int],
                  on_step) -> list[np.ndarray]:
    """Run the profile's engine on this process's cached pipeline; one array per seed."""
    device, dtype = _device() if profile.needs_weights else ("cpu", "float32")
    pipe = PIPELINES.get(profile, settings.LOTIX_MODELS_DIR, device=device, dtype=dtype)
    return loader.engine_module(profile).run(pipe, spec, images, seeds=seeds, on_step=on_step)


def finalize_take(frames: np.ndarray, *, fps: int, images: RoleImages, out_dir: str):
    """Encode the take's media files into out_dir and measure its QC; returns (media, qc)."""
    media = finalize_frames(frames, fps=fps, out_dir=out_dir)
    qc = qc_metrics(frames, first_ref=images.first, last_ref=images.last)
    # The generated frames' fingerprint: the same recipe must give the same frames, while the
    # H.264 encode of them is not bit-exact from run to run (x264 threading).
    qc["frames_sha256"] = hashlib.sha256(np.ascontiguousarray(frames).tobytes()).hexdigest()
    qc["filmstrip"] = {"tiles": media.filmstrip_tiles, "tile_width": media.filmstrip_tile_width}
    qc["duration_s"] = media.duration_s
    return media, qc


def _finalize(take, frames, *, spec, images, worker, gpu_seconds) -> None:
    with tempfile.TemporaryDirectory(prefix="lotix-take-") as tmp:
        media, qc = finalize_take(frames, fps=spec.fps, images=images, out_dir=tmp)
        if take.pk in _db_retry(services.takes_progress, [take.pk], worker=worker,
                                progress=0.95):
            # Canceled, or the lease was lost (swept and maybe claimed by another worker):
            # the objects under this take's keys may be the other worker's, so touch none.
            _db_retry(services.take_mark_canceled, take=take, worker=worker,
                      gpu_seconds=gpu_seconds)
            return
        stored = _store_media(take, media)
    if not _db_retry(_succeed_once, take=take, worker=worker, media=stored, qc=qc,
                     gpu_seconds=gpu_seconds):
        # The lease was lost (canceled or swept) while finishing: keep no orphan objects.
        _delete_objects(stored.values())


def _store_media(take, media) -> dict:
    """Save the take's files under its keys; on a storage failure delete what was saved."""
    stored = {}
    try:
        for field, path in (("video", media.video_path), ("poster", media.poster_path),
                            ("filmstrip", media.filmstrip_path),
                            ("last_frame", media.last_frame_path)):
            key = take_media_key(take, Path(path).name)
            # A retried take overwrites its own objects instead of leaving renamed copies.
            default_storage.delete(key)
            with open(path, "rb") as handle:
                stored[field] = default_storage.save(key, File(handle))
    except Exception as error:
        log.exception("Media storage failed while saving take %s", take.pk)
        _delete_objects(stored.values())
        raise TakeMediaNotStored(
            f"Media storage failed while saving this take's files ({type(error).__name__}: "
            f"{error}); nothing was kept. Request the take again once storage answers."
        ) from error
    return stored


def _delete_objects(names) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:
            # Best effort: an object left behind costs bytes, never a wrong take.
            log.exception("Could not delete %s from media storage", name)


def _succeed_once(*, take, worker, media, qc, gpu_seconds) -> bool:
    """take_succeed, safe to retry: a commit whose answer was lost counts as done."""
    if services.take_succeed(take=take, worker=worker, media=media, qc=qc,
                             gpu_seconds=gpu_seconds):
        return True
    return Take.objects.filter(pk=take.pk, status=TakeStatus.SUCCEEDED,
                               video=media["video"]).exists()


def _readable(error: Exception, take: Take) -> str:
    from celery.exceptions import SoftTimeLimitExceeded

    if isinstance(error, DomainError):
        return error.message
    if isinstance(error, SoftTimeLimitExceeded):
        return (
            f"The take ran past the worker's time limit ({settings.CELERY_TASK_SOFT_TIME_LIMIT} s) "
            "and was stopped. Try fewer frames, fewer steps or a lower resolution."
        )
    spec = take.request.get("spec", {})
    if type(error).__name__ == "OutOfMemoryError" or "out of memory" in str(error).lower():
        return GpuOutOfMemory(
            f"The GPU ran out of memory making {spec.get('num_frames')} frames at "
            f"{spec.get('width')}×{spec.get('height')}. Try fewer frames (a shorter shot) or a "
            "lower resolution."
        ).message
    return f"The engine failed: {type(error).__name__}: {error}"
