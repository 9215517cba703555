"""The keeper section of the home page ("what needs me now")."""

from django.db.models import Count, Q

from keeper.models import KeeperCycle, KeeperTest


def home_context(request) -> dict:
    """A manager's open keeper tests with the due date; an employee's reminder that they may
    ask their manager the keeper prompt. Two queries at most."""
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
