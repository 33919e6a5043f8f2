"""Writes for exports: the request (web) and the build of the ZIP (worker-cpu).

The build reads the approved takes and copies their media outside any transaction (slow,
and on S3 remote); only the final status change is one short transaction.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import tempfile
import time
import zipfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from exports import selectors
from exports.models import Export, ExportStatus, export_file_key
from exports.timeline import (
    ClipInfo,
    reel_name,
    safe_part,
    timecode_rate_supported,
    timeline_build,
    timeline_edl,
    timeline_fcp_xml,
    timeline_otio,
)
from hooks.services import webhook_emit
from lotix.errors import DomainError
from projects import roles
from projects.selectors import require
from projects.services import activity_record
from shots.models import Shot, ShotStatus

log = logging.getLogger(__name__)

BUILD_TASK = "exports.build"
QUEUE = "cpu"
CHUNK = 1024 * 1024
# Progress is written at most this often, so a long export does not hammer the database.
PROGRESS_EVERY_S = 0.5
MANIFEST_FIELDS = ["scene", "shot", "take", "take_uuid", "file", "frames", "fps", "duration_s",
                   "seed", "model", "weights_revision", "approved_by", "approved_at", "sha256"]
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ExportRefused(DomainError):
    pass


class ExportFailed(DomainError):
    pass


def export_request(*, membership, scene=None) -> Export:
    """Queue a ZIP of the approved takes of the project (or of one scene) for the CPU worker."""
    require(membership, roles.EXPORT)
    project = membership.project
    if scene is not None and scene.project_id != project.pk:
        raise ExportRefused("That scene belongs to another project.")
    scope = f"scene {scene.code}" if scene is not None else "this project"
    count = selectors.takes_approved(
        project_id=project.pk, scene_id=scene.pk if scene is not None else None
    ).count()
    if not count:
        raise ExportRefused(
            f"There is no approved take in {scope} yet, so there is nothing to export. "
            "Approve a take on at least one shot first."
        )
    with transaction.atomic():
        export = Export.objects.create(project=project, scene=scene, created_by=membership.user,
                                       take_count=count)
        activity_record(project=project, actor=membership.user, verb="requested an export",
                        target=export, data={"scene": scene.code if scene else None,
                                             "takes": count})
        export_id = export.pk
        transaction.on_commit(lambda: export_publish(export_id))
    return export


def export_publish(export_id: int) -> bool:
    """Send the build to the CPU queue; when the broker is down the export fails and says so."""
    from lotix.celery import app

    try:
        app.send_task(BUILD_TASK, args=[export_id], queue=QUEUE)
    except Exception:
        log.exception("Could not publish export %s", export_id)
        Export.objects.filter(pk=export_id, status=ExportStatus.QUEUED).update(
            status=ExportStatus.FAILED, finished_at=timezone.now(),
            error="The export could not be queued: the task broker did not answer. "
                  "Try again in a minute.",
        )
        return False
    return True


def _claim(export_id: int) -> bool:
    """Take the export from queued to running; a redelivered message finds it taken.

    A running export older than the hard task time limit was left by a killed worker (the
    limit would have ended it otherwise), so it may be claimed again.
    """
    now = timezone.now()
    dead = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    return bool(
        Export.objects.filter(pk=export_id)
        .filter(Q(status=ExportStatus.QUEUED)
                | Q(status=ExportStatus.RUNNING, started_at__lt=dead))
        .update(status=ExportStatus.RUNNING, started_at=now, progress=0, error="")
    )


def export_build(export_id: int) -> str:
    """Write the export's ZIP (media, OTIO, EDL, FCP XML, manifest), store it, mark the export."""
    if not _claim(export_id):
        return Export.objects.filter(pk=export_id).values_list("status", flat=True).first() or ""
    export = Export.objects.select_related("project", "scene", "created_by").get(pk=export_id)
    stored = ""
    try:
        with tempfile.TemporaryDirectory(prefix="lotix-export-") as folder:
            path, counts = _export_write(export, Path(folder))
            with open(path, "rb") as handle:
                stored = default_storage.save(export_file_key(export, "export.zip"),
                                              File(handle))
            size = path.stat().st_size
    except Exception as error:
        if stored:
            default_storage.delete(stored)
        if isinstance(error, DomainError):
            message = error.message
        else:
            log.exception("Export %s failed", export.uuid)
            message = f"The export failed unexpectedly ({type(error).__name__}: {error})."
        _export_fail(export, message)
        return ExportStatus.FAILED
    with transaction.atomic():
        Export.objects.filter(pk=export.pk).update(
            status=ExportStatus.SUCCEEDED, progress=1.0, file=stored, bytes=size,
            take_count=counts["takes"], missing_count=counts["missing"],
            warnings=counts.get("skipped", []), finished_at=timezone.now(),
        )
        activity_record(project=export.project, actor=export.created_by,
                        verb="exported approved takes", target=export,
                        data={"takes": counts["takes"], "missing": counts["missing"],
                              "bytes": size})
        _announce(export, takes=counts["takes"], size=size)
    return ExportStatus.SUCCEEDED


def _export_fail(export: Export, message: str) -> None:
    with transaction.atomic():
        Export.objects.filter(pk=export.pk).update(
            status=ExportStatus.FAILED, error=message, file="", finished_at=timezone.now()
        )
        activity_record(project=export.project, actor=export.created_by,
                        verb="export failed", target=export, data={"error": message})


def _announce(export: Export, *, takes: int, size: int) -> None:
    """Emit `export.ready` to the project's webhooks."""
    payload = {
        "export": str(export.uuid),
        "project": export.project.slug,
        "scene": export.scene.code if export.scene_id else None,
        "takes": takes,
        "bytes": size,
        "download_url": reverse("exports:export-download",
                                kwargs={"slug": export.project.slug,
                                        "export_uuid": export.uuid}),
    }
    try:
        # A savepoint: a webhook that cannot be queued never undoes the finished export.
        with transaction.atomic():
            webhook_emit(project=export.project, event="export.ready", payload=payload)
    except Exception:
        log.exception("Could not emit export.ready for export %s", export.uuid)


def _progress(export: Export, value: float) -> None:
    Export.objects.filter(pk=export.pk, status=ExportStatus.RUNNING).update(
        progress=min(max(value, 0.0), 1.0)
    )


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _copy_media(take, archive: zipfile.ZipFile, arcname: str) -> str:
    """Copy the take's video into the archive (stored, it is already compressed); its sha256."""
    where = f"{take.shot} {take.label} ({take.uuid})"
    name = take.video.name
    if not name:
        raise ExportFailed(f"Take {where} has no video file, so the export stopped. "
                           "Approve another take of that shot or generate it again.")
    try:
        if not default_storage.exists(name):
            raise FileNotFoundError(name)
        source = default_storage.open(name, "rb")
    except (FileNotFoundError, OSError):
        raise ExportFailed(f"The video of take {where} is missing from storage, so the export "
                           "stopped. Approve another take of that shot or generate it "
                           "again.") from None
    digest = hashlib.sha256()
    info = zipfile.ZipInfo(arcname, date_time=time.localtime()[:6])
    info.compress_type = zipfile.ZIP_STORED
    with source, archive.open(info, "w", force_zip64=True) as target:
        while block := source.read(CHUNK):
            digest.update(block)
            target.write(block)
    return digest.hexdigest()


def _clip_metadata(take, decision, *, arcname: str, sha256: str, model: dict,
                   timing: dict) -> dict:
    """What an editor or a TD needs to trace a clip back: shot plan, recipe, decision."""
    shot = take.shot
    spec = take.request.get("spec", {})
    return {
        "take": {"uuid": str(take.uuid), "label": take.label, "number": take.number},
        "file": arcname,
        "sha256": sha256,
        "timing": timing,
        "shot": {
            "scene": shot.scene.code, "scene_title": shot.scene.title, "code": shot.code,
            "job": shot.job, "subject_action": shot.subject_action,
            "camera_movement": shot.camera_movement, "framing": shot.framing,
            "lighting": shot.lighting, "duration_s": float(shot.duration_s),
            "aspect_ratio": shot.effective_aspect_ratio(),
            "resolution": shot.effective_resolution(), "fps": shot.effective_fps(),
            "negative_constraints": shot.negative_constraints,
            "review_standard": shot.review_standard_lines(),
            "motion_prompt": shot.motion_prompt,
        },
        "recipe": {
            "prompt": spec.get("prompt", ""),
            "negative_prompt": spec.get("negative_prompt", ""),
            "seed": spec.get("seed"),
            "model": model,
            "steps": spec.get("steps"),
            "guidance": spec.get("guidance"),
            "num_frames": spec.get("num_frames"),
            "fps": spec.get("fps"),
            "width": spec.get("width"),
            "height": spec.get("height"),
            "camera_movement": spec.get("camera_movement", ""),
            "references": [
                {"role": ref.get("role", ""), "job": ref.get("job", ""),
                 "sha256": ref.get("sha256", ""), "instruction": ref.get("instruction", "")}
                for ref in spec.get("references", [])
            ],
        },
        "decision": {
            "state": "approved",
            "by": decision.actor.get_username() if decision and decision.actor else "",
            "at": decision.at.isoformat() if decision else "",
            "reason": decision.reason if decision else "",
        },
    }


def _export_write(export: Export, folder: Path) -> tuple[Path, dict]:
    """Write the ZIP into `folder`; return its path and the counts."""
    project = export.project
    scope = f"scene {export.scene.code}" if export.scene_id else "the project"
    takes = list(selectors.takes_approved(project_id=project.pk, scene_id=export.scene_id))
    if not takes:
        raise ExportFailed(f"There is no approved take left in {scope}; nothing was exported.")
    shots = Shot.objects.filter(scene__project=project).exclude(status=ShotStatus.OMITTED)
    if export.scene_id:
        shots = shots.filter(scene_id=export.scene_id)
    missing = shots.count() - len({take.shot_id for take in takes})
    decisions = selectors.approvals_of([take.pk for take in takes])

    fps = project.default_fps
    clips: list[ClipInfo] = []
    rows: list[dict] = []
    used: set[str] = set()
    path = folder / "export.zip"
    last_progress = time.monotonic()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for index, take in enumerate(takes):
            name = selectors.take_editorial_name(take)
            if name in used:  # two codes that differ only by unsafe characters
                name = f"{name}_{take.uuid.hex[:8]}"
            used.add(name)
            arcname = f"media/{name}.mp4"
            sha256 = _copy_media(take, archive, arcname)
            frames, take_rate = selectors.take_frames(take), selectors.take_fps(take)
            model = selectors.take_model(take)
            decision = decisions.get(take.pk)
            clips.append(ClipInfo(
                name=name, media_path=arcname, frames=frames, fps=take_rate,
                reel=reel_name(take.uuid.hex),
                metadata=_clip_metadata(
                    take, decision, arcname=arcname, sha256=sha256, model=model,
                    timing={"frames": frames, "native_fps": take_rate, "timeline_fps": fps,
                            "conformed": take_rate != fps},
                ),
            ))
            rows.append({
                "scene": take.shot.scene.code, "shot": take.shot.code, "take": take.label,
                "take_uuid": str(take.uuid), "file": arcname, "frames": frames,
                "fps": take_rate, "duration_s": f"{frames / take_rate:.3f}" if take_rate else "",
                "seed": take.request.get("spec", {}).get("seed", ""), "model": model["label"],
                "weights_revision": model["weights_revision"],
                "approved_by": decision.actor.get_username() if decision and decision.actor
                else "",
                "approved_at": decision.at.isoformat() if decision else "",
                "sha256": sha256,
            })
            now = time.monotonic()
            if now - last_progress >= PROGRESS_EVERY_S or index == len(takes) - 1:
                # The last tenth is the timelines and the upload.
                _progress(export, 0.9 * (index + 1) / len(takes))
                last_progress = now

        timeline = timeline_build(
            name=f"{safe_part(project.slug)}_{export.scene.code if export.scene_id else 'all'}",
            fps=fps, clips=clips,
        )
        archive.writestr("timeline.otio", timeline_otio(timeline))
        skipped = []
        if timecode_rate_supported(fps):
            archive.writestr("timeline.edl", timeline_edl(timeline, fps=fps))
            archive.writestr("timeline.xml", timeline_fcp_xml(timeline))
        else:
            skipped.append(f"No EDL or FCP XML: SMPTE timecode has no {fps} fps, so CMX 3600 "
                           "and FCP 7 cannot carry this cut; import timeline.otio instead")
            archive.writestr("README.txt", f"{skipped[-1]}.\n")
        manifest = io.StringIO()
        writer = csv.DictWriter(manifest, fieldnames=MANIFEST_FIELDS, lineterminator="\r\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({key: _cell(value) for key, value in row.items()})
        archive.writestr("manifest.csv", manifest.getvalue())
    counts = {"takes": len(takes), "missing": max(missing, 0)}
    if skipped:
        counts["skipped"] = skipped
    return path, counts
