"""Exports built by the service: ZIP contents, timelines that round-trip, refusals, failures."""

import csv
import hashlib
import io
import zipfile

import opentimelineio as otio
import pytest
from django.core.files.storage import default_storage

from exports import timeline
from exports.models import Export, ExportStatus
from exports.services import ExportRefused, export_build, export_request
from lotix.errors import PermissionDeniedError
from projects.models import Activity
from tests import factories
from tests.exports.conftest import approve

pytestmark = pytest.mark.django_db

NAMES = ["signal_SC010_SH010_v002", "signal_SC010_SH020_v002", "signal_SC020_SH010_v002",
         "signal_SC020_SH020_v002"]
FRAMES = [24, 36, 24, 36]


def build(membership, scene=None, callbacks=None):
    export = export_request(membership=membership, scene=scene)
    assert export_build(export.pk) == ExportStatus.SUCCEEDED
    export.refresh_from_db()
    return export


def open_zip(export) -> zipfile.ZipFile:
    with default_storage.open(export.file.name, "rb") as handle:
        return zipfile.ZipFile(io.BytesIO(handle.read()))


def test_it_queues_the_build_when_the_commit_lands(cut, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        export = export_request(membership=cut["producer"])
    assert len(callbacks) == 1
    assert export.status == ExportStatus.QUEUED and export.take_count == 4
    assert Activity.objects.filter(verb="requested an export").count() == 1
    from lotix.celery import app

    assert app.amqp.router.route({}, "exports.build")["queue"].name == "cpu"


def test_it_builds_a_zip_with_editorial_names_timelines_and_a_manifest(cut):
    export = build(cut["producer"])
    assert export.status == ExportStatus.SUCCEEDED and export.progress == 1.0
    assert (export.take_count, export.missing_count) == (4, 0)
    assert export.file.name == f"projects/{cut['project'].uuid}/exports/{export.uuid}.zip"
    archive = open_zip(export)
    assert archive.testzip() is None
    assert sorted(archive.namelist()) == sorted(
        [f"media/{name}.mp4" for name in NAMES]
        + ["timeline.otio", "timeline.edl", "timeline.xml", "manifest.csv"])
    assert export.bytes == default_storage.size(export.file.name)

    rows = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode())))
    assert [(r["scene"], r["shot"], r["take"]) for r in rows] == [
        ("SC010", "SH010", "v002"), ("SC010", "SH020", "v002"),
        ("SC020", "SH010", "v002"), ("SC020", "SH020", "v002")]
    for row, take, frames in zip(rows, cut["takes"], FRAMES, strict=True):
        with default_storage.open(take.video.name, "rb") as handle:
            stored = handle.read()
        assert archive.read(row["file"]) == stored
        assert row["sha256"] == hashlib.sha256(stored).hexdigest()
        assert row["take_uuid"] == str(take.uuid)
        assert (int(row["frames"]), int(row["fps"]), row["duration_s"]) == (
            frames, 24, f"{frames / 24:.3f}")
        assert row["seed"] == str(take.request["spec"]["seed"])
        assert row["model"] == "Previz animatic"
        assert row["approved_by"] == "producer" and row["approved_at"]


def test_it_writes_an_otio_timeline_in_shot_order_with_the_recipe_and_decision(cut):
    archive = open_zip(build(cut["producer"]))
    loaded = otio.adapters.read_from_string(archive.read("timeline.otio").decode(), "otio_json")
    clips = list(loaded.find_clips())
    assert [c.name for c in clips] == NAMES
    assert [c.source_range.duration.value for c in clips] == FRAMES
    assert all(c.source_range.duration.rate == 24 for c in clips)
    assert [c.media_reference.target_url for c in clips] == [f"media/{n}.mp4" for n in NAMES]
    first = clips[0].metadata["lotix"]
    take = cut["takes"][0]
    assert first["take"]["uuid"] == str(take.uuid) and first["take"]["label"] == "v002"
    assert first["shot"]["code"] == "SH010" and first["shot"]["scene"] == "SC010"
    assert list(first["shot"]["review_standard"]) == ["Keep the jacket", "No text"]
    assert clips[1].metadata["lotix"]["shot"]["framing"] == "Insert, 50 mm"
    spec = take.request["spec"]
    recipe = first["recipe"]
    assert (recipe["prompt"], recipe["seed"], recipe["steps"], recipe["guidance"]) == (
        spec["prompt"], spec["seed"], spec["steps"], spec["guidance"])
    assert recipe["model"]["profile_id"] == "previz"
    assert first["decision"]["by"] == "producer"
    assert first["decision"]["reason"] == "SC010/SH010 holds."
    assert len(first["sha256"]) == 64
    assert dict(first["timing"]) == {"frames": 24, "native_fps": 24, "timeline_fps": 24,
                                     "conformed": False}


def test_it_announces_a_finished_export_to_the_projects_webhooks(
        cut, django_capture_on_commit_callbacks):
    from hooks.models import Webhook, WebhookDelivery

    Webhook.objects.create(project=cut["project"], url="https://hooks.example.com/lotix",
                           secret="s" * 40, events=["export.ready"])
    with django_capture_on_commit_callbacks(execute=False):
        export = build(cut["producer"])
    delivery = WebhookDelivery.objects.get(event="export.ready")
    data = delivery.payload["data"]
    assert data["export"] == str(export.uuid) and data["takes"] == 4
    assert data["download_url"] == f"/p/signal/exports/{export.uuid}/download"


def test_it_writes_an_edl_and_fcp_xml_that_load_back_with_the_same_clips(cut):
    archive = open_zip(build(cut["producer"]))
    edl = archive.read("timeline.edl").decode()
    xml = archive.read("timeline.xml").decode()
    expected = list(zip(NAMES, FRAMES, strict=True))
    assert timeline.clips_summary(timeline.edl_read(edl, fps=24), fps=24) == expected
    assert timeline.clips_summary(timeline.fcp_xml_read(xml), fps=24) == expected
    # Each reel leads back to one take: 8 letters and digits from its uuid.
    reels = [c.metadata["cmx_3600"]["reel"] for c in timeline.edl_read(edl, fps=24).find_clips()]
    assert reels == [t.uuid.hex[:8].upper() for t in cut["takes"]]


def test_it_leaves_out_the_edl_with_the_reason_when_the_project_rate_has_no_timecode(cut):
    project = cut["project"]
    project.default_fps = 12
    project.save(update_fields=["default_fps"])
    export = build(cut["producer"])
    archive = open_zip(export)
    names = archive.namelist()
    assert "timeline.edl" not in names and "timeline.xml" not in names
    assert "timeline.otio" in names and "manifest.csv" in names
    assert "no 12 fps" in archive.read("README.txt").decode()
    assert export.warnings == ["No EDL or FCP XML: SMPTE timecode has no 12 fps, so CMX 3600 and "
                               "FCP 7 cannot carry this cut; import timeline.otio instead"]
    otio_clips = timeline.clips_summary(
        otio.adapters.read_from_string(archive.read("timeline.otio").decode(), "otio_json"),
        fps=12)
    assert [name for name, _ in otio_clips] == NAMES


def test_it_exports_one_scene_and_counts_its_shots_without_an_approved_take(cut):
    scene = cut["scenes"]["SC020"]
    factories.shot(scene=scene, code="SH030", order=2)  # planned, nothing approved yet
    export = build(cut["owner"], scene=scene)
    assert (export.take_count, export.missing_count) == (2, 1)
    archive = open_zip(export)
    assert sorted(n for n in archive.namelist() if n.startswith("media/")) == [
        f"media/{name}.mp4" for name in NAMES[2:]]
    assert export.download_name().startswith("signal_SC020_")


def test_it_refuses_an_export_with_no_approved_take(project, producer):
    from projects.models import Membership

    membership = Membership.objects.get(user=producer)
    scene = factories.scene(project=project)
    factories.finished_take(shot=factories.shot(scene=scene), review_state="selected")
    with pytest.raises(ExportRefused, match="no approved take in this project"):
        export_request(membership=membership)
    with pytest.raises(ExportRefused, match="no approved take in scene SC010"):
        export_request(membership=membership, scene=scene)
    assert not Export.objects.exists()


@pytest.mark.parametrize("role", ["viewer"])
def test_it_refuses_members_whose_role_cannot_export(cut, role):
    membership = factories.membership(project=cut["project"],
                                      user=factories.user(username="onlooker"), role=role)
    with pytest.raises(PermissionDeniedError):
        export_request(membership=membership)
    assert not Export.objects.exists()


def test_it_fails_with_a_message_naming_the_take_whose_video_is_missing(cut):
    broken = cut["takes"][2]
    default_storage.delete(broken.video.name)
    export = export_request(membership=cut["producer"])
    assert export_build(export.pk) == ExportStatus.FAILED
    export.refresh_from_db()
    assert export.status == ExportStatus.FAILED and not export.file.name
    assert "SC020/SH010 v002" in export.error and str(broken.uuid) in export.error
    assert "missing from storage" in export.error
    folder = f"projects/{cut['project'].uuid}/exports"
    assert not default_storage.exists(folder) or default_storage.listdir(folder) == ([], [])
    assert Activity.objects.filter(verb="export failed").count() == 1


def test_it_ignores_a_redelivered_build_message(cut):
    export = build(cut["producer"])
    name = export.file.name
    assert export_build(export.pk) == ExportStatus.SUCCEEDED
    export.refresh_from_db()
    assert export.file.name == name
    assert Activity.objects.filter(verb="exported approved takes").count() == 1


def test_it_keeps_manifest_cells_safe_from_spreadsheet_formulas(cut):
    sneaky = factories.membership(project=cut["project"],
                                  user=factories.user(username="@SUM(A1)"), role="producer")
    approve(factories.finished_take(shot=cut["takes"][0].shot, frames=24), sneaky)
    rows = list(csv.DictReader(io.StringIO(
        open_zip(build(sneaky)).read("manifest.csv").decode())))
    assert rows[0]["approved_by"] == "'@SUM(A1)"
    assert rows[0]["take"] == "v003"


def test_it_conforms_takes_made_at_another_rate_frame_for_frame():
    clips = [timeline.ClipInfo(name=f"film_SC010_SH0{n}0_v001", media_path=f"media/{n}.mp4",
                               frames=frames, fps=fps, reel=f"REEL{n}")
             for n, (frames, fps) in enumerate([(48, 24), (37, 24), (25, 25)], start=1)]
    built = timeline.timeline_build(name="film_all", fps=25, clips=clips)
    expected = [(c.name, c.frames) for c in clips]
    assert timeline.clips_summary(built, fps=25) == expected
    edl = timeline.timeline_edl(built, fps=25)
    assert timeline.clips_summary(timeline.edl_read(edl, fps=25), fps=25) == expected
    xml = timeline.fcp_xml_read(timeline.timeline_fcp_xml(built))
    assert timeline.clips_summary(xml, fps=25) == expected
    # The media keeps its native rate.
    assert [c.media_reference.available_range.duration.rate for c in xml.find_clips()] == [
        24, 24, 25]


def test_it_names_files_with_safe_characters_only():
    assert timeline.editorial_name(project="my film/../x", scene="SC010", shot="SH010",
                                   number=7) == "my-film-x_SC010_SH010_v007"
    assert timeline.reel_name("0b6c7f2e3a554c8e") == "0B6C7F2E"


@pytest.mark.parametrize(("every_s", "updates"), [(0.0, 4), (3600.0, 1)])
def test_it_writes_progress_per_take_at_most_as_often_as_allowed(cut, monkeypatch, every_s,
                                                                 updates):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from exports import services

    monkeypatch.setattr(services, "PROGRESS_EVERY_S", every_s)
    export = export_request(membership=cut["producer"])
    with CaptureQueriesContext(connection) as captured:
        export_build(export.pk)
    writes = [q["sql"] for q in captured.captured_queries
              if q["sql"].startswith('UPDATE "exports_export" SET "progress"')]
    assert len(writes) == updates
