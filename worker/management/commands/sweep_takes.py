from django.core.management.base import BaseCommand

from takes.services import takes_sweep


class Command(BaseCommand):
    help = "Re-publish queued takes whose message was lost; requeue or fail expired running takes."

    def handle(self, *args, **options):
        result = takes_sweep()
        self.stdout.write(
            f"{result['republished']} republished, {result['requeued']} requeued, "
            f"{result['failed']} failed."
        )
