"""Reminding one manager, from the rollup, of the keeper tests they still have to answer:
through the notification ledger, at most once a day per manager (the key carries the day),
whoever clicks and however often."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from culture import audit, clock
from culture.errors import ActionRefused
from culture.i18n import as_reader
from culture.models import Notification, Person
from culture.notifications import notify
from keeper.models import KeeperCycle, KeeperTest


def remind_key(cycle: KeeperCycle, manager_id: int, day: date) -> str:
    return f"keeper:{cycle.period_key}:remind:{manager_id}:{day.isoformat()}"


def still_to_answer(cycle: KeeperCycle, count: int) -> str:
    """A reminder's title, in the active language."""
    return ngettext(
        "Keeper test, %(label)s: %(count)s still to answer",
        "Keeper test, %(label)s: %(count)s still to answer",
        count,
    ) % {"label": cycle.display_label, "count": count}


def reminded_today(cycle: KeeperCycle, manager_ids: Iterable[int], *, today: date) -> set[int]:
    """Which of these managers were already reminded on `today` (one query)."""
    keys = [remind_key(cycle, pk, today) for pk in manager_ids]
    if not keys:
        return set()
    return set(Notification.objects.filter(key__in=keys).values_list("recipient_id", flat=True))


def do_remind_manager(
    *, actor: Person, manager: Person, cycle: KeeperCycle, today: date | None = None
) -> bool:
    """Remind `manager` of their unanswered tests in the open `cycle`. True when a reminder
    went out, False when they were already reminded `today` (the company's date unless
    given: nothing is sent twice the same day)."""
    if not cycle.is_open():
        raise ActionRefused(_("This cycle is closed: there is nothing to remind anyone of."))
    count = KeeperTest.objects.filter(
        cycle=cycle, report__manager=manager, report__is_active=True, answer=""
    ).count()
    if not count:
        raise ActionRefused(_("%(name)s has answered every keeper test.") % {"name": manager.name})
    with as_reader(manager):
        title = still_to_answer(cycle, count)
    sent = notify(
        manager,
        key=remind_key(cycle, manager.pk, today or clock.today()),
        kind="keeper.remind",
        title=title,
        url=reverse("keeper:index"),
        template="emails/keeper_nudge",
        context={"cycle": cycle, "count": count, "stage": "remind"},
    )
    if sent is None:
        return False
    audit.record(actor, "keeper.manager.reminded", subject=manager, detail={"cycle": cycle.label})
    return True
