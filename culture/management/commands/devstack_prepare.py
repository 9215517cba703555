from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Migrate, then load the demo company if the database has no people (`make run` calls "
        "this once per start; one process instead of two keeps start-up short)."
    )

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=options["verbosity"])
        call_command("seed_demo", if_empty=True, stdout=self.stdout, stderr=self.stderr)
