"""What the directory shows beside a name: "Away until 6 Mar" (away today) or "Away from
9 Mar" (later this week), to whoever may see that person's time away (the person, their
team, their chain and people admins: TimeAway.objects.visible_to)."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from culture import clock
from culture.sections import Mark
from freedom.models import TimeAway

AHEAD = timedelta(days=6)


def person_marks(request, people: list) -> dict[int, list[Mark]]:
    """One query for the whole list, whatever its length; none for an anonymous viewer."""
    user = request.user
    if not getattr(user, "is_authenticated", False) or not people:
        return {}
    today = clock.today_for(user)
    entries = (
        TimeAway.objects.visible_to(user)
        .filter(person_id__in=[p.pk for p in people])
        .overlapping(today, today + AHEAD)
        .order_by("starts_on")
        .values_list("person_id", "starts_on", "ends_on")
    )
    now: dict[int, date] = {}
    soon: dict[int, date] = {}
    for person_id, starts_on, ends_on in entries:
        if starts_on <= today:
            now[person_id] = max(ends_on, now.get(person_id, ends_on))
        else:
            soon.setdefault(person_id, starts_on)
    marks: dict[int, list[Mark]] = {}
    for person_id, until in now.items():
        marks[person_id] = [
            Mark(_("Away until %(date)s") % {"date": date_format(until, "MONTH_DAY_FORMAT")})
        ]
    for person_id, starts in soon.items():
        if person_id not in now:
            marks[person_id] = [
                Mark(_("Away from %(date)s") % {"date": date_format(starts, "MONTH_DAY_FORMAT")})
            ]
    return marks
