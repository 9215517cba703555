"""The keeper section of the home page ("what needs me now") and its todos."""

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils.translation import ngettext

from culture.request_local import once_per_request
from culture.sections import Todo
from keeper.models import KeeperCycle, KeeperTest, PostExit


def _keeper_counts(request) -> dict:
    """The open cycle and the viewer's tests in it (two queries at most, once per request:
    the section and the todos share them)."""

    def load() -> dict:
        user = request.user
        cycle = KeeperCycle.objects.current()
        context = {"keeper_cycle": cycle, "keeper_total": 0, "keeper_answered": 0}
        if cycle is None:
            return context
        counts = KeeperTest.objects.filter(
            cycle=cycle, report__manager_id=user.pk, report__is_active=True
        ).aggregate(total=Count("id"), answered=Count("id", filter=~Q(answer="")))
        context.update(
            keeper_total=counts["total"],
            keeper_answered=counts["answered"],
            keeper_unanswered=counts["total"] - counts["answered"],
            keeper_may_ask=bool(user.manager_id),
        )
        return context

    return once_per_request("keeper_home", load)


def home_context(request) -> dict:
    """A manager's open keeper tests with the due date; an employee's reminder that they may
    ask their manager the keeper prompt. Two queries at most."""
    return dict(_keeper_counts(request))


def todos(request) -> list[Todo]:
    """Keeper tests still to answer in the open cycle (overdue after its due day) and the
    post-exit Q&As the viewer has still to hold: counts only. Three queries at most."""
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return []
    found: list[Todo] = []
    counts = _keeper_counts(request)
    cycle = counts["keeper_cycle"]
    unanswered = counts.get("keeper_unanswered", 0)
    if cycle is not None and unanswered:
        found.append(
            Todo(
                label=ngettext(
                    "Answer %(count)s keeper test", "Answer %(count)s keeper tests", unanswered
                )
                % {"count": unanswered},
                url=reverse("keeper:index"),
                count=unanswered,
                due=cycle.due_on,
                overdue=cycle.is_overdue(),
            )
        )
    to_hold = PostExit.objects.filter(manager_id=user.pk, held_on__isnull=True).aggregate(
        n=Count("id"), first=Min("left_on")
    )
    if to_hold["n"]:
        n = to_hold["n"]
        found.append(
            Todo(
                label=ngettext(
                    "Hold %(count)s post-exit Q&A with your team",
                    "Hold %(count)s post-exit Q&As with your team",
                    n,
                )
                % {"count": n},
                url=reverse("keeper:post_exits"),
                count=n,
            )
        )
    return found
