"""The decisions section of the home page ("what needs me now")."""

from culture import clock
from decisions.models import Memo


def home_context(request) -> dict:
    """Memos waiting for my rating and my bets that need an outcome (three queries)."""
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return {}
    today = clock.today()
    waiting = list(
        Memo.objects.visible_to(user)
        .waiting_for_rating_by(user, today)
        .select_related("captain")
        # What the list shows: not the body, the search vector or the captain's whole row.
        .only("title", "decide_by", "captain__name")
        .order_by("decide_by", "id")[:5]
    )
    needs_outcome = list(
        Memo.objects.needing_outcome_for(user, today)
        .only("title", "look_back_on")
        .order_by("look_back_on", "id")[:5]
    )
    return {"decisions_waiting": waiting, "decisions_needs_outcome": needs_outcome}
