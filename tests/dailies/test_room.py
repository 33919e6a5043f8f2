import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dailies import services
from dailies.models import DailiesSession
from takes.models import Take
from tests import factories
from tests.dailies.conftest import member

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def room_url(session, **query):
    url = reverse("dailies:dailies-room", args=[session.project.slug, session.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_it_creates_a_session_through_the_form_and_opens_its_room(producer, board):
    client = client_for(producer)
    response = client.post(reverse("dailies:dailies-create", args=[board["early"].project.slug]),
                           {"title": "Monday", "mode": "since_last"})
    session = DailiesSession.objects.get()
    assert response.status_code == 302 and response["Location"] == room_url(session)
    page = client.get(room_url(session)).content.decode()
    assert page.count("data-entry=") == 4
    assert 'id="dailies-room-data"' in page and "js/dailies.js" in page
    # The first entry is current and its review fragment is in the centre.
    assert f'id="review-{board["sh010_v1"].uuid}"' in page
    assert "PageUp" in page and "write a note at the current frame" in page


def test_it_creates_a_session_from_chosen_takes_and_shows_errors_in_the_form(producer, board):
    client = client_for(producer)
    url = reverse("dailies:dailies-create", args=[board["early"].project.slug])
    response = client.post(url, {"title": "Picks", "mode": "chosen"})
    assert response.status_code == 400
    assert "Choose at least one finished take" in response.content.decode()
    response = client.post(url, {"title": "Picks", "mode": "chosen",
                                 "takes": [board["roof_v1"].uuid, board["sh020_v1"].uuid]})
    session = DailiesSession.objects.get()
    assert [e.take_id for e in session.entries.order_by("position")] == [
        board["sh020_v1"].pk, board["roof_v1"].pk]


def test_it_lists_sessions_with_counts_and_offers_the_chooser_only_to_dailies_roles(
        producer, viewer, board):
    services.dailies_create(membership=member(producer), title="Monday", since_last=True)
    slug = board["early"].project.slug
    page = client_for(producer).get(reverse("dailies:dailies-list", args=[slug])).content.decode()
    assert "Monday" in page and "4 takes" in page and 'name="takes"' in page
    assert page.count('name="takes"') == 4  # finished takes only
    page = client_for(viewer).get(reverse("dailies:dailies-list", args=[slug])).content.decode()
    assert "Monday" in page and 'name="takes"' not in page


def test_it_lets_a_viewer_watch_but_not_run_dailies(producer, viewer, stranger, board):
    session = services.dailies_create(membership=member(producer), title="Monday",
                                      since_last=True)
    assert client_for(viewer).get(room_url(session)).status_code == 200
    assert client_for(stranger).get(room_url(session)).status_code == 404
    close = reverse("dailies:dailies-close", args=[session.project.slug, session.pk])
    assert client_for(viewer).post(close).status_code == 403
    assert client_for(producer).post(close).status_code == 302


def test_it_moves_to_an_entry_by_position_and_serves_the_entries_part(producer, board):
    session = services.dailies_create(membership=member(producer), title="Monday",
                                      since_last=True)
    client = client_for(producer)
    page = client.get(room_url(session, entry=3)).content.decode()
    assert f'id="review-{board["sh020_v1"].uuid}"' in page
    part = client.get(room_url(session, part="entries", entry=2)).content.decode()
    assert part.startswith('<ol class="dailies-entries"')
    assert 'class="dailies-entry is-current" data-entry="2"' in part


def test_it_adds_and_removes_entries_through_the_room(producer, board):
    m = member(producer)
    session = services.dailies_create(membership=m, title="Picks",
                                      take_uuids=[board["roof_v1"].uuid])
    client = client_for(producer)
    slug = session.project.slug
    # The room carries only the panel; its menu is loaded when the panel opens (a project may
    # hold thousands of finished takes).
    chooser = reverse("dailies:dailies-chooser", args=[slug, session.pk])
    room = client.get(room_url(session)).content.decode()
    assert f'hx-get="{chooser}"' in room and "<option" not in room
    page = client.get(chooser).content.decode()
    # The add menu offers the finished takes not yet in the session, and nothing unfinished.
    assert page.count('<option value="') == 3
    menu = page.split('id="dailies-add-take"')[1].split("</select>")[0]
    assert str(board["sh010_v1"].uuid) in menu and str(board["roof_v1"].uuid) not in menu
    assert str(board["running"].uuid) not in page
    client.post(reverse("dailies:dailies-entry-add", args=[slug, session.pk]),
                {"take": board["sh010_v1"].uuid})
    assert session.entries.count() == 2
    client.post(reverse("dailies:dailies-entry-remove",
                        args=[slug, session.pk, board["roof_v1"].uuid]))
    assert list(session.entries.values_list("take_id", flat=True)) == [board["sh010_v1"].pk]


def _room_queries(client, session):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(room_url(session, entry=2))
    assert response.status_code == 200
    return len(queries)


def test_the_room_renders_with_the_same_number_of_queries_for_20_and_200_takes(producer,
                                                                               project):
    m = member(producer)
    scene = factories.scene(project=project)
    shots = [factories.shot(scene=scene, code=f"SH{n:03d}0", order=n) for n in range(10)]
    for n in range(200):
        factories.take(shot=shots[n % 10])
    takes = list(Take.objects.order_by("shot__order", "number").values_list("uuid", flat=True))
    small = services.dailies_create(membership=m, title="Small", take_uuids=takes[:20])
    large = services.dailies_create(membership=m, title="Large", take_uuids=takes)
    client = client_for(producer)
    _room_queries(client, small)  # warm: session, content types
    counts = (_room_queries(client, small), _room_queries(client, large))
    print("room queries (20, 200 takes):", counts)
    assert counts[0] == counts[1], counts
    assert counts[1] <= 20, counts
    page = client.get(room_url(large)).content.decode()
    assert page.count("data-entry=") == 200


def test_the_room_records_the_session_on_decisions_only_while_it_is_open(producer, board):
    m = member(producer)
    session = services.dailies_create(membership=m, title="Monday", since_last=True)
    client = client_for(producer)
    assert f'name="session" value="{session.pk}"' in client.get(room_url(session)).content.decode()
    services.dailies_close(membership=m, session=session)
    assert 'name="session"' not in client.get(room_url(session)).content.decode()


def test_a_guest_room_hides_internal_review_states(producer, board):
    from datetime import timedelta

    from django.utils import timezone

    m = member(producer)
    session = services.dailies_create(membership=m, title="Monday", since_last=True)
    _, token = services.share_link_create(membership=m, session=session,
                                          expires_at=timezone.now() + timedelta(days=1))
    page = Client().get(reverse("dailies:guest-room", args=[token])).content.decode()
    assert page.count("data-entry=") == 4
    assert "data-entry-state" not in page and "Unreviewed" not in page


def test_the_chooser_offers_takes_not_in_the_session_in_constant_queries_and_only_while_open(
        producer, viewer, project):
    m = member(producer)
    scene = factories.scene(project=project)
    shots = [factories.shot(scene=scene, code=f"SH{n:03d}0", order=n) for n in range(5)]
    takes = [factories.take(shot=shots[n % 5]) for n in range(60)]
    factories.take(shot=shots[0], status="failed")
    session = services.dailies_create(membership=m, title="Picks",
                                      take_uuids=[t.uuid for t in takes[:2]])
    url = reverse("dailies:dailies-chooser", args=[project.slug, session.pk])
    client = client_for(producer)
    client.get(url)  # warm: session, content types

    def chooser():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return response.content.decode(), len(queries)

    page, small = chooser()
    assert page.count('<option value="') == 58 and page.count("<optgroup") == 5
    menu = page.split('id="dailies-add-take"')[1].split("</select>")[0]
    # takes[0] is v001 of SH0000 and already in the session; takes[5] is its v002.
    assert f'label="{scene.code} / SH0000"' in menu and "SH0000 v001" not in menu
    assert f'<option value="{takes[5].uuid}">SH0000 v002</option>' in menu
    assert page.count('class="inline-form"') == 2  # one remove button per entry
    for take in takes[2:40]:
        services.dailies_entry_add(membership=m, session=session, take_uuid=str(take.uuid))
    page, large = chooser()
    assert page.count('<option value="') == 20 and large == small
    assert client_for(viewer).get(url).status_code == 403
    services.dailies_close(membership=m, session=session)
    closed = client.get(url)
    assert closed.status_code == 409 and "is closed" in closed.content.decode()
