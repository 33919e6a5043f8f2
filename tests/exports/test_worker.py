"""An export built end to end: page → on-commit publish → Redis → the real CPU worker → ZIP."""

import io
import time
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from exports.models import Export, ExportStatus
from projects.models import Membership
from takes.services import take_decide
from tests import factories

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_it_builds_an_export_on_the_real_worker(worker, project, owner, producer):
    membership = Membership.objects.get(user=producer)
    scene = factories.scene(project=project)
    for code in ("SH010", "SH020"):
        take = factories.finished_take(shot=factories.shot(scene=scene, code=code), frames=24)
        take_decide(take=take, membership=membership, state="approved")
    client = Client()
    client.force_login(producer)
    response = client.post(reverse("exports:export-create", args=[project.slug]))
    assert response.status_code == 302
    export = Export.objects.get()
    deadline = time.monotonic() + 120
    seen = set()
    while time.monotonic() < deadline:
        export.refresh_from_db()
        seen.add(export.status)
        if not export.is_active:
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"The export did not finish: {export.status} "
                    f"{worker['log'].read_text()[-3000:]}")
    assert export.status == ExportStatus.SUCCEEDED, (
        export.error, worker["log"].read_text()[-3000:])
    assert export.progress == 1.0 and export.started_at and export.finished_at
    assert "exports.build" in worker["log"].read_text()
    with default_storage.open(export.file.name, "rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    assert sorted(archive.namelist()) == [
        "manifest.csv", "media/signal_SC010_SH010_v001.mp4", "media/signal_SC010_SH020_v001.mp4",
        "timeline.edl", "timeline.otio", "timeline.xml"]
