from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Write tiny, randomly initialised pipelines for every tiny-* profile (offline)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=None, help="defaults to LOTIX_MODELS_DIR")
        parser.add_argument("--force", action="store_true", help="rebuild those present")

    def handle(self, *args, dir, force, **options):
        from generation.tiny import build_tiny_models

        models_dir = Path(dir or settings.LOTIX_MODELS_DIR)
        for path in build_tiny_models(models_dir, force=force):
            self.stdout.write(f"{path}")
