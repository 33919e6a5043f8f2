"""Notes on takes: validation of every field, threads, resolve rights, @mentions, guests, and
the note pages through their URLs."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from lotix.errors import PermissionDeniedError
from projects.models import Activity, Membership
from takes.models import Note
from takes.notes import NoteInvalid, note_add, note_resolve, timecode
from tests import factories

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def shot(project):
    return factories.shot(scene=factories.scene(project=project), code="SH030")


@pytest.fixture
def take(shot):
    return factories.take(shot=shot, num_frames=48, fps=24)


def member(project, role, username=None):
    user = factories.user(username=username or f"{role}-noter")
    return factories.membership(project=project, user=user, role=role)


def stroke(**overrides):
    return {"tool": "pen", "color": "#ff3300", "width": 0.004,
            "points": [[0.1, 0.2], [0.3, 0.4], [0.5, 0.5]], **overrides}


def test_it_adds_a_note_on_a_frame_range_with_a_drawing_and_records_activity(project, take):
    director = member(project, "director")
    note = note_add(take=take, membership=director, body="  Jacket turns blue here.  ",
                    frame_in=12, frame_out="20",
                    annotation={"12": [stroke(), stroke(tool="arrow", points=[[0, 0], [1, 1]])]})
    note.refresh_from_db()
    assert (note.body, note.frame_in, note.frame_out) == ("Jacket turns blue here.", 12, 20)
    assert note.author == director.user and not note.is_guest
    assert [s["tool"] for s in note.annotation["12"]] == ["pen", "arrow"]
    assert Activity.objects.filter(verb="added a note", data__note=note.pk).exists()


BAD_INPUT = [
    ({"body": "   "}, "Write the note"),
    ({"body": "x" * 5001}, "at most 5000 characters"),
    ({"frame_in": -1}, "from 0 to 47"),
    ({"frame_in": 48}, "from 0 to 47"),
    ({"frame_in": "twelve"}, "must be a frame number"),
    ({"frame_in": 2.5}, "whole frame number"),
    ({"frame_in": True}, "must be a frame number"),
    ({"frame_out": 5}, "needs its first frame"),
    ({"frame_in": 10, "frame_out": 4}, "runs backwards"),
    ({"frame_in": 10, "frame_out": 48}, "from 0 to 47"),
    ({"annotation": ["not", "a", "dict"]}, "map frame numbers"),
    ({"annotation": {"twelve": [stroke()]}}, "not a frame number"),
    ({"annotation": {"48": [stroke()]}}, "outside this take's frames"),
    ({"annotation": {"-1": [stroke()]}}, "outside this take's frames"),
    ({"annotation": {"3": stroke()}}, "must be a list of strokes"),
    ({"annotation": {"3": [stroke()] * 201}}, "201 strokes"),
    ({"annotation": {"3": ["line"]}}, "is not a drawing stroke"),
    ({"annotation": {"3": [stroke(tool="circle")]}}, "pen, arrow and rect"),
    ({"annotation": {"3": [stroke(color="red")]}}, "#rrggbb"),
    ({"annotation": {"3": [stroke(color="#12345g")]}}, "#rrggbb"),
    ({"annotation": {"3": [stroke(width=0)]}}, "width"),
    ({"annotation": {"3": [stroke(width=0.051)]}}, "width"),
    ({"annotation": {"3": [stroke(width="0.01")]}}, "width"),
    ({"annotation": {"3": [stroke(width=True)]}}, "width"),
    ({"annotation": {"3": [stroke(points=[[0.1, 0.1]])]}}, "1 points"),
    ({"annotation": {"3": [stroke(points=[[0.1, 0.1]] * 2001)]}}, "2001 points"),
    ({"annotation": {"3": [stroke(points="0,0 1,1")]}}, "no points"),
    ({"annotation": {"3": [stroke(points=[[0.1, 0.1], [1.2, 0.5]])]}}, "from 0 to 1"),
    ({"annotation": {"3": [stroke(points=[[0.1, 0.1], [0.5]])]}}, "from 0 to 1"),
    ({"annotation": {"3": [stroke(points=[[0.1, 0.1], ["a", 0.5]])]}}, "from 0 to 1"),
    ({"annotation": {"3": [stroke(tool="rect", points=[[0, 0], [0.5, 0.5], [1, 1]])]}},
     "needs exactly 2"),
]


@pytest.mark.parametrize(("fields", "message"), BAD_INPUT)
def test_it_refuses_bad_input_with_a_sentence_and_saves_nothing(project, take, fields, message):
    director = member(project, "director")
    with pytest.raises(NoteInvalid, match=message):
        note_add(take=take, membership=director, **{"body": "A note", **fields})
    assert not Note.objects.exists()
    assert not Activity.objects.filter(verb="added a note").exists()


def test_it_attaches_a_reply_to_a_reply_to_the_root_note(project, take, shot):
    director, editor = member(project, "director"), member(project, "editor")
    root = note_add(take=take, membership=director, body="Ending is late.", frame_in=40)
    reply = note_add(take=take, membership=editor, body="Trim 6 frames?", parent=root)
    deeper = note_add(take=take, membership=director, body="Yes.", parent=reply)
    assert reply.parent == root and deeper.parent == root
    assert Activity.objects.filter(verb="replied to a note").count() == 2
    other_take = factories.take(shot=shot)
    with pytest.raises(NoteInvalid, match="same take"):
        note_add(take=other_take, membership=editor, body="Wrong take", parent=root)


@pytest.mark.parametrize("role", ["owner", "director", "producer", "editor", "viewer"])
def test_it_lets_every_role_note_including_editors_and_viewers(project, take, role):
    note = note_add(take=take, membership=member(project, role), body=f"{role} was here")
    assert note.author.username == f"{role}-noter"


def test_it_refuses_a_membership_of_another_project(project, take):
    other = factories.project(name="Elsewhere")
    outsider = member(other, "owner")
    with pytest.raises(NoteInvalid, match="another project"):
        note_add(take=take, membership=outsider, body="Hi")


def test_it_lets_the_author_or_a_deciding_role_resolve_and_reopen(project, take):
    editor, viewer = member(project, "editor"), member(project, "viewer")
    producer = member(project, "producer")
    note = note_add(take=take, membership=editor, body="Extra finger at 30.", frame_in=30)
    with pytest.raises(PermissionDeniedError, match="author"):
        note_resolve(note=note, membership=viewer)
    assert note_resolve(note=note, membership=editor).resolved is True
    note.refresh_from_db()
    assert note.resolved
    note_resolve(note=note, membership=producer, resolved=False)
    note.refresh_from_db()
    assert not note.resolved
    verbs = list(Activity.objects.filter(verb__in=["resolved a note", "reopened a note"])
                 .order_by("at", "id").values_list("verb", flat=True))
    assert verbs == ["resolved a note", "reopened a note"]


def test_it_resolves_a_guest_note_only_by_a_deciding_role(project, take):
    guest = note_add(take=take, guest_name="Client Kim", share_link_id=7, body="Love it",
                     frame_in=3)
    assert guest.author is None and guest.is_guest and guest.share_link_id == 7
    with pytest.raises(PermissionDeniedError):
        note_resolve(note=guest, membership=member(project, "editor"))
    assert note_resolve(note=guest, membership=member(project, "director")).resolved


def test_it_needs_a_guest_name_for_a_note_without_a_member(project, take):
    with pytest.raises(NoteInvalid, match="Give your name"):
        note_add(take=take, guest_name="  ", share_link_id=7, body="Anonymous")
    assert not Note.objects.exists()


def test_it_mails_mentioned_members_only_on_commit(
    project, take, mailoutbox, django_capture_on_commit_callbacks
):
    author = member(project, "editor", username="ines")
    member(project, "producer", username="dana")
    member(project, "viewer", username="li.wei")
    factories.user(username="stranger")  # an account, but not on this project
    with django_capture_on_commit_callbacks(execute=True):
        note = note_add(take=take, membership=author, frame_in=12, frame_out=13,
                        body="@dana and @li.wei. please look; @stranger @nobody @ines too",
                        base_url="https://lotix.example/")
    assert note.mentions == ["dana", "li.wei"]
    assert sorted(m.to[0] for m in mailoutbox) == ["dana@example.com", "li.wei@example.com"]
    mail = mailoutbox[0]
    assert "Signal" in mail.subject and "SC010/SH030" in mail.subject and "v001" in mail.subject
    assert "please look" in mail.body
    assert "frames 12–13 (00:00:00:12 – 00:00:00:13)" in mail.body
    shot_url = reverse("takes:shot-page", args=[project.slug, take.shot_id])
    assert f"https://lotix.example{shot_url}?take=1#review-{take.uuid}" in mail.body


def test_it_sends_no_mention_mail_when_the_note_is_rolled_back(
    project, take, mailoutbox, django_capture_on_commit_callbacks
):
    from django.db import transaction

    member(project, "producer", username="dana")
    author = member(project, "editor")
    with (django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError),
          transaction.atomic()):
        note_add(take=take, membership=author, body="@dana look")
        raise RuntimeError("rolled back")
    assert mailoutbox == [] and not Note.objects.exists()


def test_it_writes_timecodes_at_the_take_rate():
    assert timecode(0, 24) == "00:00:00:00"
    assert timecode(49, 24) == "00:00:02:01"
    assert timecode(24 * 3661 + 5, 24) == "01:01:01:05"


# --- through the pages -------------------------------------------------------------------

def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_note_form_adds_a_note_and_lists_it_with_a_seek_link(project, take):
    viewer = member(project, "viewer")
    url = reverse("takes:note-add", args=[project.slug, take.uuid])
    drawing = {"12": [stroke(tool="arrow", points=[[0.2, 0.2], [0.6, 0.5]])]}
    response = client_for(viewer.user).post(url, {
        "body": "Corridor widens", "frame_in": "12", "frame_out": "18",
        "annotation": json.dumps(drawing), "for_client": "on"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    note = Note.objects.get()
    assert note.for_client and note.annotation == {
        "12": [{"tool": "arrow", "color": "#ff3300", "width": 0.004,
                "points": [[0.2, 0.2], [0.6, 0.5]]}]}
    assert f'data-seek-frame="12" data-take="{take.uuid}"' in html
    assert "00:00:00:12–00:00:00:18 · f12–18" in html and "drawing" in html
    assert f'id="notes-data-{take.uuid}"' in html and "Corridor widens" in html
    assert f'data-note-form data-take="{take.uuid}"' in html


def test_the_note_form_answers_bad_input_with_400_next_to_the_form(project, take):
    editor = member(project, "editor")
    url = reverse("takes:note-add", args=[project.slug, take.uuid])
    response = client_for(editor.user).post(url, {"body": "Too late", "frame_in": "99"}, **HTMX)
    assert response.status_code == 400
    html = response.content.decode()
    assert "data-note-error" in html and "from 0 to 47" in html
    assert "Too late" in html  # what the person typed is kept
    response = client_for(editor.user).post(url, {"body": "x", "annotation": "{not json"},
                                            **HTMX)
    assert response.status_code == 400 and "could not be read" in response.content.decode()
    assert not Note.objects.exists()


def test_replies_and_resolve_through_the_pages(project, take):
    editor, producer = member(project, "editor"), member(project, "producer")
    root = note_add(take=take, membership=editor, body="Hand has six fingers", frame_in=30)
    reply_url = reverse("takes:note-reply", args=[project.slug, root.pk])
    response = client_for(producer.user).post(reply_url, {"body": "Agreed, reject"}, **HTMX)
    assert response.status_code == 200 and "Agreed, reject" in response.content.decode()
    assert Note.objects.get(body="Agreed, reject").parent == root
    response = client_for(producer.user).post(reply_url, {"body": ""}, **HTMX)
    assert response.status_code == 400 and "Write the note" in response.content.decode()
    resolve_url = reverse("takes:note-resolve", args=[project.slug, root.pk])
    viewer = member(project, "viewer")
    assert client_for(viewer.user).post(resolve_url, **HTMX).status_code == 403
    response = client_for(producer.user).post(resolve_url, {"resolved": "1"}, **HTMX)
    assert response.status_code == 200 and "chip-resolved" in response.content.decode()
    root.refresh_from_db()
    assert root.resolved


def test_a_stranger_gets_404_from_every_note_route(project, take, stranger):
    root = Note.objects.create(take=take, body="Hidden")
    client = client_for(stranger)
    for url in (reverse("takes:note-add", args=[project.slug, take.uuid]),
                reverse("takes:note-reply", args=[project.slug, root.pk]),
                reverse("takes:note-resolve", args=[project.slug, root.pk])):
        assert client.post(url, {"body": "Hi"}).status_code == 404
    assert Note.objects.count() == 1


def test_without_htmx_the_note_form_goes_back_to_the_shot_page(project, take):
    director = member(project, "director")
    url = reverse("takes:note-add", args=[project.slug, take.uuid])
    response = client_for(director.user).post(url, {"body": "Plain form"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"?take=1#review-{take.uuid}")
    assert Membership.objects.filter(user=director.user).exists()
    assert Note.objects.get().body == "Plain form"
