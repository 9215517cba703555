from __future__ import annotations

from datetime import date, timedelta

from culture import clock
from culture.models import Person
from freedom.models import TimeAway


def make_time_away(
    *,
    person: Person,
    starts_on: date | None = None,
    days: int = 5,
    note: str = "",
) -> TimeAway:
    start = starts_on or clock.today() + timedelta(days=7)
    return TimeAway.objects.create(
        person=person, starts_on=start, ends_on=start + timedelta(days=days - 1), note=note
    )
