"""The keeper app's part of a person's data (culture.privacy): the keeper tests about them
and the keeper-prompt log they kept."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext as _

from culture.models import Person
from keeper.models import KeeperPromptLog, KeeperTest, PostExit


def export(person: Person, *, viewer: Person) -> dict[str, Any]:
    """Keeper tests where they are the report, as their readers see them (the answer, the
    private notes the viewer may read, each with its author, whether it was shared), and
    their prompt log. Nobody reads an answer about themselves, people admins included
    (keeper.access), so a people admin exporting their own data gets those withheld. Three
    queries."""
    own = viewer.pk == person.pk
    tests: Iterable[KeeperTest] = (
        []
        if own
        else KeeperTest.objects.filter(report=person)
        .select_related("cycle", "manager")
        .with_notes_readable_by(viewer)
        .order_by("cycle__opens_at", "id")
    )
    prompts = (
        KeeperPromptLog.objects.filter(person=person)
        .select_related("manager")
        .order_by("asked_on", "id")
    )
    return {
        "keeper_tests_about_them": [
            {
                "cycle": test.cycle.label,
                "manager": {"id": test.manager_id, "name": test.manager.name},
                "answer": test.answer,
                "hire_again": test.hire_again,
                "notes": [
                    {
                        "author": {"id": note.author_id, "name": note.author.name},
                        "text": note.text,
                        "updated_at": note.updated_at,
                    }
                    for note in test.readable_notes
                ],
                "shared_with_employee": test.shared_with_employee,
                "answered_at": test.answered_at,
                "look_again_on": test.look_again_on,
                "created_at": test.created_at,
            }
            for test in tests
        ],
        "keeper_tests_withheld": (
            _(
                "Nobody reads keeper answers about themselves: export this person's data as "
                "another people admin to include them."
            )
            if own
            else ""
        ),
        "keeper_prompt_log": [
            {
                "asked_on": entry.asked_on,
                "manager": (
                    {"id": entry.manager_id, "name": entry.manager.name} if entry.manager else None
                ),
                "heard": entry.heard,
                "note": entry.note,
                "created_at": entry.created_at,
            }
            for entry in prompts
        ],
    }


def erase(person: Person, *, old_name: str, old_email: str) -> None:
    """Their keeper-prompt log was theirs alone to read; nobody can read it any more."""
    KeeperPromptLog.objects.filter(person=person).delete()


def delete_records(person_ids: Collection[int]) -> dict[int, dict[str, int]]:
    """The keeper tests about these people (their retention has run out)."""
    tests = KeeperTest.objects.filter(report_id__in=person_ids)
    counts = dict(tests.values_list("report_id").annotate(n=Count("id")).order_by())
    tests.delete()
    PostExit.objects.filter(person_id__in=person_ids).delete()
    return {pk: {"keeper_tests": n} for pk, n in counts.items()}
