from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from culture import people_import


class Command(BaseCommand):
    help = (
        "Import people from a CSV file (email, name, title, job_family, level, location, team, "
        "manager_email, start_date). The whole file is validated first; on any error nothing "
        "is written and the command exits non-zero."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--deactivate-missing",
            action="store_true",
            help="Deactivate active people who are not in the file (default: only report them).",
        )

    def handle(self, *args, file, deactivate_missing, **options):
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc}")
        plan = people_import.validate(content)
        if not plan.ok:
            for problem in plan.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(plan.problems)} problem(s); nothing was imported.")
        counts = people_import.apply(plan, deactivate_missing=deactivate_missing)
        self.stdout.write(
            f"Imported {len(plan.rows)} rows: {counts['created']} created, {counts['updated']} "
            f"updated, {counts['teams_created']} teams created."
        )
        if plan.missing:
            verb = (
                "deactivated" if deactivate_missing else "left unchanged (use --deactivate-missing)"
            )
            self.stdout.write(f"{len(plan.missing)} active people not in the file were {verb}:")
            for email in plan.missing[:50]:
                self.stdout.write(f"  {email}")
            if len(plan.missing) > 50:
                self.stdout.write(f"  ... and {len(plan.missing) - 50} more")
