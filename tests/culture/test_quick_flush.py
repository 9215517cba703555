"""The quick flush after a transactional test (tests/conftest.py `_quick_flush`) leaves the
database as Django's flush does: every table empty and without pages, the append-only ones
included, and the content types and permissions `post_migrate` writes; a test that changed
those gets Django's own flush, which writes them again."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import TransactionTestCase

from culture import audit
from pay.models import PayRecord
from tests.conftest import POST_MIGRATE_TABLES, tables_with_pages


def _counts() -> dict[str, int]:
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    with connection.cursor() as cursor:
        cursor.execute(
            " UNION ALL ".join(
                f"SELECT '{t}', count(*) FROM {connection.ops.quote_name(t)}"  # noqa: S608
                for t in sorted(tables)
            )
        )
        return dict(cursor.fetchall())


def _with_pages() -> set[str]:
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    return set(tables_with_pages(connection, tables))


def _teardown() -> None:
    """What pytest-django runs after a transactional test."""
    TransactionTestCase()._fixture_teardown()


def _written_by_post_migrate() -> tuple[int, int]:
    return ContentType.objects.count(), Permission.objects.count()


def _ids() -> set[int]:
    """Django's flush writes the content types again under new ids (it does not reset
    sequences); the quick flush leaves the rows as they were."""
    return set(ContentType.objects.values_list("pk", flat=True))


def test_the_quick_flush_empties_every_table_and_keeps_what_post_migrate_writes(
    transactional_db, world
):
    _teardown()  # the first flush of a process is Django's own: it records what it left
    expected, ids = _written_by_post_migrate(), _ids()
    assert expected[0] > 50 and expected[1] > 200
    from tests.conftest import build_world

    world = build_world()
    audit.record(world.manager, "test.flushed", subject=world.employee)
    PayRecord.objects.create(
        person=world.employee, effective_date=date(2026, 1, 1), base_salary="1", currency="EUR"
    )
    assert _counts()["culture_auditevent"] and _counts()["pay_payrecord"]

    _teardown()
    left = {t: n for t, n in _counts().items() if n and t not in POST_MIGRATE_TABLES}
    assert left == {}
    # Their pages given back, as TRUNCATE would: no dead rows for later tests to read.
    assert _with_pages() <= set(POST_MIGRATE_TABLES)
    assert _written_by_post_migrate() == expected
    assert _ids() == ids  # the quick flush ran

    # A test that drops a permission: the next flush is Django's, which writes it again.
    Permission.objects.filter(codename="view_payrecord").delete()
    _teardown()
    assert _written_by_post_migrate() == expected
    assert Permission.objects.filter(codename="view_payrecord").exists()
    assert not _ids() & ids  # Django's flush ran
