"""python manage.py import_market_data FILE --source NAME --effective YYYY-MM-DD --currency EUR"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pay import importer


class Command(BaseCommand):
    help = "Import a market data CSV (validated as a whole; nothing is written on any error)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--source", required=True)
        parser.add_argument("--effective", required=True, help="YYYY-MM-DD")
        parser.add_argument("--currency", required=True)

    def handle(self, *args, **options):
        try:
            effective = date.fromisoformat(options["effective"])
        except ValueError as exc:
            raise CommandError("--effective must be a date (YYYY-MM-DD).") from exc
        currency = options["currency"].upper()
        source = options["source"].strip()[:120]
        if not source:
            raise CommandError("--source must not be empty.")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        started = time.monotonic()
        plan = importer.validate_market(path.read_bytes(), currency=currency)
        if not plan.ok:
            for problem in plan.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"Nothing imported: {len(plan.problems)} problem(s).")
        data_set = importer.write_market(
            plan, source=source, effective=effective, currency=currency
        )
        self.stdout.write(
            f"Imported {data_set.row_count} rows into {data_set} "
            f"in {time.monotonic() - started:.1f}s."
        )
