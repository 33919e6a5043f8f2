import pytest

from shots.models import Scene, Shot
from tests import factories
from tests.browser.conftest import wait_until

pytestmark = pytest.mark.browser


def board_codes(page):
    return page.locator(".shot-card .shot-card-head .code").all_inner_texts()


@pytest.mark.django_db(transaction=True)
def test_it_lets_a_director_plan_a_scene_and_shots_by_keyboard(live_server, page, screenshot):
    project = factories.project(name="Harbour")
    director = factories.user(username="ines")
    factories.membership(project=project, user=director, role="director")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("ines")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Harbour").click()

    page.get_by_label("Title").last.fill("Harbour at dawn")
    page.get_by_role("button", name="Add scene").click()
    page.wait_for_selector("text=Scene SC010 added.")
    page.get_by_label("Subject & action").fill("Gulls lift off the pier.")
    page.get_by_role("button", name="Add shot to SC010").click()
    page.wait_for_selector("text=Shot SC010/SH010 added.")
    page.get_by_role("button", name="Add shot to SC010").click()
    page.wait_for_selector("text=Shot SC010/SH020 added.")
    assert board_codes(page) == ["SH010", "SH020"]

    # Reorder by keyboard: focus SH020's "up" button, press Enter; focus stays on it.
    page.get_by_role("button", name="Move SH020 up").focus()
    page.keyboard.press("Enter")
    wait_until(page, "document.querySelector('.shot-card .code').textContent === 'SH020'")
    assert board_codes(page) == ["SH020", "SH010"]
    wait_until(page, "document.activeElement && document.activeElement.getAttribute("
                     "'aria-label') === 'Move SH020 down'")
    scene = Scene.objects.get(project=project)
    assert list(Shot.objects.filter(scene=scene).order_by("order")
                .values_list("code", flat=True)) == ["SH020", "SH010"]
    # Drag with a mouse: SH010 back before SH020; board.js posts the order, then reloads.
    with page.expect_navigation():
        page.locator('.shot-card[data-shot="SH010"]').drag_to(
            page.locator('.shot-card[data-shot="SH020"]'), target_position={"x": 10, "y": 60})
    assert board_codes(page) == ["SH010", "SH020"]
    assert list(Shot.objects.filter(scene=scene).order_by("order")
                .values_list("code", flat=True)) == ["SH010", "SH020"]
    page.evaluate("window.scrollTo(0, 0)")
    screenshot("coverage-board")

    shot = Shot.objects.get(scene=scene, code="SH010")
    page.goto(f"{live_server.url}/p/{project.slug}/shots/{shot.pk}/plan")
    assert page.locator("[data-lint]").count() == 0
    page.get_by_label("Camera movement").select_option("static")
    prompt = " ".join(["The gulls lift off the wet pier"] + ["slowly"] * 33)
    assert len(prompt.split()) == 40
    page.get_by_label("Motion prompt (what moves)").fill(prompt)
    page.wait_for_selector('[data-lint="too_long"]')
    assert "40 words" in page.locator('[data-lint="too_long"]').inner_text()
    assert "Static camera." in page.locator("#prompt-preview").inner_text()
    page.get_by_label("Negative constraints (one per line)").fill("text\nwatermark")
    wait_until(page, "document.querySelector('#negative-preview').textContent"
                     " === 'text, watermark'")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot("shot-plan-form")
    page.get_by_label("Motion prompt (what moves)").press("Control+Enter")
    page.wait_for_selector("text=Plan of SC010/SH010 saved.")
    assert Shot.objects.get(pk=shot.pk).motion_prompt == prompt
    assert page.console_errors == []
