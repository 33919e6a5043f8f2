"""Celery tasks for exports: thin, taking ids, calling one service."""

from celery import shared_task

from exports import services


@shared_task(name="exports.build", acks_late=True, reject_on_worker_lost=True)
def build(export_id: int) -> str:
    """Build the ZIP of one export on the CPU worker."""
    return services.export_build(export_id)
