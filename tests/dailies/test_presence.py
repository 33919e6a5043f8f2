import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dailies import services
from tests.dailies.conftest import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def room(producer, director, viewer, board):
    session = services.dailies_create(membership=member(producer), title="Monday",
                                      since_last=True)
    url = reverse("dailies:dailies-presence", args=[session.project.slug, session.pk])
    clients = {}
    for name, user in (("producer", producer), ("director", director), ("viewer", viewer)):
        clients[name] = Client()
        clients[name].force_login(user)
    return {"session": session, "url": url, **clients, **board}


def test_nobody_presents_at_first(room):
    assert room["viewer"].get(room["url"]).json() == {"presenter": None}


def test_the_presenter_state_reaches_followers(room, producer):
    take = str(room["sh020_v1"].uuid)
    started = room["producer"].post(room["url"], {"action": "start", "take": take,
                                                  "position": 3, "frame": 0, "rate": "1"})
    assert started.status_code == 200
    room["producer"].post(room["url"], {"action": "update", "take": take, "position": 3,
                                        "frame": 20, "playing": "1", "rate": "0.5"})
    state = room["viewer"].get(room["url"]).json()
    assert state["presenter"] == producer.pk and state["name"] == "producer"
    assert (state["take"], state["position"], state["frame"], state["playing"],
            state["rate"]) == (take, 3, 20, True, 0.5)
    assert state["updated_at"] > 0


def test_only_the_presenter_moves_the_playhead_until_someone_takes_over(room, director):
    take = str(room["sh010_v1"].uuid)
    room["producer"].post(room["url"], {"action": "start", "take": take})
    refused = room["director"].post(room["url"], {"action": "update", "take": take, "frame": 9})
    assert refused.status_code == 409 and "producer is presenting" in refused.content.decode()
    room["director"].post(room["url"], {"action": "start", "take": take, "frame": 4})
    assert room["viewer"].get(room["url"]).json()["presenter"] == director.pk
    room["director"].post(room["url"], {"action": "stop"})
    assert room["viewer"].get(room["url"]).json() == {"presenter": None}


@pytest.mark.parametrize("fields, message", [
    ({"take": "00000000-0000-0000-0000-000000000000"}, "not in this session"),
    ({"frame": "-3"}, "out of range"), ({"rate": "3"}, "The rate is one of"),
    ({"frame": "abc"}, "are numbers"), ({"action": "dance"}, "start, update or stop"),
])
def test_bad_presenter_updates_are_refused(room, fields, message):
    data = {"action": "start", "take": str(room["sh010_v1"].uuid), **fields}
    response = room["producer"].post(room["url"], data)
    assert response.status_code == 400 and message in response.content.decode()


def test_a_viewer_follows_but_cannot_present(room):
    response = room["viewer"].post(room["url"], {"action": "start",
                                                 "take": str(room["sh010_v1"].uuid)})
    assert response.status_code == 403


def test_a_follower_poll_costs_no_query_beyond_the_login_session(room):
    room["viewer"].get(room["url"])  # the membership check is remembered for a minute
    with CaptureQueriesContext(connection) as queries:
        assert room["viewer"].get(room["url"]).status_code == 200
    tables = " ".join(q["sql"] for q in queries)
    assert "dailies_" not in tables and "projects_membership" not in tables
    assert len(queries) <= 2, [q["sql"] for q in queries]


def test_strangers_get_404_from_the_presence_poll(room, stranger):
    client = Client()
    client.force_login(stranger)
    assert client.get(room["url"]).status_code == 404


def test_nobody_presents_in_a_closed_session(room, producer):
    services.dailies_close(membership=member(producer), session=room["session"])
    response = room["producer"].post(room["url"], {"action": "start",
                                                   "take": str(room["sh010_v1"].uuid)})
    assert response.status_code == 409 and "is closed" in response.content.decode()
