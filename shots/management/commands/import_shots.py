"""Import a CSV shot list into a project, or check it with --dry-run."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lotix.errors import DomainError
from projects.models import Project
from shots.services import shot_list_check, shot_list_import


class Command(BaseCommand):
    help = (
        "Import a CSV shot list (scene code, shot code, job, subject & action, camera, duration, "
        "aspect ratio) into a project. All or nothing: a file with any bad row imports nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the CSV file")
        parser.add_argument("--project", required=True, help="the project's slug")
        parser.add_argument("--dry-run", action="store_true",
                            help="check every row and list errors without writing anything")

    def handle(self, *args, file, project, dry_run, **options):
        try:
            target = Project.objects.get(slug=project, archived_at__isnull=True)
        except Project.DoesNotExist:
            raise CommandError(f"No active project with slug {project!r}.") from None
        try:
            text = Path(file).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {file}: {error}") from None
        try:
            rows = shot_list_check(project=target, text=text)
        except DomainError as error:
            raise CommandError(error.message) from None
        for row in rows:
            state = "; ".join(row["errors"]) if row["errors"] else "ok"
            new = " (new scene)" if row["new_scene"] else ""
            self.stdout.write(f"line {row['line']}: {row['scene']}/{row['shot']}{new}: {state}")
        bad = sum(1 for row in rows if row["errors"])
        if bad:
            raise CommandError(f"{bad} of {len(rows)} rows have errors; nothing was imported.")
        if dry_run:
            self.stdout.write(f"Dry run: {len(rows)} shots would be imported.")
            return
        try:
            shots = shot_list_import(project=target, actor=None, text=text)
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(self.style.SUCCESS(f"Imported {len(shots)} shots into {target.name}."))
