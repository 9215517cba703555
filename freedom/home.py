"""The freedom section of the home page: who in my team and below me is away now or this week."""

from datetime import timedelta

from culture import clock
from freedom.models import TimeAway

SHOWN = 8


def home_context(request) -> dict:
    """Away now and later this week, in the viewer's team and below them (one query)."""
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return {}
    today = clock.today()
    entries = list(
        TimeAway.objects.of_team_and_reports(user)
        .overlapping(today, today + timedelta(days=6))
        .for_list()
        .order_by("starts_on", "person__name", "id")[: SHOWN + 1]
    )
    more = len(entries) > SHOWN
    entries = entries[:SHOWN]
    return {
        "away_now": [e for e in entries if e.starts_on <= today],
        "away_this_week": [e for e in entries if e.starts_on > today],
        "away_more": more,
    }
