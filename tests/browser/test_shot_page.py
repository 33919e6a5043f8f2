"""The shot page in Chromium: references from the library, a refused 10th reference, two previz
variations from a real worker, playback and filmstrip scrub."""

import io
import time

import pytest
from PIL import Image
from skimage import data as skdata

from assets.services import asset_create, asset_file_ingest_image
from shots.services import shot_reference_add
from tests import factories
from tests.browser.conftest import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.worker]


def jpeg(pixels) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def order(shot):
    """The names of the shot's last two references by priority."""
    return list(shot.references.order_by("priority").values_list(
        "asset_file__asset__name", flat=True))[7:]


@pytest.mark.django_db(transaction=True)
def test_it_plans_references_generates_two_previz_takes_and_scrubs_one(
    live_server, worker, page, screenshot
):
    director = factories.user(username="dana")
    project = factories.project(name="Harbour")
    factories.membership(project=project, user=director, role="director")
    shot = factories.shot(scene=factories.scene(project=project), duration_s=8, fps=24,
                          aspect_ratio="16:9", resolution="720p", camera_movement="push_in",
                          motion_prompt="The cat turns its head toward the cup.")
    cat = asset_create(project=project, actor=director, kind="character", name="Chelsea")
    asset_file_ingest_image(asset=cat, actor=director, data=jpeg(skdata.chelsea()),
                            original_name="chelsea.jpg")
    cup = asset_create(project=project, actor=director, kind="prop", name="Coffee")
    asset_file_ingest_image(asset=cup, actor=director, data=jpeg(skdata.coffee()),
                            original_name="coffee.jpg")
    # Seven small style references already attached and one more in the library, so the
    # page can be asked for a tenth image reference.
    style = asset_create(project=project, actor=director, kind="style", name="Palette")
    for i in range(8):
        f = asset_file_ingest_image(asset=style, actor=director, original_name=f"p{i}.png",
                                    data=factories.image_bytes(color=(0, 25 * i, 120)))
        if i < 7:
            shot_reference_add(shot=shot, actor=director, asset_file=f, role="reference",
                               job="style")

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("dana")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/p/{project.slug}/shots/{shot.pk}/")

    def attach(name, role, job, instruction):
        form = page.locator("#reference-add")
        form.locator(".library-file", has_text=name).locator("input").check()
        form.get_by_label("Role").select_option(role)
        form.get_by_label("Job").select_option(job)
        form.get_by_label("Instruction").fill(instruction)
        form.get_by_role("button", name="Attach").click()
        page.wait_for_load_state()

    attach("Chelsea", "first_frame", "identity", "use this for the cat's face and fur")
    attach("Coffee", "last_frame", "prop", "end framed on the cup")
    rows = page.locator(".ref-row")
    assert rows.count() == 9
    first = rows.filter(has_text="Chelsea")
    assert "First frame" in first.inner_text()
    # Both photographs are small, and the cat is 3:2 on a 16:9 shot.
    assert "but the shot is 16:9" in first.inner_text()
    assert "below the advised 1280×720" in first.inner_text()
    screenshot("shot-page-references")

    # Priority by drag: the last frame dropped above the first frame.
    rows.filter(has_text="Coffee").drag_to(rows.filter(has_text="Chelsea"),
                                           source_position={"x": 6, "y": 6},
                                           target_position={"x": 20, "y": 5})
    deadline = time.monotonic() + 10
    while order(shot) != ["Coffee", "Chelsea"] and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert order(shot) == ["Coffee", "Chelsea"]
    page.wait_for_selector(".ref-row:nth-child(8) >> text=Coffee")
    # And back by keyboard: the ↑ button on Chelsea.
    page.get_by_role("button", name="Move Chelsea up").click()
    page.wait_for_load_state()
    assert order(shot) == ["Chelsea", "Coffee"]

    attach("p7.png", "reference", "style", "keep this palette")
    error = page.locator("#reference-add-error")
    assert "at most 9 are allowed" in error.inner_text()
    assert page.locator("#add-instruction").input_value() == "keep this palette"
    assert page.locator(".library-file", has_text="p7.png").locator("input").is_checked()
    assert error.is_visible() and error.bounding_box()["y"] < 800  # scrolled to the reason
    assert page.locator(".ref-row").count() == 9
    screenshot("shot-page-refused-reference")
    # The refusal is answered 400, which Chromium logs as a failed resource: that one is meant.
    assert page.console_errors == [
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"]
    page.console_errors.clear()

    page.goto(f"{live_server.url}/p/{project.slug}/shots/{shot.pk}/")
    # A profile that cannot use this shot's last frame is offered disabled, with the reason.
    wan_i2v = page.locator('#id_profile option[value="wan21-i2v"]')
    assert wan_i2v.is_disabled()
    assert "Wan 2.1 I2V cannot use a last frame" in page.locator("body").inner_text()
    page.get_by_label("Model profile").select_option("previz")
    page.get_by_label("Variations (1–8)").fill("2")
    wait_until(page, "document.getElementById('cost-value').textContent.includes('2 ×')")
    page.get_by_role("button", name="Generate", exact=True).click()

    seen = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        # One read in the page: htmx may swap the bars out between two separate queries.
        values = page.evaluate(
            "Array.from(document.querySelectorAll('[role=progressbar]'))"
            ".map(b => parseInt(b.getAttribute('aria-valuenow') || '0', 10))")
        if values:
            seen.append(max(values))
            if len(set(seen)) == 2:
                screenshot("shot-page-generating")
        if page.locator('.take[data-status="succeeded"]').count() == 2:
            break
        page.wait_for_timeout(100)
    assert page.locator('.take[data-status="succeeded"]').count() == 2, seen
    assert len({v for v in seen if 0 < v < 100}) >= 1, seen

    page.get_by_role("link", name="Play take v001").click()
    page.wait_for_load_state()
    player = page.locator(".player")
    assert player.get_attribute("data-take-label") == "v001"
    recipe = player.locator(".recipe").inner_text()
    assert "first_frame · identity" in recipe and "last_frame · prop" in recipe
    wait_until(page, "document.getElementById('player-video').readyState >= 2")
    page.locator("#player-video").evaluate("v => { v.muted = true; return v.play(); }")
    wait_until(page, "document.getElementById('player-video').currentTime > 0.3")

    strip = page.locator(".filmstrip")
    box = strip.bounding_box()
    page.mouse.move(box["x"] + 2, box["y"] + box["height"] / 2)
    assert strip.get_attribute("aria-valuenow") == "1"
    page.mouse.move(box["x"] + box["width"] * 0.75, box["y"] + box["height"] / 2)
    tiles = int(strip.get_attribute("data-tiles"))
    later = int(strip.get_attribute("aria-valuenow"))
    assert later > 1 and later <= tiles
    position = strip.evaluate("s => s.style.backgroundPosition")
    assert position.startswith(f"-{(later - 1) * int(strip.get_attribute('data-tile-width'))}px")
    screenshot("shot-page-player")
    assert page.console_errors == []
