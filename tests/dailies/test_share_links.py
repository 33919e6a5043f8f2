import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dailies import services
from dailies.models import ShareLink
from takes.models import Note
from tests import factories
from tests.dailies.conftest import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(producer, board):
    """A session of two takes (with a poster and a video each) and a live link with a passphrase."""
    for key in ("sh010_v1", "roof_v1"):
        board[key].poster.save("poster.jpg", ContentFile(factories.image_bytes(fmt="JPEG")))
        board[key].video.save("video.mp4", ContentFile(b"\x00\x00\x00\x18ftypmp42"))
    m = member(producer)
    session = services.dailies_create(membership=m, title="Client cut", take_uuids=[
        board["sh010_v1"].uuid, board["roof_v1"].uuid])
    link, token = services.share_link_create(
        membership=m, session=session, expires_at=timezone.now() + timedelta(days=3),
        passphrase="blue jacket", can_comment=True)
    return {"session": session, "link": link, "token": token, **board}


def unlocked(token, passphrase="blue jacket"):
    guest = Client()
    response = guest.post(reverse("dailies:guest-room", args=[token]),
                          {"passphrase": passphrase})
    assert response.status_code == 302
    return guest


def test_a_link_is_created_through_the_page_shown_once_and_stored_as_a_hash(producer, board):
    m = member(producer)
    session = services.dailies_create(membership=m, title="Monday", since_last=True)
    client = Client()
    client.force_login(producer)
    expires = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(reverse("dailies:share-link-create",
                                   args=[session.project.slug, session.pk]),
                           {"expires_at": expires, "can_comment": "on"})
    assert response.status_code == 200
    page = response.content.decode()
    token = re.search(r"/d/([A-Za-z0-9_-]{40,})/", page).group(1)
    link = ShareLink.objects.get()
    assert link.token_hash == services.token_hash(token) and link.can_comment
    assert token not in link.token_hash
    listing = client.get(reverse("dailies:share-links", args=[session.project.slug, session.pk]))
    assert token not in listing.content.decode()
    assert Client().get(reverse("dailies:guest-room", args=[token])).status_code == 200


@pytest.mark.parametrize("expires, message", [
    ("", "Give the link an expiry"), ("2020-01-01T10:00", "must be in the future"),
    ("tomorrow", "Write the expiry as a date and time"),
])
def test_a_bad_expiry_is_refused_on_the_page(producer, board, expires, message):
    session = services.dailies_create(membership=member(producer), title="Monday",
                                      since_last=True)
    client = Client()
    client.force_login(producer)
    response = client.post(reverse("dailies:share-link-create",
                                   args=[session.project.slug, session.pk]),
                           {"expires_at": expires})
    assert response.status_code == 400 and message in response.content.decode()
    assert not ShareLink.objects.exists()


def test_a_passphrase_is_asked_first_and_a_wrong_one_says_so(shared):
    url = reverse("dailies:guest-room", args=[shared["token"]])
    guest = Client()
    page = guest.get(url)
    assert page.status_code == 200 and 'name="passphrase"' in page.content.decode()
    assert "data-entry" not in page.content.decode()
    wrong = guest.post(url, {"passphrase": "red jacket"})
    assert wrong.status_code == 400 and "That passphrase is not right." in wrong.content.decode()
    take = shared["sh010_v1"]
    assert guest.get(reverse("dailies:guest-poster", args=[shared["token"], take.uuid])
                     ).status_code == 404
    guest = unlocked(shared["token"])
    room = guest.get(url).content.decode()
    assert room.count("data-entry=") == 2 and "Client cut" in room
    assert 'name="guest_name"' in room
    assert f"/d/{shared['token']}/takes/{take.uuid}/video.mp4" in room
    assert f"/p/{shared['session'].project.slug}/" not in room  # no member URL leaks


def test_passphrase_tries_are_limited(shared):
    url = reverse("dailies:guest-room", args=[shared["token"]])
    guest = Client()
    for _ in range(5):
        assert guest.post(url, {"passphrase": "nope nope"}).status_code == 400
    limited = guest.post(url, {"passphrase": "blue jacket"})
    assert limited.status_code == 429 and "Too many wrong passphrases" in limited.content.decode()


def test_guest_media_is_served_only_for_takes_of_the_session(shared):
    guest = unlocked(shared["token"])
    token = shared["token"]
    inside = guest.get(reverse("dailies:guest-poster", args=[token, shared["sh010_v1"].uuid]))
    assert inside.status_code == 200 and inside["Content-Type"] == "image/jpeg"
    outside = shared["sh020_v1"]  # same project, not in the session
    for name in ("dailies:guest-poster", "dailies:guest-video", "dailies:guest-review"):
        assert guest.get(reverse(name, args=[token, outside.uuid])).status_code == 404
    assert guest.post(reverse("dailies:guest-note-add", args=[token, outside.uuid]),
                      {"guest_name": "Ana", "body": "x"}).status_code == 404


def test_a_guest_note_is_marked_guest_and_shown_back_to_the_guest(shared):
    guest = unlocked(shared["token"])
    take = shared["sh010_v1"]
    url = reverse("dailies:guest-note-add", args=[shared["token"], take.uuid])
    missing = guest.post(url, {"body": "Love it"}, HTTP_HX_REQUEST="true")
    assert missing.status_code == 400 and not Note.objects.exists()
    response = guest.post(url, {"guest_name": "Ana (client)", "body": "Love the ending",
                                "frame_in": "12"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    note = Note.objects.get()
    assert note.author_id is None and note.guest_name == "Ana (client)"
    assert note.share_link_id == shared["link"].pk and note.frame_in == 12 and note.is_guest
    assert "Love the ending" in response.content.decode()


def test_a_watch_only_link_cannot_post_notes(producer, shared):
    link, token = services.share_link_create(
        membership=member(producer), session=shared["session"],
        expires_at=timezone.now() + timedelta(days=1))
    guest = Client()
    room = guest.get(reverse("dailies:guest-room", args=[token])).content.decode()
    assert "data-note-form" not in room
    response = guest.post(reverse("dailies:guest-note-add", args=[token, shared["sh010_v1"].uuid]),
                          {"guest_name": "Ana", "body": "Hello"})
    assert response.status_code == 403 and not Note.objects.exists()


def test_a_guest_sees_client_notes_and_its_own_but_not_internal_ones(director, shared):
    from takes.notes import note_add

    take = shared["sh010_v1"]
    note_add(take=take, membership=member(director), body="Internal: redo the hands")
    note_add(take=take, membership=member(director), body="For you: new grade",
             for_client=True)
    guest = unlocked(shared["token"])
    page = guest.get(reverse("dailies:guest-review", args=[shared["token"], take.uuid]))
    assert "For you: new grade" in page.content.decode()
    assert "redo the hands" not in page.content.decode()
    assert "data-decide-key" not in page.content.decode()


def test_an_expired_link_answers_404_everywhere(shared):
    guest = unlocked(shared["token"])
    ShareLink.objects.filter(pk=shared["link"].pk).update(
        expires_at=timezone.now() - timedelta(seconds=1))
    take = shared["sh010_v1"].uuid
    token = shared["token"]
    for url in (reverse("dailies:guest-room", args=[token]),
                reverse("dailies:guest-review", args=[token, take]),
                reverse("dailies:guest-poster", args=[token, take])):
        assert guest.get(url).status_code == 404, url


def test_a_revoked_link_answers_404_at_once(producer, shared):
    guest = unlocked(shared["token"])
    poster = reverse("dailies:guest-poster", args=[shared["token"], shared["sh010_v1"].uuid])
    assert guest.get(poster).status_code == 200
    client = Client()
    client.force_login(producer)
    session = shared["session"]
    client.post(reverse("dailies:share-link-revoke",
                        args=[session.project.slug, session.pk, shared["link"].pk]))
    assert guest.get(poster).status_code == 404
    assert guest.get(reverse("dailies:guest-room", args=[shared["token"]])).status_code == 404


def test_an_unknown_token_answers_404():
    assert Client().get(reverse("dailies:guest-room", args=["nope" * 11])).status_code == 404
