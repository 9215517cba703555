"""The four guides a company starts with (travel, spending, contracts, vacation), added once on
the first migrate, with no owner yet: people admins give each an owner and rewrite them. A
company that deletes one does not get it back (this runs once). The text is read from
freedom/defaults.py when the migration runs (the demo uses the same text)."""

from django.db import migrations

from freedom.defaults import add_default_guides


def add_guides(apps, schema_editor):
    add_default_guides(apps.get_model("freedom", "Guide"))


class Migration(migrations.Migration):
    dependencies = [("freedom", "0001_initial")]

    operations = [migrations.RunPython(add_guides, migrations.RunPython.noop)]
