"""Field-level leaks, walked over every GET URL x every persona: no salary appears on a page
the viewer may not see it on, and no keeper note appears to its subject, their peers, anyone
outside the chain, or anyone not above the note's author (each test carries a second note, as
if written by a manager the person had before a move). Salaries and notes are seeded with
values that appear nowhere else."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from tests.conftest import PERSONAS, build_world
from tests.security.checks import first_events, leaked
from tests.security.helpers import CASES, body, client

UNREVEALED = ("UNREVEALED",)  # both items written below carry it

GETS = sorted(n for n, s in CASES.items() if s.method == "get")


def _salary(person) -> int:
    return 913_000 + person.pk * 7  # 913xxx: no date, id or count in the pages looks like it


def _salary_pattern(amount: int) -> re.Pattern:
    digits = str(amount)
    return re.compile(r"(?<!\d)" + r"[,.\s\u00a0\u202f']?".join(digits) + r"(?!\d)")


def seed(world):
    from culture.models import Person
    from keeper.models import KeeperNote, KeeperTest
    from pay.models import PayRecord

    for person in Person.objects.all():
        PayRecord.objects.create(
            person=person,
            effective_date=date(2025, 6, 1),
            base_salary=Decimal(_salary(person)),
            currency="EUR",
        )
    for test in KeeperTest.objects.all():
        KeeperTest.objects.filter(pk=test.pk).update(answer=test.answer or "no")
        former = world.manager if test.manager_id == world.other_manager.pk else world.other_manager
        for author_id in (test.manager_id, former.pk):
            KeeperNote.objects.update_or_create(
                test=test, author_id=author_id, defaults={"text": _note(test, author_id)}
            )


def _note(test, author_id) -> str:
    return f"KEEPERNOTE{test.pk}A{author_id}Z"


def may_see_salary(viewer, person) -> bool:
    from culture.models import Person

    if viewer is None or not viewer.is_active:
        return False
    return (
        viewer.is_people_admin
        or viewer.pk == person.pk
        or Person.objects.under(viewer).filter(pk=person.pk).exists()
    )


def may_read_note(viewer, note) -> bool:
    """The person's chain (as for the answer), and of those only the note's author, the
    people above the author and people admins; never the person the note is about."""
    from culture.models import Person

    if viewer is None or not viewer.is_active or viewer.pk == note.test.report_id:
        return False
    if viewer.is_people_admin:
        return True
    under = Person.objects.under(viewer)
    return under.filter(pk=note.test.report_id).exists() and (
        viewer.pk == note.author_id or under.filter(pk=note.author_id).exists()
    )


@pytest.mark.django_db
@pytest.mark.parametrize("name", GETS)
def test_no_salary_or_keeper_note_leaks(name):
    from culture.models import Person
    from keeper.models import KeeperNote

    world = build_world()
    spec = CASES[name]
    extra = spec.setup(world) if spec.setup else {}
    seed(world)
    people = list(Person.objects.all())
    notes = list(KeeperNote.objects.select_related("test__report", "author"))
    problems = []
    for persona in PERSONAS:
        viewer = world.inactive if persona == "inactive" else world.persona(persona)
        response = client(world, persona).get(spec.url(world, extra), headers=spec.headers)
        text = body(response)
        for person in people:
            if not may_see_salary(viewer, person) and _salary_pattern(_salary(person)).search(text):
                problems.append(f"{persona} sees {person.name}'s salary")
        for note in notes:
            if _note(note.test, note.author_id) not in text:
                continue
            if not may_read_note(viewer, note):
                problems.append(
                    f"{persona} sees {note.author.name}'s keeper note about {note.test.report.name}"
                )
    assert not problems, f"{name}: " + "; ".join(problems)


@pytest.mark.django_db(transaction=True)
def test_no_unrevealed_circle_item_in_any_stream_event_or_fragment(world, redis_url):
    """Before the reveal, the peer's and the facilitator's room, fragment and first stream
    events never carry the employee's item (events say only "changed, version V")."""
    from django.urls import reverse

    from tests.feedback.factories import make_circle, step, write

    circle = make_circle(facilitator=world.manager, people=[world.employee, world.peer])
    step(circle, world.manager, "start")
    write(circle, world.employee, "UNREVEALED-ITEM-TEXT")
    for persona in ("peer", "manager", "outsider"):
        c = client(world, persona)
        for name in ("feedback:room", "feedback:room_state"):
            text = body(c.get(reverse(name, args=[circle.pk])))
            assert "UNREVEALED-ITEM-TEXT" not in text, (persona, name)
        response = c.get(reverse("feedback:stream", args=[circle.pk]))
        if response.status_code != 200:
            assert persona == "outsider"
            continue
        write(circle, world.peer, "ANOTHER-UNREVEALED") if persona == "peer" else None
        events = first_events(response)
        assert "event:" in events
        assert not leaked(events, UNREVEALED), (persona, events)
