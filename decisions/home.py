"""The decisions section of the home page ("what needs me now") and its todos."""

from django.db.models import Count, Min
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext

from culture import clock
from culture.sections import Todo
from decisions.models import Memo

# The "Rate N memos" todo counts up to this many and says "99+" past it: counting every open
# memo the reader may see (and checking each for their rating) grows with the company.
WAITING_COUNT_CAP = 99


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


def todos(request) -> list[Todo]:
    """Memos waiting for my rating (how many, due when the first one closes) and my bets
    whose look-back day has come (overdue once it has passed). Two queries."""
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return []
    today = clock.today()
    found: list[Todo] = []
    # The first WAITING_COUNT_CAP + 1 in decide-by order (a LIMITed subquery): their count,
    # exact up to the cap, and the earliest decide-by, which is the first row's. Ordered by
    # decide-by alone, the order of the (state, decide_by) index, so the scan stops there.
    waiting = (
        Memo.objects.visible_to(user)
        .waiting_for_rating_by(user, today)
        .order_by("decide_by")
        .values("id", "decide_by")[: WAITING_COUNT_CAP + 1]
        .aggregate(n=Count("id"), first=Min("decide_by"))
    )
    if waiting["n"]:
        n = waiting["n"]
        shown: int | str = n
        if n > WAITING_COUNT_CAP:  # as the paginators' "1,000+"
            shown = gettext("%(count)s+") % {"count": number_format(WAITING_COUNT_CAP)}
        found.append(
            Todo(
                label=ngettext("Rate %(count)s memo", "Rate %(count)s memos", n) % {"count": shown},
                url=reverse("decisions:index") + "?waiting=1",
                count=n,
                due=waiting["first"],
            )
        )
    outcomes = Memo.objects.needing_outcome_for(user, today).aggregate(
        n=Count("id"), first=Min("look_back_on"), memo=Min("id")
    )
    if outcomes["n"]:
        n = outcomes["n"]
        found.append(
            Todo(
                label=(
                    gettext("Look back on your bet")
                    if n == 1
                    else ngettext(
                        "Look back on %(count)s of your bets",
                        "Look back on %(count)s of your bets",
                        n,
                    )
                    % {"count": n}
                ),
                url=(
                    reverse("decisions:step", args=[outcomes["memo"], "outcome"])
                    if n == 1
                    else reverse("decisions:person_ledger", args=[user.pk])
                ),
                count=n,
                due=outcomes["first"],
                overdue=outcomes["first"] < today,
            )
        )
    return found
