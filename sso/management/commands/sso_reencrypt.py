"""Re-encrypt the stored secrets with the first FIELD_ENCRYPTION_KEY (key rotation)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from sso import crypto
from sso.models import IdentitySettings


class Command(BaseCommand):
    help = "Re-encrypt stored single sign-on secrets with the first FIELD_ENCRYPTION_KEY."

    def handle(self, *args, **options):
        with transaction.atomic():
            row = IdentitySettings.objects.select_for_update().filter(pk=1).first()
            if row is None or not row.oidc_client_secret:
                self.stdout.write("No stored secret.")
                return
            try:
                row.oidc_client_secret = crypto.rotate(row.oidc_client_secret)
            except Exception as exc:  # InvalidToken: no configured key reads it
                raise CommandError(
                    "The stored secret cannot be read with any configured key: keep the old "
                    "key in FIELD_ENCRYPTION_KEY, or type the secret again on the page."
                ) from exc
            row.save(update_fields=["oidc_client_secret"])
        self.stdout.write("Re-encrypted the client secret with the first key.")
