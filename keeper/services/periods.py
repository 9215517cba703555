"""The keeper schedule's maths, in the company's zone: when a cycle opens and the next
one does, what the period is called, when its reminders fall. No writes."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

from django.utils import translation

from keeper import labels
from keeper.models import Cadence, KeeperCycle, KeeperPolicy


def add_months(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + n
    return index // 12, index % 12 + 1


def local_at(d: date, hour: int, tz: tzinfo) -> datetime:
    return datetime.combine(d, time(hour), tzinfo=tz)


def scheduled_opening(policy: KeeperPolicy, tz: tzinfo, now: datetime) -> tuple[datetime, datetime]:
    """The latest scheduled opening at or before `now` and the one after it (company time)."""
    local = now.astimezone(tz)
    year, month = local.year, local.month
    for back in range(0, 13):
        y, m = add_months(local.year, local.month, -back)
        if (m - policy.opening_month) % policy.cadence:
            continue
        opening = local_at(date(y, m, 1), policy.opening_hour, tz)
        if opening <= now:
            year, month = y, m
            break
    opening = local_at(date(year, month, 1), policy.opening_hour, tz)
    ny, nm = add_months(year, month, policy.cadence)
    return opening, local_at(date(ny, nm, 1), policy.opening_hour, tz)


def period_label(cadence: int, opening: datetime) -> str:
    """What the period opening at `opening` is called, in the active language: "Q1 2027",
    "H2 2027", "Jan–Feb 2027" or "Nov 2027–Jan 2028" in English (keeper.labels)."""
    y, m = opening.year, opening.month
    if cadence == Cadence.QUARTERLY and m % 3 == 1:
        return labels.quarter((m - 1) // 3 + 1, y)
    if cadence == Cadence.HALF_YEARLY and m in (1, 7):
        return labels.half(1 if m == 1 else 2, y)
    ey, em = add_months(y, m, cadence - 1)
    return labels.month_span(y, m, ey, em)


def stored_period_label(cadence: int, opening: datetime) -> str:
    """The label a cycle stores: in English whatever language is active, so audit details,
    webhooks and exports read the same; pages and messages show it in their reader's
    language (KeeperCycle.display_label)."""
    with translation.override("en"):
        return period_label(cadence, opening)


def reminder_times(
    cycle: KeeperCycle, tz: tzinfo, reader: tzinfo | None = None
) -> dict[str, datetime]:
    """When each reminder of `cycle` reaches a reader in zone `reader` (default: the
    company's, `tz`): on the company's days, at the hour the cycle opened in the company
    (09:00 in London is 09:00 in Tokyo for a reader there, not 17:00)."""
    hour = cycle.opens_at.astimezone(tz).hour
    reader = reader or tz
    return {
        "soon": local_at(cycle.due_on - timedelta(days=3), hour, reader),
        "due": local_at(cycle.due_on, hour, reader),
        "overdue": local_at(cycle.due_on + timedelta(days=1), hour, reader),
    }


# The widest gap between two zones' clocks (UTC-12 to UTC+14): a reminder's moment for any
# reader is within this of the company's.
WIDEST_ZONE_GAP = timedelta(hours=26)
