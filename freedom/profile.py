"""What a profile shows of time away: "Away until <date>", to whoever may see it."""

from culture import clock
from freedom.access import may_see_time_away_of
from freedom.models import TimeAway


def profile_context(request, person, *, manages: bool) -> dict:
    """One query, and none for a viewer who may not see the person's time away."""
    if not may_see_time_away_of(request.user, person, manages=manages):
        return {}
    today = clock.today()
    last_day = (
        TimeAway.objects.filter(person=person)
        .overlapping(today, today)
        .order_by("-ends_on")
        .values_list("ends_on", flat=True)
        .first()
    )
    return {"away_until": last_day} if last_day else {}
