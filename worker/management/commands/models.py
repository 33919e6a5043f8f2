from django.conf import settings
from django.core.management.base import BaseCommand

from generation import profiles


class Command(BaseCommand):
    help = "List the model profiles and whether their weights are on this machine."

    def handle(self, *args, **options):
        models_dir = settings.LOTIX_MODELS_DIR
        self.stdout.write(f"LOTIX_MODELS_DIR = {models_dir}")
        self.stdout.write(f"{'profile':<16} {'queue':<8} {'weights':<8} model")
        for profile in profiles.profiles_all():
            present = profiles.weights_present(profile, models_dir)
            source = profile.model_id or profile.local_dir or "none needed"
            self.stdout.write(
                f"{profile.id:<16} {profile.queue:<8} {'yes' if present else 'MISSING':<8} "
                f"{source}"
            )
