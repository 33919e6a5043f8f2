"""Deciding on a take through the review panel: roles, stale 409 with the current state, the
one approved take per shot, checklist ticks and the history on the page."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from projects import roles
from projects.models import Role
from takes.models import Take, TakeDecision
from takes.review import STANDING_QUESTIONS
from tests import factories

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def shot(project):
    return factories.shot(scene=factories.scene(project=project), code="SH040",
                          review_standard="Jacket stays red\nCorridor keeps its width")


def as_role(project, role, username=None):
    user = factories.user(username=username or f"{role}-viewer-of-panel")
    factories.membership(project=project, user=user, role=role)
    client = Client()
    client.force_login(user)
    return client


def decide_url(take):
    return reverse("takes:take-decide", args=[take.shot.scene.project.slug, take.uuid])


def review_url(take, **params):
    url = reverse("takes:take-review", args=[take.shot.scene.project.slug, take.uuid])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


@pytest.mark.parametrize("role", ["owner", "director", "producer", "editor", "viewer"])
def test_each_role_decides_or_is_refused_as_the_table_says(project, shot, role):
    take = factories.take(shot=shot)
    client = as_role(project, role)
    response = client.post(decide_url(take), {"state": "selected", "version": "0",
                                              "reason": "Best ending"}, **HTMX)
    take.refresh_from_db()
    if roles.role_can(role, roles.DECIDE):
        assert response.status_code == 200
        assert take.review_state == "selected"
        assert "v001 is now selected." in response.content.decode()
        assert json.loads(response["HX-Trigger"])["lotix:decided"]["state"] == "selected"
    else:
        assert response.status_code == 403
        assert take.review_state == "unreviewed" and not TakeDecision.objects.exists()


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_the_panel_is_read_only_for_roles_that_cannot_decide(project, shot, role):
    take = factories.take(shot=shot)
    html = as_role(project, role).get(review_url(take)).content.decode()
    assert 'class="decision-fieldset" disabled' in html
    assert "can watch and note, not decide" in html
    assert f'data-note-form data-take="{take.uuid}"' in html  # but they can note


def test_approve_is_disabled_with_the_reason_for_a_role_without_approve(project, shot,
                                                                         monkeypatch):
    monkeypatch.setitem(roles.ROLE_CAPABILITIES, Role.PRODUCER,
                        roles.ROLE_CAPABILITIES[Role.PRODUCER] - {roles.APPROVE})
    take = factories.take(shot=shot)
    html = as_role(project, "producer").get(review_url(take)).content.decode()
    approve = html.split('value="approved"')[1].split("</button>")[0]
    assert "disabled" in approve and "cannot approve" in approve
    select = html.split('value="selected"')[1].split("</button>")[0]
    assert "disabled" not in select and 'data-decide-key="3"' in select
    assert "data-approve-reason" in html


def test_a_stale_decision_answers_409_with_who_decided_and_the_current_state(project, shot):
    take = factories.take(shot=shot)
    director = as_role(project, "director", username="dana")
    producer = as_role(project, "producer", username="pia")
    assert director.post(decide_url(take), {"state": "rejected", "version": "0",
                                            "reason": "Jacket turns blue"},
                         **HTMX).status_code == 200
    response = producer.post(decide_url(take), {"state": "approved", "version": "0"}, **HTMX)
    assert response.status_code == 409
    html = response.content.decode()
    assert "was decided meanwhile: it is now rejected" in html
    assert 'data-review-state="rejected"' in html and 'data-version="1"' in html
    assert "Rejected by dana" in html and "Jacket turns blue" in html
    take.refresh_from_db()
    assert (take.review_state, take.review_version) == ("rejected", 1)
    assert TakeDecision.objects.count() == 1


def test_approving_moves_the_previous_approved_take_to_selected_and_says_so(project, shot):
    first, second = factories.take(shot=shot), factories.take(shot=shot)
    producer = as_role(project, "producer")
    producer.post(decide_url(first), {"state": "approved", "version": "0"}, **HTMX)
    response = producer.post(decide_url(second), {"state": "approved", "version": "0"}, **HTMX)
    assert response.status_code == 200
    assert "v002 is now approved. v001 moved to selected." in response.content.decode()
    assert json.loads(response["HX-Trigger"])["lotix:decided"]["moved"] == ["v001"]
    states = dict(Take.objects.filter(shot=shot).values_list("number", "review_state"))
    assert states == {1: "selected", 2: "approved"}


def test_the_checklist_is_stored_with_the_decision_and_prefills_the_next_form(project, shot):
    take = factories.take(shot=shot)
    producer = as_role(project, "producer")
    lines = ["Jacket stays red", "Corridor keeps its width", *STANDING_QUESTIONS]
    response = producer.post(decide_url(take), {
        "state": "maybe", "version": "0", "line": lines, "checked": ["0", "3"]}, **HTMX)
    assert response.status_code == 200
    stored = TakeDecision.objects.get().checklist
    assert [c["line"] for c in stored] == lines
    assert [c["line"] for c in stored if c["checked"]] == ["Jacket stays red",
                                                           STANDING_QUESTIONS[1]]
    html = response.content.decode()
    assert 'name="checked" value="0" checked' in html
    assert 'name="checked" value="1" >' in html or 'name="checked" value="1">' in html
    # The JSON form of the contract (the dailies room) is stored the same way.
    producer.post(decide_url(take), {
        "state": "selected", "version": "1",
        "checklist": json.dumps([{"line": "Jacket stays red", "checked": False}])}, **HTMX)
    assert TakeDecision.objects.last().checklist == [{"line": "Jacket stays red",
                                                      "checked": False}]


@pytest.mark.parametrize(("data", "message"), [
    ({"state": "loved"}, "not &#x27;loved&#x27;"),
    ({"state": "maybe", "version": "x"}, "not a number"),
    ({"state": "maybe", "checklist": "{"}, "could not be read"),
    ({"state": "maybe", "checklist": json.dumps([{"line": "A", "checked": "yes"}])},
     "Checklist line 1"),
    ({"state": "maybe", "session": "abc"}, "Unknown dailies session"),
])
def test_bad_decisions_answer_400_with_the_reason_and_save_nothing(project, shot, data,
                                                                   message):
    take = factories.take(shot=shot)
    response = as_role(project, "director").post(decide_url(take), data, **HTMX)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not TakeDecision.objects.exists()


def test_the_history_shows_who_when_what_why_ticks_and_session(project, shot):
    take = factories.take(shot=shot)
    director = as_role(project, "director", username="dana")
    director.post(decide_url(take), {
        "state": "rejected", "version": "0", "reason": "Corridor widens", "session": "7",
        "checklist": json.dumps([{"line": "Corridor keeps its width", "checked": False},
                                 {"line": "Jacket stays red", "checked": True}])}, **HTMX)
    html = director.get(review_url(take, session=7)).content.decode()
    history = html.split('class="decision-history"')[1]
    assert "dana" in history and "Unreviewed → " in history and "Rejected" in history
    assert "“Corridor widens”" in history and "dailies #7" in history
    assert "✗ Corridor keeps its width" in history.replace('<span aria-label="not ticked">✗'
                                                           '</span>', "✗")
    assert "<time datetime=" in history
    assert 'name="session" value="7"' in html  # later decisions record the session too


def test_a_stranger_gets_404_and_nothing_changes(project, shot, stranger):
    take = factories.take(shot=shot)
    client = Client()
    client.force_login(stranger)
    assert client.post(decide_url(take), {"state": "approved"}, **HTMX).status_code == 404
    assert client.get(review_url(take)).status_code == 404
    assert not TakeDecision.objects.exists()


def test_without_htmx_a_decision_goes_back_to_the_shot_page(project, shot):
    take = factories.take(shot=shot)
    response = as_role(project, "owner").post(decide_url(take), {"state": "approved",
                                                                 "version": "0"})
    assert response.status_code == 302 and f"?take=1#review-{take.uuid}" in response["Location"]
    take.refresh_from_db()
    assert take.review_state == "approved"


def test_an_unfinished_take_has_a_read_only_panel(project, shot):
    take = factories.take(shot=shot, status="running")
    html = as_role(project, "producer").get(review_url(take)).content.decode()
    assert 'class="decision-fieldset" disabled' in html and "has not finished" in html
