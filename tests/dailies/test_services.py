from datetime import timedelta

import pytest
from django.utils import timezone

from dailies import services
from dailies.models import DailiesSession, DailiesStatus, ShareLink
from lotix.errors import PermissionDeniedError
from projects.models import Activity
from takes.models import Take
from tests import factories
from tests.dailies.conftest import member

pytestmark = pytest.mark.django_db


def labels(session):
    return [f"{e.take.shot.scene.code} {e.take.shot.code} {e.take.label}"
            for e in session.entries.select_related("take__shot__scene").order_by("position")]


def test_it_builds_the_first_session_from_every_finished_take_in_scene_shot_take_order(
        producer, board):
    session = services.dailies_create(membership=member(producer), title="Monday",
                                      since_last=True)
    assert labels(session) == ["SC010 SH010 v001", "SC010 SH010 v002", "SC010 SH020 v001",
                               "SC020 SH010 v001"]
    assert list(session.entries.values_list("position", flat=True)) == [1, 2, 3, 4]
    assert Activity.objects.filter(verb="created dailies", target_id=str(session.pk)).exists()


def test_it_builds_the_next_session_from_takes_finished_since_the_last_one(producer, board):
    first = services.dailies_create(membership=member(producer), title="Monday", since_last=True)
    Take.objects.filter(pk=board["roof_v1"].pk).update(
        finished_at=first.created_at - timedelta(minutes=1))
    newer = factories.take(shot=board["roof"])
    session = services.dailies_create(membership=member(producer), title="Tuesday",
                                      since_last=True)
    assert [e.take_id for e in session.entries.all()] == [newer.pk]


def test_it_refuses_since_last_when_nothing_finished_since(producer, board):
    services.dailies_create(membership=member(producer), title="Monday", since_last=True)
    with pytest.raises(services.DailiesInvalid, match="No take has finished since “Monday”"):
        services.dailies_create(membership=member(producer), title="Tuesday", since_last=True)
    assert DailiesSession.objects.count() == 1


def test_it_builds_a_session_from_chosen_takes_in_board_order(director, board):
    chosen = [board["roof_v1"].uuid, board["sh010_v2"].uuid]
    session = services.dailies_create(membership=member(director), title="Picks",
                                      take_uuids=chosen)
    assert labels(session) == ["SC010 SH010 v002", "SC020 SH010 v001"]


@pytest.mark.parametrize("key, message", [
    ("running", r"SC010 SH010 v003 has not finished \(running\)"),
    ("failed", r"SC010 SH010 v004 has not finished \(failed\)"),
])
def test_it_refuses_unfinished_takes_and_names_them(producer, board, key, message):
    with pytest.raises(services.DailiesInvalid, match=message):
        services.dailies_create(membership=member(producer), title="Picks",
                                take_uuids=[board["sh010_v1"].uuid, board[key].uuid])
    assert DailiesSession.objects.count() == 0


def test_it_refuses_a_take_of_another_project(producer, board):
    other = factories.project(name="Other")
    foreign = factories.take(shot=factories.shot(scene=factories.scene(project=other)))
    with pytest.raises(services.DailiesInvalid, match=f"Take {foreign.uuid} is not a take"):
        services.dailies_create(membership=member(producer), title="Picks",
                                take_uuids=[foreign.uuid])


@pytest.mark.parametrize("title, uuids, message", [
    ("Picks", [], "Choose at least one finished take"),
    ("  ", ["x"], "Give the session a title"),
    ("Picks", ["not-a-uuid"], "'not-a-uuid' is not a take id"),
    ("x" * 201, ["x"], "at most 200 characters"),
])
def test_it_refuses_bad_input_with_a_sentence(producer, board, title, uuids, message):
    with pytest.raises(services.DailiesInvalid, match=message):
        services.dailies_create(membership=member(producer), title=title, take_uuids=uuids)


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_it_lets_only_dailies_roles_create(request, role, board):
    with pytest.raises(PermissionDeniedError):
        services.dailies_create(membership=member(request.getfixturevalue(role)), title="x",
                                since_last=True)


def test_it_adds_and_removes_takes_keeping_board_order(producer, board):
    m = member(producer)
    session = services.dailies_create(membership=m, title="Picks",
                                      take_uuids=[board["roof_v1"].uuid])
    services.dailies_entry_add(membership=m, session=session, take_uuid=board["sh010_v1"].uuid)
    assert labels(session) == ["SC010 SH010 v001", "SC020 SH010 v001"]
    with pytest.raises(services.DailiesInvalid, match="already in this session"):
        services.dailies_entry_add(membership=m, session=session,
                                   take_uuid=board["sh010_v1"].uuid)
    with pytest.raises(services.DailiesInvalid, match="has not finished"):
        services.dailies_entry_add(membership=m, session=session,
                                   take_uuid=board["running"].uuid)
    services.dailies_entry_remove(membership=m, session=session, take_uuid=board["roof_v1"].uuid)
    assert labels(session) == ["SC010 SH010 v001"]
    with pytest.raises(services.DailiesInvalid, match="at least one take"):
        services.dailies_entry_remove(membership=m, session=session,
                                      take_uuid=board["sh010_v1"].uuid)


def test_it_closes_a_session_once_and_freezes_its_list(producer, board):
    m = member(producer)
    session = services.dailies_create(membership=m, title="Picks",
                                      take_uuids=[board["roof_v1"].uuid])
    closed = services.dailies_close(membership=m, session=session)
    assert closed.status == DailiesStatus.CLOSED and closed.closed_at is not None
    assert Activity.objects.filter(verb="closed dailies").count() == 1
    with pytest.raises(services.DailiesClosed):
        services.dailies_close(membership=m, session=session)
    with pytest.raises(services.DailiesClosed):
        services.dailies_entry_add(membership=m, session=session,
                                   take_uuid=board["sh010_v1"].uuid)


def test_it_announces_a_closed_session_to_webhooks(producer, board,
                                                   django_capture_on_commit_callbacks):
    from hooks.models import Webhook, WebhookDelivery

    m = member(producer)
    Webhook.objects.create(project=m.project, url="https://example.com/hook",
                                 events=["dailies.closed"], secret="s" * 32)
    session = services.dailies_create(membership=m, title="Picks",
                                      take_uuids=[board["roof_v1"].uuid])
    with django_capture_on_commit_callbacks():
        services.dailies_close(membership=m, session=session)
    delivery = WebhookDelivery.objects.get()
    assert delivery.event == "dailies.closed"
    assert str(board["roof_v1"].uuid) in str(delivery.payload)


def test_it_stores_only_the_hash_of_a_share_token(producer, board):
    m = member(producer)
    session = services.dailies_create(membership=m, title="Picks",
                                      take_uuids=[board["roof_v1"].uuid])
    link, token = services.share_link_create(
        membership=m, session=session, expires_at=timezone.now() + timedelta(days=2),
        passphrase="open sesame", can_comment=True)
    assert len(token) >= 40
    stored = ShareLink.objects.filter(pk=link.pk).values().get()
    assert token not in str(stored)
    assert stored["token_hash"] == services.token_hash(token)
    assert stored["passphrase_hash"] and "open sesame" not in stored["passphrase_hash"]


@pytest.mark.parametrize("delta, message", [
    (timedelta(minutes=-1), "must be in the future"),
    (timedelta(days=91), "at most 90 days"),
])
def test_it_refuses_share_link_expiries_outside_the_window(producer, board, delta, message):
    m = member(producer)
    session = services.dailies_create(membership=m, title="Picks",
                                      take_uuids=[board["roof_v1"].uuid])
    with pytest.raises(services.ShareLinkInvalid, match=message):
        services.share_link_create(membership=m, session=session,
                                   expires_at=timezone.now() + delta)
    assert ShareLink.objects.count() == 0


def test_it_revokes_a_link_once(producer, board):
    m = member(producer)
    session = services.dailies_create(membership=m, title="Picks",
                                      take_uuids=[board["roof_v1"].uuid])
    link, _ = services.share_link_create(membership=m, session=session,
                                         expires_at=timezone.now() + timedelta(days=1))
    services.share_link_revoke(membership=m, link=link)
    link.refresh_from_db()
    assert not link.active and link.revoked_at is not None
    with pytest.raises(services.ShareLinkInvalid, match="already revoked"):
        services.share_link_revoke(membership=m, link=link)
