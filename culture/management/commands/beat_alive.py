from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from culture.views.health import beat_status


class Command(BaseCommand):
    help = (
        "Exit 0 when Celery beat's heartbeat is at most --max-age seconds old, else 1: the "
        "beat container's health check (docker-compose.yml). The heartbeat is a task beat "
        "sends each minute and a worker runs, so a missing worker or broker shows here too."
    )
    # A health check runs every 30 s: no system checks (they would ask the database for its
    # version and fail with a traceback before the check below could say what is wrong).
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--max-age", type=int, default=180, help="seconds (default 180)")

    def handle(self, *args, max_age, **options):
        try:
            status = beat_status(timedelta(seconds=max_age))
        except Exception as exc:  # noqa: BLE001 - the database is down: not alive either
            raise CommandError(f"beat heartbeat unreadable: {type(exc).__name__}") from exc
        if status["last"] is None:
            raise CommandError("beat has not ticked yet (no heartbeat)")
        if not status["ok"]:
            raise CommandError(
                f"beat heartbeat is {status['age_seconds']} s old (more than {max_age} s)"
            )
        self.stdout.write(f"beat alive: last heartbeat {status['age_seconds']} s ago")
