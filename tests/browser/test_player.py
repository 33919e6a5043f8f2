"""The review player in Chromium on the shot page, with takes that carry real H.264 media
whose frames differ one from the next (a white bar moves one step per frame)."""

import io

import pytest
from PIL import Image
from skimage import data as skdata

from assets.services import asset_create, asset_file_ingest_image
from shots.services import shot_reference_add
from tests import factories
from tests.browser.conftest import ARTIFACTS, wait_until

pytestmark = pytest.mark.browser

WIDTH, HEIGHT, FRAMES, FPS = 256, 144, 48, 24

PLAYER = "LotixPlayer.current()"
FRAME = "document.querySelector('[data-player-frame]').textContent"
TIMECODE = "document.querySelector('[data-player-timecode]').textContent"
SETTLED = "(() => { const v = document.getElementById('player-video');" \
          " return !v.seeking && v.readyState >= 2; })()"
# Where the white bar sits in the decoded picture on screen: the frame the viewer sees.
BAR_X = """(() => {
  const v = document.getElementById('player-video');
  const c = document.createElement('canvas');
  c.width = v.videoWidth; c.height = v.videoHeight;
  const g = c.getContext('2d');
  g.drawImage(v, 0, 0);
  const row = g.getImageData(0, Math.floor(c.height / 2), c.width, 1).data;
  for (let x = 0; x < c.width; x++) if (row[x * 4] > 170) return x;
  return -1;
})()"""
INK = """(() => {
  const c = document.querySelector('[data-player-canvas]');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
  return n;
})()"""


def bar_x(frame):
    return int((WIDTH - 8) * frame / (FRAMES - 1))


def jpeg(pixels) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@pytest.fixture
def reviewed(db):
    """A director, a shot with first-frame and last-frame references and two finished takes."""
    director = factories.user(username="dana")
    project = factories.project(name="Harbour")
    factories.membership(project=project, user=director, role="director")
    shot = factories.shot(scene=factories.scene(project=project), fps=FPS, aspect_ratio="16:9")
    for kind, name, pixels, role in (("character", "Chelsea", skdata.chelsea(), "first_frame"),
                                     ("prop", "Coffee", skdata.coffee(), "last_frame")):
        asset = asset_create(project=project, actor=director, kind=kind, name=name)
        f = asset_file_ingest_image(asset=asset, actor=director, data=jpeg(pixels),
                                    original_name=f"{name.lower()}.jpg")
        shot_reference_add(shot=shot, actor=director, asset_file=f, role=role, job="identity")
    take = factories.finished_take(shot=shot, frames=FRAMES, fps=FPS, width=WIDTH, height=HEIGHT)
    other = factories.finished_take(shot=shot, frames=36, fps=FPS, width=WIDTH, height=HEIGHT)
    return project, shot, take, other


def open_shot(page, live_server, project, shot, number=1):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("dana")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/p/{project.slug}/shots/{shot.pk}/?take={number}")
    wait_until(page, SETTLED)


def set_range(page, selector, value):
    """Move a range input as a person would (Playwright cannot fill one)."""
    page.locator(selector).evaluate(
        "(e, v) => { e.value = v; e.dispatchEvent(new Event('input', {bubbles: true})); }", value)


def press(page, key, times=1):
    for _ in range(times):
        page.keyboard.press(key)
    wait_until(page, SETTLED)


@pytest.mark.django_db(transaction=True)
def test_it_steps_frame_by_frame_with_the_keyboard_and_shows_that_frame(
    live_server, page, reviewed
):
    project, shot, take, _ = reviewed
    open_shot(page, live_server, project, shot)
    assert page.evaluate(f"[{PLAYER}.take, {PLAYER}.fps, {PLAYER}.frames]") == [
        str(take.uuid), FPS, FRAMES]
    assert page.evaluate(FRAME) == "0"

    press(page, "ArrowRight", 5)
    assert page.evaluate(FRAME) == "5"
    assert page.evaluate(f"{PLAYER}.frame()") == 5
    assert abs(page.evaluate(BAR_X) - bar_x(5)) <= 1  # the picture is frame 5, not 4 or 6
    assert page.evaluate(TIMECODE) == "00:00:00:05"

    press(page, "Shift+ArrowRight")
    assert page.evaluate(FRAME) == "15"
    assert abs(page.evaluate(BAR_X) - bar_x(15)) <= 1
    press(page, "Shift+ArrowRight", 2)
    assert page.evaluate(FRAME) == "35"
    assert page.evaluate(TIMECODE) == "00:00:01:11"
    press(page, "ArrowLeft")
    assert page.evaluate(FRAME) == "34"
    press(page, "Shift+ArrowRight", 3)  # clamped to the last frame
    assert page.evaluate(FRAME) == str(FRAMES - 1)
    assert abs(page.evaluate(BAR_X) - bar_x(FRAMES - 1)) <= 1
    press(page, "Shift+ArrowLeft", 6)
    assert page.evaluate(FRAME) == "0"

    # The visible buttons do the same.
    page.get_by_role("button", name="Forward 10 frames").click()
    page.get_by_role("button", name="Forward one frame").click()
    wait_until(page, SETTLED)
    assert page.evaluate(FRAME) == "11"

    # A notes list link seeks the player (contract: data-seek-frame + data-take).
    page.evaluate("""(take) => {
        const a = document.createElement('a');
        a.href = '#'; a.id = 'seek-link'; a.textContent = 'frame 12';
        a.setAttribute('data-seek-frame', '12'); a.setAttribute('data-take', take);
        document.body.appendChild(a);
    }""", str(take.uuid))
    page.locator("#seek-link").click()
    wait_until(page, SETTLED)
    assert page.evaluate(FRAME) == "12"

    # The filmstrip still scrubs on hover and seeks on click.
    strip = page.locator(".filmstrip")
    strip.scroll_into_view_if_needed()
    box = strip.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert 1 < int(strip.get_attribute("aria-valuenow")) < int(strip.get_attribute("data-tiles"))
    page.mouse.click(box["x"] + box["width"] - 2, box["y"] + box["height"] / 2)
    wait_until(page, SETTLED)
    assert strip.get_attribute("aria-valuenow") == strip.get_attribute("data-tiles")
    assert page.evaluate(FRAME) == str(FRAMES - 1)
    assert page.console_errors == []


@pytest.mark.django_db(transaction=True)
def test_it_loops_between_in_and_out_and_shuttles_with_j_k_l(live_server, page, reviewed):
    project, shot, _, _ = reviewed
    open_shot(page, live_server, project, shot)
    page.evaluate(f"{PLAYER}.on('frame', d => (window.seen = window.seen || []).push(d.frame))")
    press(page, "Shift+ArrowRight")
    press(page, "i")
    press(page, "Shift+ArrowRight")
    press(page, "o")
    assert page.locator("[data-player-loop]").inner_text() == "10–20"

    page.keyboard.press("Space")  # starts at the loop in, since the playhead sits on the out
    wait_until(page, f"{PLAYER}.playing()")
    page.evaluate("window.seen = []")
    page.wait_for_timeout(1500)  # 11 frames at 24 fps: more than three times round the loop
    seen = page.evaluate("window.seen")
    page.keyboard.press("k")
    assert not page.evaluate(f"{PLAYER}.playing()")
    assert seen and min(seen) >= 10 and max(seen) <= 20, seen
    went_round = any(b < a for a, b in zip(seen, seen[1:], strict=False))
    assert went_round, f"never went round the loop: {seen}"
    assert 10 <= int(page.evaluate(FRAME)) <= 20

    page.keyboard.press("Escape")
    assert page.locator("[data-player-loop]").inner_text() == "off"

    # L plays forward, L again doubles the speed, K stops; J runs backwards.
    press(page, "Shift+ArrowLeft", 3)
    assert page.evaluate(FRAME) == "0"
    page.keyboard.press("l")
    wait_until(page, f"{PLAYER}.playing()")
    page.keyboard.press("l")
    assert page.evaluate("document.getElementById('player-video').playbackRate") == 2
    assert page.locator("[data-player-speed]").input_value() == "2"
    page.wait_for_timeout(300)
    page.keyboard.press("k")
    wait_until(page, SETTLED)
    after_l = int(page.evaluate(FRAME))
    assert after_l > 0
    page.keyboard.press("j")
    page.wait_for_timeout(300)
    page.keyboard.press("k")
    wait_until(page, SETTLED)
    assert int(page.evaluate(FRAME)) < after_l
    assert not page.evaluate(f"{PLAYER}.playing()")

    page.get_by_label("Speed", exact=True).select_option("0.5")
    assert page.evaluate("document.getElementById('player-video').playbackRate") == 0.5

    page.keyboard.press("f")
    wait_until(page, "document.fullscreenElement"
                     " && document.fullscreenElement.matches('[data-player]')")
    page.keyboard.press("f")
    wait_until(page, "document.fullscreenElement === null")
    assert page.console_errors == []


@pytest.mark.django_db(transaction=True)
def test_it_compares_the_take_with_its_references_and_with_another_take(
    live_server, page, screenshot, reviewed
):
    project, shot, take, other = reviewed
    page.set_viewport_size({"width": 1280, "height": 1200})  # the whole player in view
    open_shot(page, live_server, project, shot)
    stage = page.locator("[data-player-stage]")
    pane_b = page.locator("[data-player-pane-b]")
    compare = page.get_by_label("Compare", exact=True)

    compare.select_option("first")
    wait_until(page, "document.querySelector('[data-player-compare-image]').naturalWidth > 0")
    assert pane_b.is_visible()
    assert "Chelsea" in pane_b.inner_text()
    a, b = page.locator("[data-player-pane-a]").bounding_box(), pane_b.bounding_box()
    assert b["x"] >= a["x"] + a["width"] - 1  # side by side
    screenshot("compare-first-side")

    page.get_by_label("View", exact=True).select_option("wipe")
    assert page.locator("[data-player-divider]").is_visible()
    a, b = page.locator("[data-player-pane-a]").bounding_box(), pane_b.bounding_box()
    assert abs(b["x"] - a["x"]) < 1 and abs(b["width"] - a["width"]) < 1  # on top of the take
    set_range(page, "[data-player-wipe]", 30)
    assert "30%" in pane_b.evaluate("e => getComputedStyle(e).clipPath")
    # Dragging on the picture moves the divider.
    stage.scroll_into_view_if_needed()
    box = stage.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.7, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    assert 68 <= int(page.get_by_label("Wipe position", exact=True).input_value()) <= 72
    screenshot("compare-first-wipe")

    # The other take plays in sync: play, pause, seek and rate follow the player.
    compare.select_option("take")
    assert page.get_by_label("Other take", exact=True).input_value() == str(other.uuid)
    page.get_by_label("View", exact=True).select_option("side")
    stage.focus()  # the keys go to the player, not to the select
    other_video = "document.querySelector('[data-player-other-video]')"
    wait_until(page, f"{other_video}.readyState >= 2")
    assert page.locator("video").count() == 2
    page.keyboard.press("Space")
    wait_until(page, f"!{other_video}.paused")
    page.wait_for_timeout(400)
    page.keyboard.press("Space")
    wait_until(page, f"{other_video}.paused")
    press(page, "Shift+ArrowRight")
    wait_until(page, f"!{other_video}.seeking")
    drift = page.evaluate(f"Math.abs({other_video}.currentTime"
                          " - document.getElementById('player-video').currentTime)")
    assert drift < 1 / FPS, drift
    page.get_by_label("Speed", exact=True).select_option("1.5")
    assert page.evaluate(f"{other_video}.playbackRate") == 1.5
    press(page, "ArrowLeft", 3)
    wait_until(page, f"!{other_video}.seeking")
    page.wait_for_timeout(200)
    screenshot("compare-view")
    stage.scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, -80)")  # clear of the sticky top bar
    page.locator(".player").screenshot(path=str(ARTIFACTS / "compare-view-player.png"))
    page.get_by_label("View", exact=True).select_option("wipe")
    set_range(page, "[data-player-wipe]", 50)
    screenshot("compare-take-wipe")

    # The take's last frame against the shot's last-frame reference.
    compare.select_option("last")
    wait_until(page, "document.querySelector('[data-player-last-image]').naturalWidth > 0 &&"
                     " document.querySelector('[data-player-compare-image]').naturalWidth > 0")
    assert page.locator("video").count() == 1
    assert "Coffee" in pane_b.inner_text()
    assert page.locator("[data-player-last-image]").is_visible()
    page.get_by_label("View", exact=True).select_option("side")
    screenshot("compare-last-side")

    compare.select_option("off")
    assert not pane_b.is_visible()
    assert page.console_errors == []


@pytest.mark.django_db(transaction=True)
def test_it_reports_a_missing_compare_source_as_a_disabled_mode_with_the_reason(
    live_server, page, db
):
    director = factories.user(username="dana")
    project = factories.project(name="Harbour")
    factories.membership(project=project, user=director, role="director")
    shot = factories.shot(scene=factories.scene(project=project), fps=FPS)
    factories.finished_take(shot=shot, frames=FRAMES, fps=FPS, width=WIDTH, height=HEIGHT)
    open_shot(page, live_server, project, shot)
    for mode, reason in (("first", "This shot has no first-frame reference."),
                         ("take", "No other finished take of this shot to compare with."),
                         ("last", "This shot has no last-frame reference.")):
        option = page.locator(f'[data-player-compare] option[value="{mode}"]')
        assert option.is_disabled()
        assert option.get_attribute("title") == reason
    assert page.console_errors == []


@pytest.mark.django_db(transaction=True)
def test_it_draws_on_the_frame_saves_the_drawing_with_a_note_and_redraws_it(
    live_server, page, screenshot, reviewed
):
    from takes.models import Note
    from takes.notes import note_add

    project, shot, take, _ = reviewed
    director = project.memberships.get(user__username="dana")
    rect = {"tool": "rect", "color": "#4da6ff", "width": 0.004, "points": [[0.1, 0.1], [0.5, 0.5]]}
    note_add(take=take, membership=director, body="The bar flares here.", frame_in=30,
             annotation={"30": [rect]})
    page.set_viewport_size({"width": 1280, "height": 1200})
    open_shot(page, live_server, project, shot)
    press(page, "ArrowRight", 12)
    assert page.evaluate(INK) == 0

    page.get_by_role("button", name="Draw", exact=True).click()
    page.get_by_role("button", name="Arrow", exact=True).click()
    page.get_by_role("button", name="Yellow", exact=True).click()
    canvas = page.locator("[data-player-canvas]")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.3, steps=6)
    page.mouse.up()
    assert page.evaluate(INK) > 200
    assert page.locator("[data-player-draw-status]").inner_text() == "Unsaved strokes: 1"
    screenshot("player-drawing")

    # The stroke belongs to frame 12: gone on frame 13, back on frame 12.
    press(page, "ArrowRight")
    assert page.evaluate(INK) == 0
    press(page, "ArrowLeft")
    assert page.evaluate(INK) > 200

    # The saved note's drawing (#notes-data-<uuid>, rendered by the notes panel) shows on its
    # frame, also when stepping while paused, and only there.
    press(page, "Shift+ArrowRight", 2)
    press(page, "ArrowLeft", 2)
    assert page.evaluate(FRAME) == "30"
    assert page.evaluate(INK) > 200
    press(page, "ArrowRight")
    assert page.evaluate(INK) == 0

    # Adding a note sends the frame and the unsaved strokes, then clears them.
    press(page, "ArrowLeft", 19)
    assert page.evaluate(FRAME) == "12"
    page.locator(f"#note-body-{take.uuid}").fill("The bar should stop at the cup.")
    page.get_by_role("button", name="Add note").click()
    wait_until(page, "document.querySelector('[data-player-draw-status]').textContent"
                     " === 'Unsaved strokes: 0'")
    note = Note.objects.get(take=take, body="The bar should stop at the cup.")
    assert (note.frame_in, note.frame_out) == (12, None)
    assert list(note.annotation) == ["12"]
    [stroke] = note.annotation["12"]
    assert stroke["tool"] == "arrow" and stroke["color"] == "#ffd23f"
    (x0, y0), (x1, y1) = stroke["points"]
    assert abs(x0 - 0.2) < 0.02 and abs(y0 - 0.7) < 0.02
    assert abs(x1 - 0.6) < 0.02 and abs(y1 - 0.3) < 0.02
    assert page.evaluate(INK) > 200  # now drawn from the saved note

    # With a loop set, the note covers the loop's range.
    press(page, "i")
    press(page, "ArrowRight", 4)
    press(page, "o")
    page.locator(f"#note-body-{take.uuid}").fill("Hold these four frames longer.")
    page.get_by_role("button", name="Add note").click()
    wait_until(page, "document.querySelectorAll('[data-note]').length === 3")
    note = Note.objects.get(take=take, body="Hold these four frames longer.")
    assert (note.frame_in, note.frame_out, note.annotation) == (12, 16, {})

    # After a reload the arrow is drawn again on frame 12.
    page.reload()
    wait_until(page, SETTLED)
    press(page, "ArrowRight", 12)
    assert page.evaluate(INK) > 200
    press(page, "ArrowRight")
    assert page.evaluate(INK) == 0
    assert page.console_errors == []
