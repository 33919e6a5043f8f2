"""Freezing a shot into takes: routing, refusals, seeds, budget, enqueue on commit, sweeping."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from generation.errors import ReferenceRoleUnsupported, TooManyReferences, WeightsMissing
from projects.models import Activity
from shots.models import ShotStatus
from takes import services
from takes.models import Take, TakeStatus
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def shot(project, tiny_models_dir, settings):
    settings.LOTIX_MODELS_DIR = tiny_models_dir
    shot = factories.shot(scene=factories.scene(project=project), duration_s=5, fps=24,
                          aspect_ratio="16:9", resolution="720p", motion_prompt="slow push-in",
                          negative_constraints="blur\ntext\nblur")
    factories.reference(shot=shot, asset_file=factories.asset_file(project=project),
                        role="first_frame")
    return shot


@pytest.fixture
def published():
    with mock.patch.object(services, "takes_publish", return_value=True) as publish:
        yield publish


@pytest.fixture
def ltx_weights(tmp_path, settings):
    """A weights folder laid out like the real LTX-Video download, for request building only."""
    folder = tmp_path / "models" / "LTX-Video-0.9.5"
    folder.mkdir(parents=True)
    (folder / "model_index.json").write_text('{"_class_name": "LTXConditionPipeline"}')
    settings.LOTIX_MODELS_DIR = tmp_path / "models"


def add_last_frame(shot):
    factories.reference(shot=shot, asset_file=factories.asset_file(project=shot.scene.project),
                        role="last_frame")


def test_it_freezes_the_shot_plan_into_the_request(shot, owner, published, ltx_weights):
    [take] = services.take_request(shot=shot, user=owner, profile_id="ltx-video", seed=42)
    spec = take.request["spec"]
    assert spec["prompt"].lower().startswith("slow push-in")
    assert spec["negative_prompt"] == "blur, text"
    assert (spec["num_frames"], spec["fps"]) == (121, 24)  # 5 s × 24 fps = 120, 8k+1 → 121
    assert (spec["width"], spec["height"]) == (1248, 704)
    assert spec["seed"] == 42
    assert [r["role"] for r in spec["references"]] == ["first_frame"]
    assert take.request["real_duration_s"] == pytest.approx(121 / 24, abs=0.01)
    assert (take.number, take.status) == (1, TakeStatus.QUEUED)


def test_it_refuses_a_last_frame_on_wan_i2v_and_names_the_alternatives(shot, owner, published):
    add_last_frame(shot)
    with pytest.raises(ReferenceRoleUnsupported,
                       match="Wan 2.1 I2V cannot use a last frame; pick"):
        services.take_request(shot=shot, user=owner, profile_id="wan21-i2v")
    assert not Take.objects.exists()
    published.assert_not_called()


def test_it_routes_first_and_last_to_flf2v_but_never_first_alone(shot, owner, published):
    with pytest.raises(ReferenceRoleUnsupported, match="needs a last frame"):
        services.take_request(shot=shot, user=owner, profile_id="tiny-wan-flf2v")
    add_last_frame(shot)
    [take] = services.take_request(shot=shot, user=owner, profile_id="tiny-wan-flf2v")
    assert {r["role"] for r in take.request["spec"]["references"]} == {"first_frame",
                                                                       "last_frame"}


def test_it_refuses_a_shot_without_a_first_frame(project, owner, published):
    shot = factories.shot(scene=factories.scene(project=project))
    with pytest.raises(ReferenceRoleUnsupported, match="This shot has no first frame"):
        services.take_request(shot=shot, user=owner, profile_id="previz")


def test_it_refuses_more_references_than_the_profile_takes(shot, owner, published):
    for _ in range(4):
        factories.reference(shot=shot, asset_file=factories.asset_file(project=shot.scene.project))
    with pytest.raises(TooManyReferences, match="at most 3 reference images; this shot has 4"):
        services.take_request(shot=shot, user=owner, profile_id="tiny-wan-vace")


def test_it_refuses_a_profile_whose_weights_are_missing(shot, owner, published, tmp_path,
                                                        settings):
    settings.LOTIX_MODELS_DIR = tmp_path / "empty"
    with pytest.raises(WeightsMissing, match="build_tiny_models"):
        services.take_request(shot=shot, user=owner, profile_id="tiny-ltx")


def test_it_makes_variations_with_distinct_recorded_seeds(shot, owner, published):
    takes = services.take_request(shot=shot, user=owner, profile_id="previz", variations=8)
    assert [t.number for t in takes] == list(range(1, 9))
    assert len({t.request["spec"]["seed"] for t in takes}) == 8
    more = services.take_request(shot=shot, user=owner, profile_id="previz", variations=2,
                                 seed=100)
    assert [t.request["spec"]["seed"] for t in more] == [100, 101]
    assert [t.number for t in more] == [9, 10]


@pytest.mark.parametrize("variations", [0, 9])
def test_it_refuses_a_variation_count_outside_one_to_eight(shot, owner, published, variations):
    with pytest.raises(services.TakeRequestInvalid, match="1 to 8 variations"):
        services.take_request(shot=shot, user=owner, profile_id="previz", variations=variations)


def test_it_refuses_a_request_over_the_project_budget(shot, owner, published, ltx_weights):
    project = shot.scene.project
    project.budget_gpu_seconds = 100
    project.save()
    with pytest.raises(services.BudgetExceeded, match="GPU-seconds but the project has 100"):
        services.take_request(shot=shot, user=owner, profile_id="ltx-video", variations=2)
    assert not Take.objects.exists()


def test_it_publishes_only_after_the_transaction_commits(
    shot, owner, django_capture_on_commit_callbacks
):
    with mock.patch("lotix.celery.app.send_task") as send_task:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            takes = services.take_request(shot=shot, user=owner, profile_id="previz",
                                          variations=3)
            send_task.assert_not_called()
        assert len(callbacks) == 1
        callbacks[0]()
    send_task.assert_called_once_with(
        "worker.generate_takes", args=[[t.pk for t in takes]], queue="cpu"
    )
    assert Take.objects.filter(published_at__isnull=False).count() == 3
    shot.refresh_from_db()
    assert shot.status == ShotStatus.GENERATING
    assert Activity.objects.filter(verb="requested takes").count() == 1


def test_it_keeps_takes_queued_when_the_broker_is_down(
    shot, owner, django_capture_on_commit_callbacks
):
    down = ConnectionError("broker down")
    with mock.patch("lotix.celery.app.send_task", side_effect=down), \
            django_capture_on_commit_callbacks(execute=True):
        [take] = services.take_request(shot=shot, user=owner, profile_id="previz")
    take.refresh_from_db()
    assert (take.status, take.published_at) == (TakeStatus.QUEUED, None)


def test_it_claims_a_take_once_however_often_the_message_arrives(shot, owner, published):
    [take] = services.take_request(shot=shot, user=owner, profile_id="previz")
    assert [t.pk for t in services.takes_claim([take.pk], worker="a")] == [take.pk]
    assert services.takes_claim([take.pk], worker="b") == []
    take.refresh_from_db()
    assert (take.status, take.attempts, take.lease_owner) == (TakeStatus.RUNNING, 1, "a")


def test_it_cancels_a_queued_take_at_once_and_flags_a_running_one(shot, owner, published):
    queued, running = services.take_request(shot=shot, user=owner, profile_id="previz",
                                            variations=2)
    services.takes_claim([running.pk], worker="w")
    services.take_cancel(take=queued, user=owner)
    services.take_cancel(take=running, user=owner)
    queued.refresh_from_db()
    running.refresh_from_db()
    assert queued.status == TakeStatus.CANCELED
    assert (running.status, running.cancel_requested) == (TakeStatus.RUNNING, True)
    assert services.takes_progress([running.pk], worker="w", progress=0.5) == {running.pk}
    with pytest.raises(services.TakeNotCancelable):
        services.take_cancel(take=queued, user=owner)


def test_it_never_moves_progress_backwards(shot, owner, published):
    [take] = services.take_request(shot=shot, user=owner, profile_id="previz")
    services.takes_claim([take.pk], worker="w")
    services.takes_progress([take.pk], worker="w", progress=0.6)
    services.takes_progress([take.pk], worker="w", progress=0.3)
    take.refresh_from_db()
    assert take.progress == pytest.approx(0.6)


def test_the_sweeper_republishes_lost_messages_and_recovers_lost_workers(shot, owner, published):
    lost_message, lost_worker, hopeless = services.take_request(
        shot=shot, user=owner, profile_id="previz", variations=3)
    long_ago = timezone.now() - timedelta(minutes=10)
    Take.objects.filter(pk=lost_message.pk).update(published_at=long_ago)
    Take.objects.filter(pk=lost_worker.pk).update(status=TakeStatus.RUNNING, attempts=1,
                                                  heartbeat_at=long_ago, lease_owner="gone")
    Take.objects.filter(pk=hopeless.pk).update(status=TakeStatus.RUNNING, attempts=3,
                                               heartbeat_at=long_ago, lease_owner="gone")
    published.reset_mock()
    result = services.takes_sweep()
    assert result == {"failed": 1, "requeued": 1, "republished": 2}
    republished = sorted(call.args[0][0] for call in published.call_args_list)
    assert republished == sorted([lost_message.pk, lost_worker.pk])
    hopeless.refresh_from_db()
    assert hopeless.status == TakeStatus.FAILED
    assert "lost 3 times" in hopeless.error


def test_a_redelivered_message_after_three_lost_workers_fails_the_take(shot, owner, published):
    [take] = services.take_request(shot=shot, user=owner, profile_id="previz")
    Take.objects.filter(pk=take.pk).update(
        status=TakeStatus.RUNNING, attempts=3, lease_owner="gone",
        heartbeat_at=timezone.now() - timedelta(minutes=10))
    assert services.takes_claim([take.pk], worker="w") == []
    take.refresh_from_db()
    assert take.status == TakeStatus.FAILED


def test_the_sweeper_leaves_a_take_whose_message_still_waits_in_its_queue(
        shot, owner, published, monkeypatch):
    waiting, lost = services.take_request(shot=shot, user=owner, profile_id="previz",
                                          variations=2)
    long_ago = timezone.now() - timedelta(minutes=10)
    Take.objects.filter(pk__in=[waiting.pk, lost.pk]).update(published_at=long_ago)
    monkeypatch.setattr(services, "_takes_waiting_in_broker", lambda queues: {waiting.pk})
    published.reset_mock()
    assert services.takes_sweep()["republished"] == 1
    assert [call.args[0] for call in published.call_args_list] == [[lost.pk]]


def test_it_reads_which_takes_wait_in_a_redis_queue(settings):
    import uuid

    from lotix.celery import app
    from tests.conftest import require_component

    require_component(bool(settings.REDIS_URL), "Redis (REDIS_URL)")
    queue = f"test-sweep-{uuid.uuid4().hex}"
    app.send_task(services.GENERATE_TASK, args=[[101, 102]], queue=queue)
    app.send_task(services.GENERATE_TASK, args=[[103]], queue=queue)
    try:
        assert services._takes_waiting_in_broker({queue}) == {101, 102, 103}
        assert services._takes_waiting_in_broker({f"{queue}-empty"}) == set()
    finally:
        with app.connection_for_write() as connection:
            connection.default_channel.client.delete(queue)
