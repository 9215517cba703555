"""python manage.py api_token create EMAIL --scopes people:read memos:read [--name N] [--days D]

Prints a personal API token for the person with that email (for scripts and tests); with
--service, a service token (the person must be a people admin). The token is shown once."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from api import tokens
from api.models import SCOPES, ApiToken
from culture.models import Person


class Command(BaseCommand):
    help = "Make an API token for a person and print it (shown once)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Make a token and print it.")
        create.add_argument("email")
        create.add_argument(
            "--scopes",
            nargs="+",
            required=True,
            help=f"One or more of: {', '.join(SCOPES)} (spaces or commas between them).",
        )
        create.add_argument("--name", default="manage.py api_token")
        create.add_argument("--days", type=int, default=tokens.DEFAULT_DAYS)
        create.add_argument("--service", action="store_true", help="A service token.")

    def handle(self, *args, **options):
        try:
            person = Person.objects.get(email__iexact=options["email"], is_active=True)
        except Person.DoesNotExist:
            raise CommandError(f"No active person has the email {options['email']}.")
        scopes = [s for item in options["scopes"] for s in item.split(",")]
        kind = ApiToken.Kind.SERVICE if options["service"] else ApiToken.Kind.PERSONAL
        try:
            _row, token = tokens.do_create_token(
                by=person, name=options["name"], scopes=scopes, days=options["days"], kind=kind
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages))
        self.stdout.write(token)
