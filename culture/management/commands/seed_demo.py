import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection

from culture import demo, sections
from culture.models import Person


class Command(BaseCommand):
    help = "Build the demo company (about 60 people), or a bigger one with --people N."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=60, help="How many people (default 60).")
        parser.add_argument("--seed", type=int, default=7, help="Random seed, for repeatable data.")
        parser.add_argument(
            "--flush",
            action="store_true",
            help="Empty the database's product tables first (destroys all data).",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (and succeed) when people already exist; used by `make run`.",
        )

    def handle(self, *args, people, seed, flush, if_empty, **options):
        if flush:
            demo.flush()
        elif Person.objects.exists():
            if if_empty:
                self.stdout.write("Demo data already loaded; keeping it.")
                self._print_logins()
                return
            self.stderr.write("People already exist. Use --flush to rebuild the demo company.")
            raise SystemExit(2)
        started = time.monotonic()
        built = demo.build(people=people, seed=seed)
        rng = built.pop("rng")
        lines = [f"{len(built['all'])} people in the reporting tree"]
        scale = max(1, people // 60)
        for app, seed_practice in sections.demo_seeds():
            summary = seed_practice(people=built, rng=rng, scale=scale)
            if summary:
                lines.append(f"{app}: {summary}")
        # Planner statistics for what was just bulk-loaded: until autovacuum gets round to it
        # (or never, where it is off) the planner guesses, and a 10,000-person company's
        # pages ran at half speed under load (load/README.md).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        elapsed = time.monotonic() - started
        for line in lines:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"Demo company built in {elapsed:.1f}s."))
        self._print_logins()

    def _print_logins(self):
        self.stdout.write(
            f"\nLog in at {settings.SITE_URL}/login/ with password '{demo.DEMO_PASSWORD}':"
        )
        for email, role in demo.DEMO_LOGINS:
            self.stdout.write(f"  {email:<24} {role}")
