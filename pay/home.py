"""The pay section of the home page ("what needs me now")."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from culture import clock
from culture.aggregates import group_count
from culture.models import Person
from culture.sections import Todo
from pay import comparison
from pay.models import CashMixChoice, PayPolicy, RaiseProposal


def home_context(request) -> dict:
    """Context for templates/pay/_home.html, in a fixed number of queries.

    Managers see how many people under them are below target (a count only, suppressed
    under 3 people, and when it covers 1 or 2: culture.aggregates) and their open raise
    proposals; people admins see proposals to record.
    """
    user = request.user
    ctx: dict[str, Any] = {"pay_is_manager": False, "pay_below": None, "pay_admin_open": 0}
    if not getattr(user, "is_authenticated", False):
        return ctx
    # What a comparison reads of a person (not the password hash or the search text).
    people = list(
        Person.objects.under_by_level(user).active().only("name", "job_family", "level", "location")
    )
    if people:
        rows = comparison.compare_people(people, on=clock.today())
        compared = [c for c in rows if c.ratio is not None]
        ctx.update(
            pay_is_manager=True,
            pay_team_size=len(people),
            pay_below=(
                group_count(sum(1 for c in compared if c.below_target))
                if len(compared) >= comparison.MIN_AGGREGATE
                else None
            ),
            pay_open_proposals=RaiseProposal.objects.open()
            .filter(person_id__in=[p.pk for p in people])
            .count(),
        )
    if user.is_people_admin:
        ctx["pay_admin_open"] = RaiseProposal.objects.open().count()
    return ctx


def todos(request) -> list[Todo]:
    """Raise proposals to record (people admins, who decide them: a count) and the
    viewer's own cash / stock choice while the window is open and they have not chosen
    (due on the window's last day). Three queries at most (the policy once per request)."""
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return []
    found: list[Todo] = []
    if user.is_people_admin:
        n = RaiseProposal.objects.open().count()
        if n:
            found.append(
                Todo(
                    label=ngettext(
                        "Record %(count)s raise proposal", "Record %(count)s raise proposals", n
                    )
                    % {"count": n},
                    url=reverse("pay:overview"),
                    count=n,
                )
            )
    policy = PayPolicy.current()
    today = clock.today()
    year = policy.mix_year
    if (
        policy.mix_window_open(today)
        and year is not None
        and not CashMixChoice.objects.filter(person=user, year=year).exists()
    ):
        found.append(
            Todo(
                label=_("Choose your cash / stock mix for %(year)s") % {"year": year},
                url=reverse("pay:index") + "#mix",
                due=policy.mix_window_end,
            )
        )
    return found
