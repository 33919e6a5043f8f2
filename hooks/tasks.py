"""Celery tasks for webhooks: thin, taking ids, calling one service."""

from celery import shared_task

from hooks import services


@shared_task(name="hooks.deliver", acks_late=True, ignore_result=True)
def deliver(delivery_id: int) -> str:
    """Make one attempt at a webhook delivery; the service schedules the next on failure."""
    return services.webhook_deliver(delivery_id=delivery_id)


@shared_task(name="hooks.sweep_deliveries", ignore_result=True)
def sweep_deliveries() -> dict:
    """Publish again pending webhook deliveries whose message was lost."""
    return services.deliveries_sweep()
