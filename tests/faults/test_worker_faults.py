"""Workers killed, stopped, cut off from PostgreSQL or fed a message twice: each take is still
made exactly once, and nothing is lost when Redis forgets its queues."""

import signal
import time

import pytest

from takes.models import Take, TakeStatus
from takes.services import takes_publish, takes_sweep
from tests.faults.conftest import (
    PROFILE_QUEUE,
    assert_one_set_of_media,
    make_shot,
    media_objects,
    request_takes,
    wait_until,
)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

FINAL = (TakeStatus.SUCCEEDED, TakeStatus.FAILED, TakeStatus.CANCELED)


def fresh(take) -> Take:
    return Take.objects.select_related("shot__scene__project").get(pk=take.pk)


def running_with_progress(take):
    """The take once a worker has claimed it and written progress, else None."""
    current = fresh(take)
    if current.status in FINAL:
        pytest.fail(f"Take {current.label} ended ({current.status}: {current.error}) before "
                    f"it could be interrupted; give it more steps.")
    if current.status == TakeStatus.RUNNING and current.progress > 0:
        return current
    return None


def finished(take, *, sweep=False):
    """The take once it has ended; with `sweep`, run the sweeper on every poll, as beat would."""
    if sweep:
        takes_sweep()
    current = fresh(take)
    return current if current.status in FINAL else None


def test_it_makes_a_take_again_exactly_once_after_its_worker_is_killed(
    start_worker, owner_and_project, fault_media
):
    user, project = owner_and_project
    first = start_worker()
    # 10 s of 480×480 animatic: 240 frames, long enough to be killed half way.
    [take] = request_takes(make_shot(user, project, duration_s=10), user)
    claimed = wait_until(lambda: running_with_progress(take), timeout=90,
                         what="the take to run with progress", log=first.log)
    assert claimed.attempts == 1

    first.signal_group(signal.SIGKILL)
    assert first.wait_exit(timeout=20) == -signal.SIGKILL
    lost = fresh(take)
    assert (lost.status, lost.attempts) == (TakeStatus.RUNNING, 1)
    assert media_objects(fault_media, take) == []

    second = start_worker()
    # The sweeper requeues the take once its lease (4 s here) runs out and publishes it again.
    take = wait_until(lambda: finished(take, sweep=True), timeout=150,
                      what="the take to be swept and made again", log=second.log)
    assert take.status == TakeStatus.SUCCEEDED, take.error
    assert take.attempts == 2
    assert take.lease_owner == ""
    assert_one_set_of_media(fault_media, take)


def test_it_finishes_or_hands_back_a_take_when_its_worker_is_stopped(
    start_worker, owner_and_project, fault_media
):
    user, project = owner_and_project
    worker = start_worker()
    [take] = request_takes(make_shot(user, project, duration_s=10), user)
    wait_until(lambda: running_with_progress(take), timeout=90,
               what="the take to run with progress", log=worker.log)

    # What `docker stop` and systemd do: SIGTERM to the worker's main process.
    worker.process.send_signal(signal.SIGTERM)
    assert worker.wait_exit(timeout=120) == 0, worker.log()[-4000:]
    take = fresh(take)
    if take.status == TakeStatus.SUCCEEDED:
        outcome = "finished"  # warm shutdown: the running take is completed first
        assert "Warm shutdown" in worker.log()
        assert take.attempts == 1
    elif take.status in (TakeStatus.QUEUED, TakeStatus.RUNNING):
        outcome = "handed back"  # its attempt counted; the sweeper republishes it
        assert take.attempts == 1
        start_worker()
        take = wait_until(lambda: finished(take, sweep=True), timeout=150,
                          what="the handed-back take to be made")
        assert take.status == TakeStatus.SUCCEEDED, take.error
        assert take.attempts == 2
    else:
        pytest.fail(f"A stopped worker left take {take.label} {take.status}: {take.error}")
    assert outcome in {"finished", "handed back"}
    print(f"SIGTERM outcome: the worker {outcome} take {take.label}")
    assert take.lease_owner == ""
    assert_one_set_of_media(fault_media, take)


def test_it_republishes_queued_takes_after_redis_restarts_empty(
    start_worker, owner_and_project, fault_redis, fault_media
):
    user, project = owner_and_project
    shot = make_shot(user, project)
    takes = [request_takes(shot, user)[0] for _ in range(5)]
    assert fault_redis.queue_length(PROFILE_QUEUE) == 5

    fault_redis.restart()  # no persistence: the five messages are gone
    assert fault_redis.queue_length(PROFILE_QUEUE) == 0
    assert {fresh(t).status for t in takes} == {TakeStatus.QUEUED}

    republished = 0

    def sweep_until_all_republished():
        nonlocal republished
        republished += takes_sweep()["republished"]
        return republished >= 5

    # Takes published more than LOTIX_TAKE_REPUBLISH_S (1 s here) ago are published again.
    wait_until(sweep_until_all_republished, timeout=30, what="the sweeper to republish 5 takes")
    assert fault_redis.queue_length(PROFILE_QUEUE) >= 5

    worker = start_worker()
    done = [wait_until(lambda t=t: finished(t), timeout=120, what=f"take {t.label}",
                       log=worker.log) for t in takes]
    assert [t.status for t in done] == [TakeStatus.SUCCEEDED] * 5, [t.error for t in done]
    assert [t.attempts for t in done] == [1] * 5
    for take in done:
        assert_one_set_of_media(fault_media, take)


def test_it_recovers_when_postgresql_drops_out_during_a_heartbeat(
    start_worker, owner_and_project, fault_media, pg_proxy, settings
):
    settings.LOTIX_TAKE_LEASE_S = 6  # heartbeat every 2 s; a 3 s outage misses at least one
    user, project = owner_and_project
    worker = start_worker(db_port=pg_proxy.port)
    # 30 s of animatic (720 frames): still rendering and encoding well after the outage.
    [take] = request_takes(make_shot(user, project, duration_s=30), user)
    wait_until(lambda: running_with_progress(take), timeout=90,
               what="the take to run with progress", log=worker.log)

    pg_proxy.pause()
    outage_ends = time.monotonic() + 3.0

    def outage_over():
        assert worker.alive(), worker.log()[-4000:]
        return time.monotonic() >= outage_ends

    wait_until(outage_over, timeout=10, what="the 3 s database outage")
    resumed_at = fresh(take).heartbeat_at
    pg_proxy.resume()

    def lease_renewed():
        return fresh(take).heartbeat_at > resumed_at

    wait_until(lease_renewed, timeout=30, what="the worker to renew its lease after the outage",
               log=worker.log)
    # The sweeper runs throughout: a lease left to expire would requeue the take (attempt 2).
    take = wait_until(lambda: finished(take, sweep=True), timeout=150,
                      what="the take to finish after the outage", log=worker.log)
    assert take.status == TakeStatus.SUCCEEDED, take.error
    assert take.attempts == 1
    assert_one_set_of_media(fault_media, take)
    log = worker.log()
    assert "Heartbeat of takes" in log and "failed" in log, log[-4000:]
    assert "Heartbeat of takes" in log and "restored" in log, log[-4000:]
    assert worker.alive()

    # PostgreSQL is down when the next take's message arrives: the claim waits for it.
    shot = make_shot(user, project, code="SH020")
    pg_proxy.pause()
    [again] = request_takes(shot, user)
    wait_until(lambda: worker.log().count("Task worker.generate_takes") >= 2, timeout=30,
               what="the worker to receive the next take", log=worker.log)
    outage_ends = time.monotonic() + 1.5
    wait_until(outage_over, timeout=10, what="a 1.5 s outage under the claim")
    pg_proxy.resume()
    again = wait_until(lambda: finished(again), timeout=60,
                       what="the take claimed once the database was back", log=worker.log)
    assert (again.status, again.attempts) == (TakeStatus.SUCCEEDED, 1), again.error


def test_it_runs_a_take_once_when_two_workers_get_its_message(
    start_worker, owner_and_project, fault_redis, fault_broker, fault_media
):
    user, project = owner_and_project
    shot = make_shot(user, project)
    # Both start at once; both are idle when the two copies of the message arrive.
    workers = [start_worker(wait=False), start_worker(wait=False)]
    for worker in workers:
        worker.wait_ready(fault_broker)
    [take] = request_takes(shot, user)
    # The same message again, as a broker redelivery or a sweeper race would send it.
    assert takes_publish([take.pk], queue=PROFILE_QUEUE)
    take = wait_until(lambda: finished(take), timeout=120, what="the take to finish",
                      log=workers[0].log)

    def both_messages_consumed():
        return (fault_redis.queue_length(PROFILE_QUEUE) == 0 and fault_redis.unacked() == 0)

    wait_until(both_messages_consumed, timeout=60, what="both messages to be acknowledged")
    # Each worker took one copy (a busy solo worker fetches no second message).
    for worker in workers:
        assert "Task worker.generate_takes" in worker.log(), worker.log()[-3000:]
    take = fresh(take)
    assert take.status == TakeStatus.SUCCEEDED, take.error
    assert take.attempts == 1
    assert_one_set_of_media(fault_media, take)
