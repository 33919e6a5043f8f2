"""Events become delivery rows in the caller's transaction and are published on commit."""

from unittest import mock

import pytest
from django.db import transaction

from hooks.models import Webhook, WebhookDelivery
from hooks.services import webhook_create, webhook_emit
from projects.models import Membership
from takes.models import Take, TakeStatus
from takes.services import take_decide, take_fail, take_succeed
from tests import factories

pytestmark = pytest.mark.django_db

PUBLIC = "https://93.184.216.34/lotix"


@pytest.fixture
def shot(project):
    return factories.shot(scene=factories.scene(project=project))


def hook(membership, events, url=PUBLIC) -> Webhook:
    return webhook_create(membership=membership, url=url, events=events)[0]


def running(shot, worker="w-1") -> Take:
    take = factories.take(shot=shot, status="running")
    Take.objects.filter(pk=take.pk).update(lease_owner=worker)
    take.lease_owner = worker
    return take


def test_it_writes_one_delivery_per_active_webhook_that_receives_the_event(
    project, owner_membership, django_capture_on_commit_callbacks
):
    decided = hook(owner_membership, ["take.decided"])
    both = hook(owner_membership, ["take.decided", "take.failed"])
    hook(owner_membership, ["take.failed"])
    off = hook(owner_membership, ["take.decided"])
    Webhook.objects.filter(pk=off.pk).update(active=False)
    other = factories.project(name="Other")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        webhook_emit(project=project, event="take.decided", payload={"n": 1})
        webhook_emit(project=other, event="take.decided", payload={"n": 2})
    assert len(callbacks) == 1
    deliveries = WebhookDelivery.objects.order_by("webhook_id")
    assert [d.webhook_id for d in deliveries] == [decided.pk, both.pk]
    for delivery in deliveries:
        assert delivery.payload["id"] == str(delivery.uuid)
        assert delivery.payload["data"] == {"n": 1}
        assert delivery.status == "pending" and delivery.attempts == 0


def test_it_publishes_only_after_the_transaction_commits(
    project, owner_membership, django_capture_on_commit_callbacks
):
    hook(owner_membership, ["export.ready"])
    with mock.patch("lotix.celery.app.send_task") as send_task:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            with transaction.atomic():
                webhook_emit(project=project, event="export.ready", payload={})
            send_task.assert_not_called()
        callbacks[0]()
    delivery = WebhookDelivery.objects.get()
    send_task.assert_called_once_with("hooks.deliver", args=[delivery.pk], queue="cpu",
                                      countdown=None)


def test_it_announces_nothing_when_the_change_is_rolled_back(project, owner_membership):
    hook(owner_membership, ["dailies.closed"])
    with pytest.raises(RuntimeError), transaction.atomic():
        webhook_emit(project=project, event="dailies.closed", payload={})
        raise RuntimeError("the change failed")
    assert not WebhookDelivery.objects.exists()


def test_it_does_nothing_for_a_project_without_webhooks(
    project, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        webhook_emit(project=project, event="take.succeeded", payload={})
    assert callbacks == [] and not WebhookDelivery.objects.exists()


def test_it_refuses_an_unknown_event_name(project):
    with pytest.raises(ValueError, match="take.finished"):
        webhook_emit(project=project, event="take.finished", payload={})


def test_it_announces_a_take_that_succeeded(
    project, owner_membership, shot, django_capture_on_commit_callbacks
):
    hook(owner_membership, ["take.succeeded"])
    take = running(shot)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert take_succeed(take=take, worker="w-1", media={}, qc={}, gpu_seconds=2.0)
    assert len(callbacks) == 1
    data = WebhookDelivery.objects.get(event="take.succeeded").payload["data"]
    assert data["take"]["uuid"] == str(take.uuid)
    assert data["take"]["status"] == TakeStatus.SUCCEEDED
    assert data["take"]["label"] == "v001"
    assert data["shot"]["code"] == "SH010" and data["scene"]["code"] == "SC010"


def test_it_announces_a_take_that_failed_with_its_error(
    project, owner_membership, shot, django_capture_on_commit_callbacks
):
    hook(owner_membership, ["take.failed"])
    take = running(shot)
    with django_capture_on_commit_callbacks(execute=False):
        assert take_fail(take=take, worker="w-1", error="GPU out of memory.")
    data = WebhookDelivery.objects.get(event="take.failed").payload["data"]
    assert data["take"]["status"] == TakeStatus.FAILED
    assert data["error"] == "GPU out of memory."


def test_it_announces_nothing_when_the_worker_no_longer_holds_the_take(
    project, owner_membership, shot, django_capture_on_commit_callbacks
):
    hook(owner_membership, ["take.succeeded", "take.failed"])
    take = running(shot, worker="w-2")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert not take_succeed(take=take, worker="w-1", media={}, qc={}, gpu_seconds=1.0)
        assert not take_fail(take=take, worker="w-1", error="late")
    assert callbacks == [] and not WebhookDelivery.objects.exists()


def test_it_announces_a_decision_with_who_and_why(
    project, owner_membership, producer, shot, django_capture_on_commit_callbacks
):
    hook(owner_membership, ["take.decided"])
    first = factories.take(shot=shot, review_state="approved")
    second = factories.take(shot=shot)
    membership = Membership.objects.get(project=project, user=producer)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        take_decide(take=second, membership=membership, state="approved",
                    reason="Best eyeline.")
    assert len(callbacks) == 1
    (delivery,) = WebhookDelivery.objects.filter(event="take.decided")
    data = delivery.payload["data"]
    assert data["take"]["uuid"] == str(second.uuid)
    assert data["take"]["review_state"] == "approved"
    decision = data["decision"]
    assert (decision["from"], decision["to"], decision["by"]) == ("unreviewed", "approved",
                                                                  "producer")
    assert decision["reason"] == "Best eyeline."
    assert decision["moved_to_selected"] == [first.label]


def test_it_announces_closed_dailies_and_ready_exports_from_their_apps(
    project, owner_membership, shot, django_capture_on_commit_callbacks
):
    from dailies.services import dailies_close, dailies_create
    from exports.services import export_build, export_request

    hook(owner_membership, ["dailies.closed", "export.ready"])
    take = factories.finished_take(shot=shot, frames=12, review_state="approved")
    with django_capture_on_commit_callbacks(execute=False):
        session = dailies_create(membership=owner_membership, title="Day 3",
                                 take_uuids=[take.uuid])
        dailies_close(membership=owner_membership, session=session)
        export = export_request(membership=owner_membership)
        assert export_build(export.pk) == "succeeded", export.__class__.objects.get(
            pk=export.pk).error
    closed = WebhookDelivery.objects.get(event="dailies.closed").payload["data"]
    assert closed["session"]["title"] == "Day 3"
    assert [t["uuid"] for t in closed["takes"]] == [str(take.uuid)]
    ready = WebhookDelivery.objects.get(event="export.ready").payload
    assert ready["data"]["export"] == str(export.uuid)
    assert ready["project"]["slug"] == project.slug
