"""The keeper prompt: a private log only its owner sees."""

from __future__ import annotations

from datetime import date

from culture.models import Person
from keeper.models import KeeperPromptLog


def do_log_prompt(*, person: Person, asked_on: date, heard: str, note: str) -> KeeperPromptLog:
    return KeeperPromptLog.objects.create(
        person=person, manager_id=person.manager_id, asked_on=asked_on, heard=heard, note=note
    )
