from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "exports"
    verbose_name = "Editorial exports"

    def ready(self):
        # Registers the `exports.build` task with Celery in every process that loads Django
        # (the worker too), without adding the app to the Celery app's autodiscovery list.
        from exports import tasks  # noqa: F401
