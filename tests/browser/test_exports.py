"""The approved-takes page in Chromium: an MP4 download under its editorial name, and a scene
export built by the real worker, its progress polled until the ZIP can be downloaded."""

import zipfile

import pytest

from exports.models import Export, ExportStatus
from projects.models import Membership
from takes.services import take_decide
from tests import factories
from tests.browser.conftest import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.worker]


@pytest.mark.django_db(transaction=True)
def test_it_downloads_a_take_and_exports_a_scene_from_the_approved_page(
    live_server, worker, page, screenshot, tmp_path
):
    editor = factories.user(username="eddie")
    producer = factories.user(username="prue")
    project = factories.project(name="Harbour")
    factories.membership(project=project, user=editor, role="editor")
    decider = factories.membership(project=project, user=producer, role="producer")
    first = factories.scene(project=project, code="SC010", title="Dock at night")
    second = factories.scene(project=project, code="SC020", title="The crane", order=1)
    for scene, codes in ((first, ("SH010", "SH020")), (second, ("SH010",))):
        for code in codes:
            take = factories.finished_take(shot=factories.shot(scene=scene, code=code),
                                           frames=24)
            take_decide(take=take, membership=decider, state="approved", reason="Good.")
    factories.shot(scene=second, code="SH020", job="Crane lifts the container")

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("eddie")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Harbour").click()
    page.get_by_role("navigation", name="Project").get_by_role("link", name="Approved").click()
    page.wait_for_selector(".approved-row")
    assert page.evaluate("document.querySelectorAll('.approved-row[data-take]').length") == 3
    assert page.evaluate("document.querySelectorAll('.approved-row.is-missing').length") == 1
    assert page.evaluate("Array.from(document.querySelectorAll('.approved-poster'))"
                         ".every(img => img.complete && img.naturalWidth > 0)")
    screenshot("exports-approved")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download harbour_SC010_SH020_v001.mp4").click()
    download = download_info.value
    assert download.suggested_filename == "harbour_SC010_SH020_v001.mp4"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes()[4:8] == b"ftyp"

    # An export the worker is running (made here, so no message reaches the worker): the
    # page polls its progress every second.
    running = Export.objects.create(project=project, created_by=editor, take_count=3,
                                    status=ExportStatus.RUNNING, progress=0.25)
    page.reload()
    bar = f"#export-{running.uuid} [role=progressbar]"
    assert page.evaluate(f"document.querySelector('{bar}').getAttribute('aria-valuenow')") == "25"
    Export.objects.filter(pk=running.pk).update(progress=0.7)
    wait_until(page, f"document.querySelector('{bar}').getAttribute('aria-valuenow') === '70'")
    screenshot("exports-running")
    Export.objects.filter(pk=running.pk).update(
        status=ExportStatus.FAILED, error="The worker was stopped during the export.")
    wait_until(page, f"document.querySelector('#export-{running.uuid}').dataset.status"
                     " === 'failed'")

    page.get_by_role("button", name="Export scene SC010").click()
    page.wait_for_selector(".export-row")
    wait_until(page, "document.querySelector('.export-row').dataset.status === 'succeeded'",
               timeout_s=90)
    screenshot("exports-done")
    link = page.locator(".export-download")
    name = link.get_attribute("download")
    assert name.startswith("harbour_SC010_") and name.endswith(".zip")
    with page.expect_download() as download_info:
        link.click()
    zip_path = tmp_path / "export.zip"
    download_info.value.save_as(zip_path)
    with zipfile.ZipFile(zip_path) as archive:
        assert sorted(n for n in archive.namelist() if n.startswith("media/")) == [
            "media/harbour_SC010_SH010_v001.mp4", "media/harbour_SC010_SH020_v001.mp4"]
    assert not page.console_errors, page.console_errors
    assert Membership.objects.filter(project=project).count() == 2
