from django.apps import AppConfig


class HooksConfig(AppConfig):
    name = "hooks"
    verbose_name = "Webhooks"

    def ready(self):
        # The Celery app only autodiscovers `worker`; importing the tasks here registers
        # hooks.deliver and hooks.sweep_deliveries in every process that sets Django up.
        from hooks import tasks  # noqa: F401
