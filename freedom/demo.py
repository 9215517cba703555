"""Demo data for freedom and responsibility, called by `manage.py seed_demo`: the four guides
with owners, and time away across the company, some of it now and this week in the demo
manager's team, and one report of theirs who has not been away for months."""

from __future__ import annotations

from datetime import timedelta

from culture import clock
from culture.models import Person
from freedom.defaults import GUIDES
from freedom.models import Guide, TimeAway

NOTES = [
    "Offline, back refreshed",
    "Family trip; Sam covers reviews",
    "Hiking, no signal",
    "",
    "",
    "Moving house",
]


def seed(*, people, rng, scale: int = 1) -> str:
    today = clock.today()
    admin, manager, employee = people["admin"], people["manager"], people["employee"]
    owners = {
        "travel": people["director"],
        "spending": admin,
        "contracts": people["ceo"],
        "vacation": admin,
    }
    for i, guide in enumerate(GUIDES):
        Guide.objects.update_or_create(
            slug=guide["slug"],
            defaults={
                **guide,
                "owner": owners[guide["slug"]],
                "last_reviewed_on": today - timedelta(days=40 + 120 * i),
            },
        )

    entries = []
    # The manager's team: someone away now, someone later this week, the manager's own
    # time off next month (leaders model it), the employee's trip two months ago, and one
    # report who has not been away since they started (what the manager's note is about).
    team = list(Person.objects.active().filter(manager=manager).exclude(pk=employee.pk)[:4])
    entries.append(
        TimeAway(
            person=employee,
            starts_on=today - timedelta(days=70),
            ends_on=today - timedelta(days=60),
            note="Two weeks in Portugal",
        )
    )
    entries.append(
        TimeAway(
            person=manager,
            starts_on=today + timedelta(days=30),
            ends_on=today + timedelta(days=39),
            note="Offline, really",
        )
    )
    if len(team) > 0:
        entries.append(
            TimeAway(
                person=team[0],
                starts_on=today - timedelta(days=2),
                ends_on=today + timedelta(days=3),
                note=NOTES[1],
            )
        )
    if len(team) > 1:
        entries.append(
            TimeAway(
                person=team[1],
                starts_on=today + timedelta(days=3),
                ends_on=today + timedelta(days=8),
                note=NOTES[2],
            )
        )
    skip = {p.pk for p in team[2:3]} | {employee.pk, manager.pk} | {p.pk for p in team[:2]}
    if len(team) > 2:
        Person.objects.filter(pk=team[2].pk).update(start_date=today - timedelta(days=600))

    # Across the company: about two people in three took time off in the last nine months,
    # some have time away planned in the next three.
    for person in people["all"]:
        if person.pk in skip or rng.random() < 0.33:
            continue
        start = today + timedelta(days=rng.randint(-270, 90))
        length = rng.choice([1, 3, 5, 7, 10, 14])
        entries.append(
            TimeAway(
                person=person,
                starts_on=start,
                ends_on=start + timedelta(days=length - 1),
                note=rng.choice(NOTES),
            )
        )
    TimeAway.objects.bulk_create(entries, batch_size=2000)
    return f"{len(GUIDES)} guides, {len(entries)} stretches of time away"
