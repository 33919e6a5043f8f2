"""The asset library in Chromium: drop two photographs, watch both bars, read the preflight."""

import base64
import io

import pytest
import skimage.data
from PIL import Image

from assets.models import AssetFile
from tests import factories
from tests.browser.conftest import wait_until

pytestmark = pytest.mark.browser

DROP = """([files]) => {
  const transfer = new DataTransfer();
  for (const [name, data] of files) {
    const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
    transfer.items.add(new File([bytes], name, {type: "image/jpeg"}));
  }
  const zone = document.getElementById("drop-zone");
  zone.dispatchEvent(new DragEvent("dragenter", {dataTransfer: transfer, bubbles: true}));
  zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true}));
}"""


def jpeg(pixels, size=None) -> str:
    image = Image.fromarray(pixels)
    if size:
        image = image.resize(size, Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92)
    return base64.b64encode(buffer.getvalue()).decode()


@pytest.mark.django_db(transaction=True)
def test_it_uploads_two_dropped_photographs_with_a_bar_each(live_server, page, screenshot):
    project = factories.project(name="Signal", slug="signal")
    factories.membership(project=project, user=factories.user(username="dana"), role="director")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("dana")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/p/signal/assets/")
    page.get_by_label("New asset name").fill("Kitchen")
    page.get_by_label("Kind").select_option("location")
    page.evaluate(DROP, [[
        ["rocket-wide.jpg", jpeg(skimage.data.rocket(), (1920, 1080))],
        ["coffee-small.jpg", jpeg(skimage.data.coffee())],
    ]])

    wait_until(page, "document.querySelectorAll('#upload-queue li.upload-done').length === 2")
    wait_until(page, "document.getElementById('library-counts').textContent.includes('2 files')")
    bars = page.locator("#upload-queue [role=progressbar]")
    assert bars.count() == 2
    assert [bars.nth(i).get_attribute("aria-valuenow") for i in range(2)] == ["100", "100"]
    assert page.locator("#upload-queue").inner_text().count("added") == 2
    page.mouse.wheel(0, 2000)
    wait_until(page, "Array.from(document.querySelectorAll('.asset-thumb img'))"
                     ".every(img => img.complete && img.naturalWidth > 0)")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot("asset-library-uploaded")

    assert AssetFile.objects.filter(asset__name="Kitchen").count() == 2
    small = page.locator(".asset-file", has_text="coffee-small.jpg")
    assert small.locator(".chip.preflight-warn", has_text="Resolution").count() == 1
    small.locator("summary").click()
    details = small.locator("details")
    assert "600×400 is below the advised 1280×720" in details.inner_text()
    wide = page.locator(".asset-file", has_text="rocket-wide.jpg")
    assert wide.locator(".chip.preflight-warn", has_text="Resolution").count() == 0

    # The usage record saves in place through htmx.
    details.get_by_label("Rights owner").fill("NASA")
    details.get_by_label("Approval").select_option("internal")
    details.get_by_role("button", name="Save usage record").click()
    wait_until(page, "document.body.innerText.includes('Saved.')")
    screenshot("asset-library-preflight")
    assert AssetFile.objects.get(original_name="coffee-small.jpg").rights_owner == "NASA"
    assert page.console_errors == []

    # A file that is not an image is refused with its sentence, and nothing is stored.
    page.evaluate(DROP, [[["notes.jpg", base64.b64encode(b"shot notes, not a photo").decode()]]])
    wait_until(page, "document.querySelectorAll('#upload-queue li.upload-failed').length === 1")
    refusal = page.locator("#upload-queue li.upload-failed").inner_text()
    assert "not uploaded" in refusal and "notes.jpg" in refusal
    assert AssetFile.objects.count() == 2
    # Chromium logs every 4xx answer; the refusal's 400 is the only line allowed.
    assert page.console_errors == [
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"]
