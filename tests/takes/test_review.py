"""Review reads: QC flags in plain words at generation.qc's thresholds, the checklist, and the
review fragment (player, decision panel, QC, notes) in a fixed number of queries."""

import json
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from takes.models import Note, TakeDecision
from takes.review import STANDING_QUESTIONS, checklist_for, qc_flags, qc_rows, review_context
from takes.selectors import take_get
from tests import factories

BASE = {"frame_count": 48, "width": 1280, "height": 720, "mean_motion": 4.0, "max_motion": 9.0,
        "longest_frozen_run": 0, "frozen_frames": [], "black_frames": [], "mean_luma": 90.0,
        "flicker": 0.2, "first_frame_ssim": None, "first_frame_color_delta": None,
        "last_frame_ssim": None, "last_frame_color_delta": None}


def flags(**metrics):
    return {f["check"]: (f["level"], f["text"], f["value"]) for f in qc_flags({**BASE,
                                                                               **metrics})}


def test_it_gives_no_flag_to_a_clean_take_or_to_missing_qc():
    assert qc_flags(BASE) == []
    assert qc_flags({}) == [] and qc_flags(None) == []
    assert qc_flags({"flicker": "loud", "black_frames": "none", "width": 0}) == []


@pytest.mark.parametrize(("metrics", "check", "level", "words"), [
    ({"first_frame_ssim": 0.59}, "first_frame", "fail",
     "First frame differs strongly from the first-frame reference (SSIM 0.59"),
    ({"first_frame_ssim": 0.60}, "first_frame", "warn", "only loosely matches"),
    ({"first_frame_ssim": 0.74}, "first_frame", "warn", "SSIM 0.74, under 0.75"),
    ({"first_frame_color_delta": 12.5}, "first_frame_color", "fail", "ΔE 12.5, over 12"),
    ({"first_frame_color_delta": 6.1}, "first_frame_color", "warn", "differ visibly"),
    ({"last_frame_ssim": 0.41}, "last_frame", "fail",
     "Last frame misses the last-frame reference (SSIM 0.41"),
    ({"last_frame_ssim": 0.70}, "last_frame", "warn", "loosely matches the last-frame"),
    ({"last_frame_color_delta": 14.2}, "last_frame_color", "fail", "ΔE 14.2"),
    ({"longest_frozen_run": 18}, "frozen", "warn", "Frozen for 18 frames."),
    ({"longest_frozen_run": 6}, "frozen", "warn", "Frozen for 6 frames."),
    ({"longest_frozen_run": 48}, "frozen", "fail", "Frozen for all 48 frames"),
    ({"black_frames": [11]}, "black", "warn", "1 black frame, the first at frame 11."),
    ({"black_frames": [3, 4]}, "black", "warn", "2 black frames, the first at frame 3."),
    ({"black_frames": list(range(24, 48))}, "black", "fail", "24 of 48 frames are black"),
    ({"flicker": 3.4}, "flicker", "fail", "Heavy flicker (3.4 luma levels"),
    ({"flicker": 1.8}, "flicker", "warn", "Some flicker (1.8"),
    ({"mean_motion": 0.02}, "motion", "warn", "Almost no motion (0.02 px per frame, under 0.26)"),
    ({"mean_motion": 30.0}, "motion", "warn", "Very fast motion (30.0 px per frame, over 25.6)"),
])
def test_it_flags_each_problem_with_its_level_and_number(metrics, check, level, words):
    found = flags(**metrics)
    assert list(found) == [check]
    assert found[check][0] == level and words in found[check][1]


@pytest.mark.parametrize("metrics", [
    {"first_frame_ssim": 0.75}, {"first_frame_color_delta": 6.0}, {"longest_frozen_run": 5},
    {"flicker": 1.0}, {"mean_motion": 0.26}, {"mean_motion": 25.6},
    {"last_frame_color_delta": 6.0},
])
def test_it_raises_no_flag_exactly_at_the_pass_thresholds(metrics):
    assert flags(**metrics) == {}


def test_it_lists_the_raw_metrics_that_apply():
    rows = {r["key"]: r["value"] for r in qc_rows({**BASE, "first_frame_ssim": 0.812,
                                                    "black_frames": [1, 2]})}
    assert rows["first_frame_ssim"] == "0.812" and rows["black_frames"] == "2"
    assert "last_frame_ssim" not in rows and rows["frame_count"] == "48"


@pytest.mark.django_db
def test_it_builds_the_checklist_from_the_standard_and_prefills_the_last_ticks(project):
    shot = factories.shot(scene=factories.scene(project=project),
                          review_standard="Jacket stays red\n\n  Corridor keeps its width \n")
    lines = checklist_for(shot=shot, last_ticks=None)
    assert [i["line"] for i in lines] == ["Jacket stays red", "Corridor keeps its width",
                                          *STANDING_QUESTIONS]
    assert not any(i["checked"] for i in lines)
    ticked = checklist_for(shot=shot, last_ticks=[
        {"line": "Jacket stays red", "checked": True},
        {"line": STANDING_QUESTIONS[1], "checked": True},
        {"line": "A line since removed", "checked": True}])
    assert [i["line"] for i in ticked if i["checked"]] == ["Jacket stays red",
                                                          STANDING_QUESTIONS[1]]


def seed_notes(take, author, count):
    """`count` notes: every third a reply, every other one with a drawing."""
    root = None
    for i in range(count):
        drawing = {str(i % 40): [{"tool": "pen", "color": "#ffffff", "width": 0.01,
                                  "points": [[0.1, 0.1], [0.2, 0.2]]}]} if i % 2 else {}
        note = Note.objects.create(take=take, author=author, body=f"note {i}", frame_in=i % 40,
                                   annotation=drawing, parent=root if i % 3 == 2 else None)
        root = root or note


@pytest.mark.django_db
def test_the_review_fragment_keeps_its_queries_constant_with_3_or_30_notes(project, producer):
    shot = factories.shot(scene=factories.scene(project=project), review_standard="Hold face")
    take = factories.finished_take(shot=shot)
    other = factories.finished_take(shot=shot)
    for t in (take, other):
        TakeDecision.objects.create(take=t, actor=producer, from_state="unreviewed",
                                    to_state="maybe", checklist=[{"line": "Hold face",
                                                                  "checked": True}])
    client = Client()
    client.force_login(producer)

    def count(t):
        url = reverse("takes:take-review", args=[project.slug, t.uuid])
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries), response.content.decode()

    seed_notes(take, producer, 3)
    seed_notes(other, producer, 30)
    few, _ = count(take)
    many, html = count(other)
    assert few == many, f"{few} queries for 3 notes, {many} for 30"
    assert html.count('class="note ') + html.count('class="note"') >= 30
    assert 'name="checked" value="0" checked' in html  # the last ticks pre-fill the form
    data = json.loads(html.split(f'id="notes-data-{other.uuid}" type="application/json">')[1]
                      .split("</script>")[0])
    assert len(data) == 15 and set(data[0]) == {"id", "frame_in", "frame_out", "annotation"}


@pytest.mark.django_db
def test_a_guest_sees_only_client_notes_and_its_own_and_no_decision_panel(project, director):
    from projects.models import Membership

    shot = factories.shot(scene=factories.scene(project=project))
    take = take_get(Membership.objects.get(user=director), factories.take(shot=shot).uuid)
    Note.objects.create(take=take, author=director, body="internal only")
    Note.objects.create(take=take, author=director, body="for the client", for_client=True)
    Note.objects.create(take=take, guest_name="Kim", share_link_id=5, body="from my link")
    Note.objects.create(take=take, guest_name="Lee", share_link_id=6, body="another link")
    link = SimpleNamespace(pk=5, can_comment=True)
    context = review_context(membership=None, take=take, guest=link,
                             note_action_url="/guest/abc/notes")
    assert [n.body for n in context["notes"]] == ["for the client", "from my link"]
    assert not context["can_decide"] and context["history"] == []
    assert context["can_comment"] and context["note_action_url"] == "/guest/abc/notes"
    silent = review_context(membership=None, take=take, guest=SimpleNamespace(pk=5,
                                                                              can_comment=False))
    assert not silent["can_comment"]
