"""Trigram indexes for the directory search (PersonQuerySet.search), where PostgreSQL has
pg_trgm.

A word searched for is found inside names, titles and team names (LIKE '%word%'), which a
B-tree cannot answer: without these indexes each search reads every person. pg_trgm ships
with PostgreSQL's contrib (Debian's packages, the postgres images) and is a trusted
extension, so the database's owner may create it. The embedded PostgreSQL of `make run`
without DATABASE_URL has no contrib: there, and where the extension may not be created,
the migration creates nothing and says so, and the search is right and slower. The
indexes are not in the models' Meta for that reason: they exist where they can.
"""

import logging

from django.db import DatabaseError, migrations, transaction

log = logging.getLogger(__name__)

INDEXES = (
    "CREATE INDEX IF NOT EXISTS person_search_trgm_idx ON culture_person "
    "USING gin (search_text gin_trgm_ops) WHERE is_active",
    "CREATE INDEX IF NOT EXISTS team_name_trgm_idx ON culture_team "
    "USING gin (upper(name) gin_trgm_ops)",
)


def create(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        if cursor.fetchone() is None:
            log.warning("pg_trgm is not available: directory search reads every person")
            return
        try:
            with transaction.atomic(using=schema_editor.connection.alias):
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError as error:  # not the database's owner, say
            log.warning("pg_trgm could not be created (%s): directory search is slower", error)
            return
        for statement in INDEXES:
            cursor.execute(statement)


def drop(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS person_search_trgm_idx")
        cursor.execute("DROP INDEX IF EXISTS team_name_trgm_idx")


class Migration(migrations.Migration):
    dependencies = [("culture", "0012_scim_listing_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
