"""python manage.py api_token create EMAIL --scopes people:read memos:read [--name N] [--days D]
python manage.py api_token list [EMAIL]
python manage.py api_token revoke ID

`create` prints a personal API token for the person with that email (for scripts and tests);
with --service, a service token (the person must be a people admin). The token is shown
once. `list` shows tokens (never the tokens themselves: only their first characters)."""

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
        listing = sub.add_parser("list", help="List tokens (everyone's, or one person's).")
        listing.add_argument("email", nargs="?")
        revoke = sub.add_parser("revoke", help="Revoke a token by its id.")
        revoke.add_argument("id", type=int)

    def handle(self, *args, **options):
        if options["action"] == "list":
            return self._list(options.get("email"))
        if options["action"] == "revoke":
            return self._revoke(options["id"])
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

    def _list(self, email):
        rows = ApiToken.objects.select_related("person").order_by("-created_at", "-id")
        if email:
            rows = rows.filter(person__email__iexact=email)
        for t in rows:
            state = "revoked" if t.revoked_at else "expired" if t.is_expired else "live"
            used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never"
            self.stdout.write(
                f"{t.pk}\t{t.kind}\t{t.person.email}\t{t.name}\t{t.hint}...\t"
                f"{','.join(t.scopes)}\t{state}\tlast used {used}"
            )

    def _revoke(self, token_id):
        try:
            token = ApiToken.objects.get(pk=token_id)
        except ApiToken.DoesNotExist:
            raise CommandError(f"No token has the id {token_id}.")
        tokens.do_revoke_token(by=None, token=token)
        self.stdout.write(f"Revoked {token.pk} ({token.name}).")
