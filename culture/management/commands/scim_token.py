from typing import Any

from django.core.management.base import BaseCommand, CommandError

from culture.models import ScimToken
from culture.scim import tokens


class Command(BaseCommand):
    help = (
        "SCIM provisioning tokens, for infrastructure as code: `create NAME` prints a new "
        "token (shown this once: only its digest is stored), `list` shows them, "
        "`revoke ID` revokes one. People admins do the same on /settings/scim/."
    )

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="action", required=True)
        create = commands.add_parser("create", help="make a token and print it")
        create.add_argument("name", help="which identity provider uses it, e.g. Okta")
        commands.add_parser("list", help="the tokens, live and revoked")
        revoke = commands.add_parser("revoke", help="revoke a token by its id")
        revoke.add_argument("id", type=int)

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "create":
            name = options["name"].strip()
            if not name:
                raise CommandError("Give the token a name, e.g. scim_token create Okta")
            _row, secret = tokens.do_create_token(by=None, name=name)
            self.stdout.write(secret)
            self.stderr.write(
                "Shown once: paste it into your identity provider now (only its digest is kept)."
            )
        elif action == "list":
            for t in ScimToken.objects.for_listing():
                state = "live" if t.is_live else f"revoked {t.revoked_at:%Y-%m-%d %H:%M}"
                used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never"
                self.stdout.write(f"{t.pk}\t{t.name}\t{t.hint}…\t{state}\tlast used {used}")
        else:
            token = ScimToken.objects.filter(pk=options["id"]).first()
            if token is None:
                raise CommandError(f"No SCIM token has the id {options['id']}")
            if tokens.do_revoke_token(by=None, token=token):
                self.stdout.write(f"Revoked {token.name}.")
            else:
                self.stdout.write(f"{token.name} was revoked already.")
