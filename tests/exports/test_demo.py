"""The demo project ("Signal", from `seed_demo`) exported: the hand-off the README promises."""

import io
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from exports import timeline
from exports.models import ExportStatus
from exports.services import export_build, export_request
from projects.models import Membership
from shots.models import Shot
from takes.services import take_decide
from tests import factories

pytestmark = pytest.mark.django_db


def test_it_exports_the_demo_project_with_timelines_that_round_trip(capsys):
    call_command("seed_demo", stdout=io.StringIO())
    demo = Membership.objects.select_related("project").get(user__username="demo",
                                                            project__slug="signal")
    fps = demo.project.default_fps
    approved = {}
    for shot in Shot.objects.filter(scene__project=demo.project).select_related("scene"):
        frames = int(shot.duration_s * fps)
        takes = [factories.finished_take(shot=shot, frames=frames, fps=fps) for _ in range(2)]
        pick = takes[1] if shot.scene.code == "SC010" else takes[0]
        take_decide(take=pick, membership=demo, state="approved", reason="Demo approval.")
        approved[(shot.scene.code, shot.code)] = (pick.label, frames)

    export = export_request(membership=demo)
    assert export_build(export.pk) == ExportStatus.SUCCEEDED
    export.refresh_from_db()
    assert (export.take_count, export.missing_count) == (3, 0)
    with default_storage.open(export.file.name, "rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    expected = [(f"signal_{scene}_{shot}_{label}", frames)
                for (scene, shot), (label, frames) in sorted(approved.items())]
    assert [frames for _, frames in expected] == [120, 72, 120]
    assert sorted(archive.namelist()) == sorted(
        [f"media/{name}.mp4" for name, _ in expected]
        + ["manifest.csv", "timeline.edl", "timeline.otio", "timeline.xml"])
    edl = timeline.edl_read(archive.read("timeline.edl").decode(), fps=fps)
    xml = timeline.fcp_xml_read(archive.read("timeline.xml").decode())
    otio_timeline = timeline.otio.adapters.read_from_string(
        archive.read("timeline.otio").decode(), "otio_json")
    for loaded in (otio_timeline, edl, xml):
        assert timeline.clips_summary(loaded, fps=fps) == expected

    with capsys.disabled():
        print(f"\nDemo export {export.download_name()} ({export.bytes} bytes):")
        for info in archive.infolist():
            print(f"  {info.filename:45s} {info.file_size:>9d} bytes")
        for label, loaded in (("OTIO", otio_timeline), ("EDL", edl), ("FCP XML", xml)):
            clips = timeline.clips_summary(loaded, fps=fps)
            print(f"  {label:8s} {len(clips)} clips: {clips}")
        print("  manifest.csv:\n    " + archive.read("manifest.csv").decode().strip()
              .replace("\r\n", "\n    "))
        print("  timeline.edl:\n    " + archive.read("timeline.edl").decode().strip()
              .replace("\n", "\n    "))
