"""Batch from images in Chromium: three real photographs, one shared previz template, a real
worker, and the batch page counting up to "3 of 3 done"."""

import io
import time

import pytest
from PIL import Image
from skimage import data as skdata

from assets.services import asset_create, asset_file_ingest_image
from shots.models import Shot
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.worker]


def jpeg(pixels) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@pytest.mark.django_db(transaction=True)
def test_it_batches_three_photos_into_shots_and_watches_them_finish(
    live_server, worker, page, screenshot
):
    director = factories.user(username="dana")
    project = factories.project(name="Catalogue")
    factories.membership(project=project, user=director, role="director")
    for name, pixels in (("Cat", skdata.chelsea()), ("Coffee", skdata.coffee()),
                         ("Astronaut", skdata.astronaut())):
        asset = asset_create(project=project, actor=director, kind="prop", name=name)
        asset_file_ingest_image(asset=asset, actor=director, data=jpeg(pixels),
                                original_name=f"{name.lower()}.jpg")

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("dana")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/p/{project.slug}/")
    page.get_by_role("link", name="Batch from images").click()
    page.wait_for_load_state()

    page.get_by_label("Select all").check()
    assert page.locator("#batch-count").inner_text() == "3 of 3 selected"
    page.get_by_label("New scene title").fill("Products")
    page.get_by_label("Subject & action").fill("{name} rests on a table")
    page.get_by_label("Camera movement").select_option("push_in")
    page.get_by_label("Duration (seconds)").fill("2")
    page.get_by_label("Motion prompt").fill("The camera eases in.")
    page.get_by_label("Model profile").select_option("previz")
    page.locator("#batch-not-offered summary").click()
    assert "needs a last frame" in page.locator("#batch-not-offered").inner_text()
    screenshot("batch-new")
    page.get_by_role("button", name="Create shots and generate").click()
    page.wait_for_url("**/batches/*/")

    summary = page.locator("#batch-summary")
    seen = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        # One read in the page: htmx swaps the whole block every second.
        state = page.evaluate(
            "(() => { const b = document.querySelector('.batch-overall');"
            " const s = document.getElementById('batch-summary');"
            " return [b ? parseInt(b.getAttribute('aria-valuenow'), 10) : -1,"
            " s ? s.textContent : '']; })()")
        seen.append(state[0])
        if state[1].startswith("3 of 3 done"):
            break
        page.wait_for_timeout(100)
    assert summary.inner_text().startswith("3 of 3 done · 0 failed · 0 running/queued"), seen
    assert page.locator(".batch-overall").get_attribute("aria-valuenow") == "100"
    assert len(set(seen)) >= 2, seen  # the overall bar moved
    assert page.locator(".batch-shot").count() == 3
    assert page.locator('.take[data-status="succeeded"]').count() == 3
    screenshot("batch-done")

    shots = list(Shot.objects.filter(scene__project=project).order_by("order"))
    assert [s.code for s in shots] == ["SH010", "SH020", "SH030"]
    assert shots[0].subject_action == "Astronaut rests on a table"
    page.locator(".batch-shot-link", has_text="SH010").click()
    page.wait_for_load_state()
    assert "/shots/" in page.url
    assert page.console_errors == []
