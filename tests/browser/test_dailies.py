"""The dailies room in Chromium against a live server: a producer runs a session by keyboard,
a follower follows the presenter, a guest comments through a share link, an expired link is
gone. The takes carry real H.264 media whose frames differ one from the next."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from dailies import services
from dailies.models import ShareLink
from projects.models import Membership
from takes.models import Note, Take
from tests import factories
from tests.browser.conftest import wait_until

pytestmark = pytest.mark.browser

FRAMES, FPS = 48, 24
FRAME = "document.querySelector('#dailies-review [data-player-frame]').textContent"
CURRENT = ("(() => { const e = document.querySelector('#dailies-entries .is-current');"
           " return e ? e.dataset.entry : null; })()")
SETTLED = ("(() => { const v = document.querySelector('#dailies-review [data-player-video]');"
           " return !!v && !v.seeking && v.readyState >= 2; })()")
INK = """(() => {
  const c = document.querySelector('#dailies-review [data-player-canvas]');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
  return n;
})()"""


@pytest.fixture
def dailies(db):
    """A producer, a director, one shot with two finished takes, an open session of both."""
    producer = factories.user(username="pia")
    director = factories.user(username="dana")
    project = factories.project(name="Harbour")
    factories.membership(project=project, user=producer, role="producer")
    factories.membership(project=project, user=director, role="director")
    shot = factories.shot(scene=factories.scene(project=project), fps=FPS)
    first = factories.finished_take(shot=shot, frames=FRAMES, fps=FPS)
    second = factories.finished_take(shot=shot, frames=FRAMES, fps=FPS)
    session = services.dailies_create(
        membership=Membership.objects.select_related("project", "user").get(user=producer),
        title="Monday dailies", take_uuids=[first.uuid, second.uuid])
    return {"producer": producer, "director": director, "project": project, "shot": shot,
            "first": first, "second": second, "session": session}


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def room_url(live_server, d):
    return f"{live_server.url}/p/{d['project'].slug}/dailies/{d['session'].pk}/"


def open_room(page, live_server, d):
    page.goto(room_url(live_server, d))
    wait_until(page, SETTLED)


def press(page, key, times=1):
    for _ in range(times):
        page.keyboard.press(key)
        wait_until(page, SETTLED)


def frame(page) -> int:
    return int(page.evaluate(FRAME))


@pytest.mark.django_db(transaction=True)
def test_a_producer_runs_a_session_by_keyboard(live_server, page, screenshot, dailies):
    d = dailies
    log_in(page, live_server, "pia")
    open_room(page, live_server, d)
    assert page.evaluate(CURRENT) == "1"

    # Space plays, K pauses; → five times moves the counter five frames on.
    page.keyboard.press(" ")
    wait_until(page, "LotixPlayer.current().playing()", timeout_s=5)
    page.wait_for_timeout(250)
    page.keyboard.press("k")
    wait_until(page, "!LotixPlayer.current().playing()", timeout_s=5)
    wait_until(page, SETTLED)
    start = frame(page)
    assert start < FRAMES - 6
    press(page, "ArrowRight", 5)
    wait_until(page, f"{FRAME} === '{start + 5}'", timeout_s=5)

    # 4 approves: the decision panel and the session list both say so.
    page.keyboard.press("4")
    wait_until(page, "(document.querySelector('#dailies-review [data-review-state-chip]')"
                     " || {}).textContent === 'Approved'", timeout_s=10)
    wait_until(page, "document.querySelector('#dailies-entries [data-entry=\"1\"]"
                     " [data-entry-state]').textContent.trim() === 'Approved'", timeout_s=10)
    assert Take.objects.get(pk=d["first"].pk).review_state == "approved"
    decision = d["first"].decisions.get()
    assert decision.dailies_session_id == d["session"].pk

    # To frame 12, draw an arrow there (the drag is the only mouse work), N, type, submit.
    here = frame(page)
    press(page, "ArrowLeft" if here > 12 else "ArrowRight", abs(here - 12))
    assert frame(page) == 12
    page.keyboard.press("d")
    arrow = page.locator("#dailies-review [data-player-tool='arrow']")
    arrow.focus()
    page.keyboard.press("Enter")
    canvas = page.locator("#dailies-review [data-player-canvas]")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.75)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.65, box["y"] + box["height"] * 0.3, steps=6)
    page.mouse.up()
    assert page.evaluate(INK) > 100
    page.keyboard.press("d")
    page.keyboard.press("n")
    assert page.evaluate("document.activeElement.name") == "body"
    page.keyboard.type("The bar jumps here; hold it steady.")
    for _ in range(6):  # Tab to the form's submit button
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type === 'submit'"):
            break
    assert page.evaluate("document.activeElement.textContent.trim()") == "Add note"
    page.keyboard.press("Enter")
    wait_until(page, "document.querySelector('#dailies-review .note-list') !== null"
                     " && document.querySelector('#dailies-review .note-list').textContent"
                     ".includes('hold it steady')", timeout_s=10)
    note = Note.objects.get()
    assert note.frame_in == 12 and list(note.annotation) == ["12"]
    assert note.annotation["12"][0]["tool"] == "arrow"

    # After a reload the note is listed and its arrow is drawn again on frame 12, not on 11.
    page.reload()
    wait_until(page, SETTLED)
    assert "hold it steady" in page.locator("#dailies-review .note-list").inner_text()
    press(page, "ArrowRight", 11)
    assert frame(page) == 11 and page.evaluate(INK) == 0
    press(page, "ArrowRight")
    assert frame(page) == 12
    wait_until(page, f"{INK} > 100", timeout_s=5)
    page.evaluate("window.scrollTo(0, 0)")  # sticky header and list where a person sees them
    path = screenshot("dailies-room")
    assert path.exists()

    # With "next take after a decision" on, 2 (maybe) moves the room to the second take.
    page.locator("[data-auto-advance]").check()
    page.evaluate("window.sameDocument = true")
    page.keyboard.press("2")
    wait_until(page, f"{CURRENT} === '2'", timeout_s=10)
    wait_until(page, f"document.getElementById('review-{d['second'].uuid}') !== null",
               timeout_s=5)
    assert page.evaluate("window.sameDocument === true")  # swapped by htmx, not reloaded
    assert Take.objects.get(pk=d["first"].pk).review_state == "maybe"

    # Closing the session leads to its summary: decisions with who, notes with frames.
    page.get_by_role("button", name="Close session").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/dailies/{d['session'].pk}/summary")
    summary = page.locator(".dailies-summary").inner_text()
    assert "Unreviewed → Approved by pia" in summary and "Approved → Maybe by pia" in summary
    assert "f12" in summary and "hold it steady" in summary
    screenshot("dailies-summary")
    page.goto(f"{live_server.url}/p/{d['project'].slug}/dailies/")
    screenshot("dailies-list")
    assert page.console_errors == []


@pytest.mark.django_db(transaction=True)
def test_a_follower_follows_the_presenter_within_a_second(live_server, chromium, page, dailies):
    d = dailies
    log_in(page, live_server, "pia")
    open_room(page, live_server, d)
    page.get_by_role("button", name="Present").click()
    wait_until(page, "document.querySelector('[data-present]').getAttribute('aria-pressed')"
                     " === 'true'", timeout_s=5)
    page.evaluate("document.activeElement.blur()")  # Space on the button would stop presenting

    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    follower = context.new_page()
    errors = []
    follower.on("pageerror", lambda error: errors.append(str(error)))
    try:
        log_in(follower, live_server, "dana")
        open_room(follower, live_server, d)
        wait_until(follower, "document.getElementById('dailies-presence').textContent"
                             ".includes('pia is presenting')", timeout_s=5)
        assert follower.evaluate(CURRENT) == "1"

        # The presenter moves to the second take: the follower's room follows.
        page.keyboard.press("ArrowDown")
        wait_until(page, f"{CURRENT} === '2'", timeout_s=5)
        started = time.monotonic()
        wait_until(follower, f"{CURRENT} === '2'", timeout_s=1.0)
        took_take = time.monotonic() - started

        # The presenter seeks to frame 20: the follower's counter reads 20.
        wait_until(page, SETTLED)
        press(page, "Shift+ArrowRight", 2)
        assert frame(page) == 20
        started = time.monotonic()
        wait_until(follower, f"{SETTLED} && {FRAME} === '20'", timeout_s=1.0)
        took_frame = time.monotonic() - started
        print(f"follower caught up: take in {took_take:.2f} s, frame in {took_frame:.2f} s")

        # Play and pause are mirrored.
        press(page, "Shift+ArrowLeft", 2)
        wait_until(follower, f"{SETTLED} && {FRAME} === '0'", timeout_s=1.0)
        page.keyboard.press(" ")
        wait_until(follower, "LotixPlayer.current().playing()", timeout_s=1.0)
        page.keyboard.press("k")
        wait_until(follower, "!LotixPlayer.current().playing()", timeout_s=1.0)

        # Following off: the presenter moves on, the follower stays.
        follower.locator("[data-follow]").uncheck()
        page.keyboard.press("ArrowUp")
        wait_until(page, f"{CURRENT} === '1'", timeout_s=5)
        follower.wait_for_timeout(900)
        assert follower.evaluate(CURRENT) == "2"

        # The presenter leaves the room: presenting stops, the follower is told.
        page.goto(f"{live_server.url}/p/{d['project'].slug}/dailies/")
        wait_until(follower, "document.getElementById('dailies-presence').textContent === ''",
                   timeout_s=3)
        assert errors == [] and page.console_errors == []
    finally:
        context.close()


@pytest.mark.django_db(transaction=True)
def test_a_guest_opens_a_link_with_a_passphrase_and_comments(live_server, page, screenshot,
                                                             dailies):
    d = dailies
    _, token = services.share_link_create(
        membership=Membership.objects.select_related("project", "user").get(
            user=d["producer"]),
        session=d["session"], expires_at=timezone.now() + timedelta(days=2),
        passphrase="blue jacket", can_comment=True)
    page.goto(f"{live_server.url}/d/{token}/")
    page.get_by_label("Passphrase").fill("red jacket")
    page.get_by_role("button", name="Open").click()
    assert "That passphrase is not right." in page.content()
    page.console_errors.clear()  # the refused passphrase answered 400, as it should
    page.get_by_label("Passphrase").fill("blue jacket")
    page.get_by_role("button", name="Open").click()
    wait_until(page, SETTLED)
    assert page.locator("#dailies-entries [data-entry]").count() == 2
    assert page.locator("[data-decide-key]").count() == 0
    press(page, "ArrowRight", 6)
    page.get_by_label("Your name").fill("Ana from the agency")
    page.get_by_label("New note at the current frame (or the loop)").fill("Lovely light.")
    page.get_by_role("button", name="Add note").click()
    wait_until(page, "document.querySelector('#dailies-review .note-list') !== null",
               timeout_s=10)
    listed = page.locator("#dailies-review .note-list").inner_text()
    assert "Lovely light." in listed and "guest" in listed.lower()
    note = Note.objects.get()
    assert note.is_guest and note.guest_name == "Ana from the agency" and note.frame_in == 6
    assert note.share_link_id == ShareLink.objects.get().pk
    page.evaluate("window.scrollTo(0, 0)")
    screenshot("dailies-guest")
    # The next take's note form already carries the guest's name.
    page.keyboard.press("Escape")
    page.locator("body").focus()
    page.keyboard.press("ArrowDown")
    wait_until(page, f"{CURRENT} === '2'", timeout_s=5)
    wait_until(page, f"document.getElementById('review-{d['second'].uuid}') !== null",
               timeout_s=5)
    assert page.get_by_label("Your name").input_value() == "Ana from the agency"
    assert page.console_errors == []


@pytest.mark.django_db(transaction=True)
def test_an_expired_link_gets_404(live_server, page, dailies):
    d = dailies
    link, token = services.share_link_create(
        membership=Membership.objects.select_related("project", "user").get(
            user=d["producer"]),
        session=d["session"], expires_at=timezone.now() + timedelta(days=2))
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = page.goto(f"{live_server.url}/d/{token}/")
    assert response.status == 404
    media = page.goto(f"{live_server.url}/d/{token}/takes/{d['first'].uuid}/video.mp4")
    assert media.status == 404


@pytest.mark.django_db(transaction=True)
def test_the_add_or_remove_panel_loads_its_takes_when_opened(live_server, page, screenshot,
                                                             dailies):
    d = dailies
    extra = factories.take(shot=d["shot"])  # finished, not in the session
    log_in(page, live_server, "pia")
    open_room(page, live_server, d)
    options = "document.querySelectorAll('#dailies-add-take option').length"
    assert page.evaluate(options) == 0  # not in the room until the panel opens
    page.locator(".dailies-manage summary").click()
    wait_until(page, f"{options} === 1", timeout_s=10)
    assert page.evaluate("document.querySelector('#dailies-add-take option').value") == str(
        extra.uuid)
    assert page.locator(".dailies-remove button").count() == 2
    screenshot("dailies-chooser")
    page.get_by_role("button", name="Add", exact=True).click()
    page.wait_for_load_state()
    wait_until(page, "document.querySelectorAll('#dailies-entries [data-entry]').length === 3",
               timeout_s=10)
    assert d["session"].entries.count() == 3
