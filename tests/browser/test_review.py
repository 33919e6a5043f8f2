"""Reviewing a take on the shot page in Chromium: tick the checklist, approve by clicking (the
earlier approved take moves to selected), note a frame range, and find it all after reload."""

import pytest

from projects.models import Membership
from takes.models import Note, Take, TakeDecision
from takes.services import take_decide
from tests import factories
from tests.browser.conftest import wait_until

pytestmark = pytest.mark.browser

FRAME = "document.querySelector('[data-player-frame]').textContent"


@pytest.mark.django_db(transaction=True)
def test_a_producer_approves_by_clicking_notes_a_range_and_sees_the_history_after_reload(
    live_server, page, screenshot
):
    producer = factories.user(username="pia")
    project = factories.project(name="Harbour")
    factories.membership(project=project, user=producer, role="producer")
    shot = factories.shot(scene=factories.scene(project=project),
                          review_standard="Jacket stays red\nCorridor keeps its width")
    first = factories.finished_take(shot=shot)
    second = factories.finished_take(shot=shot)
    take_decide(take=first, membership=Membership.objects.get(user=producer), state="approved",
                reason="Safe choice")

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("pia")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/p/{project.slug}/shots/{shot.pk}/?take=2")
    wait_until(page, "window.LotixPlayer && LotixPlayer.all().length > 0")

    # A colleague decides meanwhile: the page's decision is refused (409) and the panel shows
    # the current state and who made it, instead of overwriting it.
    colleague = factories.user(username="dana")
    factories.membership(project=project, user=colleague, role="director")
    take_decide(take=second, membership=Membership.objects.get(user=colleague), state="maybe",
                reason="Needs a second look")
    page.locator(f"#decision-{second.uuid} [data-decide-key='1']").click()
    wait_until(page, "!!document.querySelector('[data-decision-message]')")
    panel = page.locator(f"#decision-{second.uuid}")
    assert "was decided meanwhile: it is now maybe" in panel.inner_text()
    assert "Maybe by dana" in panel.inner_text()
    assert panel.get_attribute("data-review-state") == "maybe"
    assert Take.objects.get(pk=second.pk).review_state == "maybe"
    screenshot("review-stale-decision-409")

    panel.get_by_label("Jacket stays red").check()
    panel.get_by_label("Does the motion serve the shot?").check()
    panel.get_by_label("Reason").fill("The ending cuts to SH020.")
    panel.locator('[data-decide-key="4"]').click()
    wait_until(page, "document.querySelector('[data-decision-message]').textContent"
                     ".includes('approved')")
    message = page.locator(f"#decision-{second.uuid} [data-decision-message]").inner_text()
    assert message == "v002 is now approved. v001 moved to selected."
    assert page.locator(f"#decision-{second.uuid}").get_attribute("data-review-state") == \
        "approved"
    states = dict(Take.objects.filter(shot=shot).values_list("number", "review_state"))
    assert states == {1: "selected", 2: "approved"}
    ticks = TakeDecision.objects.filter(take=second, to_state="approved").get().checklist
    assert [t["line"] for t in ticks if t["checked"]] == ["Jacket stays red",
                                                          "Does the motion serve the shot?"]

    # A note on frames 5 to 12: the player's loop in (I) and loop out (O) give the range.
    page.evaluate("LotixPlayer.current().seek(5)")
    wait_until(page, f"{FRAME} === '5'")
    page.locator("body").press("i")
    page.evaluate("LotixPlayer.current().seek(12)")
    wait_until(page, f"{FRAME} === '12'")
    page.locator("body").press("o")
    notes = page.locator(f"#notes-{second.uuid}")
    notes.get_by_label("New note at the current frame (or the loop)").fill(
        "Corridor widens here.")
    notes.get_by_role("button", name="Add note").click()
    wait_until(page, "!!document.querySelector('.note-list [data-seek-frame]')")
    note = Note.objects.get()
    assert (note.frame_in, note.frame_out, note.author) == (5, 12, producer)
    item = page.locator(f"#note-{note.pk}")
    assert "00:00:00:05–00:00:00:12 · f5–12" in item.inner_text()
    assert "Corridor widens here." in item.inner_text()
    screenshot("review-shot-page-approved-and-noted")

    # The note's frame link jumps the player back to the note's first frame.
    page.evaluate("LotixPlayer.current().seek(30)")
    wait_until(page, f"{FRAME} === '30'")
    item.locator("[data-seek-frame]").click()
    wait_until(page, f"{FRAME} === '5'")

    page.reload()
    wait_until(page, "window.LotixPlayer && LotixPlayer.all().length > 0")
    history = page.locator(f"#decision-{second.uuid} .decision-history").inner_text()
    assert "pia" in history and "Maybe → Approved" in history
    assert "dana" in history and "Unreviewed → Maybe" in history
    assert "The ending cuts to SH020." in history
    panel = page.locator(f"#decision-{second.uuid}")
    assert panel.get_by_label("Jacket stays red").is_checked()
    assert not panel.get_by_label("Corridor keeps its width").is_checked()
    assert "Corridor widens here." in page.locator(f"#notes-{second.uuid}").inner_text()
    # Chromium reports the refused (409) request itself; nothing else may have failed.
    assert [e for e in page.console_errors if "409" not in e] == []
