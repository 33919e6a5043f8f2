"""Celery tasks: thin, taking ids, calling the runner or a service."""

from celery import shared_task

from takes import services
from worker import runner


@shared_task(name="worker.generate_takes", acks_late=True, reject_on_worker_lost=True)
def generate_takes(take_ids: list[int]) -> list[int]:
    """Claim the takes still queued among `take_ids` and run them as one batch."""
    return runner.run_takes(take_ids)


@shared_task(name="worker.sweep_takes")
def sweep_takes() -> dict:
    """Re-publish lost queued takes; requeue or fail running takes whose lease expired."""
    return services.takes_sweep()
