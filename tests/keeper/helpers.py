"""Keeper test helpers (plain functions with keyword defaults)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from keeper.models import KeeperCycle, KeeperNote, KeeperTest
from keeper.services import sweep as sweep_services


def open_cycle_now(*, days_ago: int = 2, days_left: int = 80) -> KeeperCycle:
    """An open cycle (opened `days_ago`), with its snapshot of the current tree."""
    now = timezone.now()
    cycle, _ = sweep_services.open_cycle(
        opening=now - timedelta(days=days_ago),
        closes_at=now + timedelta(days=days_left),
        now=now,
    )
    return cycle


def keeper_test_of(cycle, person) -> KeeperTest:
    return KeeperTest.objects.get(cycle=cycle, report=person)


def write_note(test, *, text: str, author=None) -> KeeperNote:
    """A private note on `test`, by its answering manager unless `author` is given."""
    return KeeperNote.objects.create(
        test=test, author_id=author.pk if author else test.manager_id, text=text
    )


def note_text(test, author) -> str:
    """`author`'s own note on `test` ("" when they have none)."""
    note = KeeperNote.objects.filter(test=test, author=author).first()
    return note.text if note else ""
