from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from keeper.services import sweep as sweep_services


class Command(BaseCommand):
    help = "Open a due keeper cycle and send due reminders (idempotent; safe to run any time)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--now", help="Pretend it is this moment (ISO 8601; naive means company time)."
        )

    def handle(self, *args, now=None, **options):
        moment = None
        if now:
            try:
                moment = datetime.fromisoformat(now)
            except ValueError as exc:
                raise CommandError(f"--now: {exc}") from exc
            if timezone.is_naive(moment):
                from culture.models import CompanySettings

                moment = moment.replace(tzinfo=CompanySettings.load().tz)
        self.stdout.write(sweep_services.sweep(moment).line())
