"""The company's clock: which zone a person reads times in, and the company's "today".

Times are stored in UTC. Every request activates the viewer's zone (culture.middleware.
ReaderMiddleware), so forms read typed times in it and templates show times in it; every
message sent to a person is rendered in theirs (culture.notifications.render_email).

- `zone_for(person)` is the one place that chooses a reader's zone: their own
  (Person.time_zone, chosen on their account page) or, when they have not chosen one, the
  company's (CompanySettings.time_zone).
- `today()` is the company's date: dates that belong to the company (a cycle's due day, a
  campaign's window, a pay record's effective date) are the company's, whoever looks.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, tzinfo

from django.utils import timezone

from culture.models import CompanySettings


def company_zone() -> zoneinfo.ZoneInfo:
    return CompanySettings.load().tz


def zone_for(person, company: tzinfo | None = None) -> tzinfo:
    """The zone `person` reads times in: their own, else the company's (None or anonymous:
    the company's). A caller looping over many people passes the company's zone it read.

    The company's zone comes with the person when the request's person lookup read it
    (culture.backends: `company_time_zone`), so a page costs no query for it."""
    for name in (getattr(person, "time_zone", None), getattr(person, "company_time_zone", None)):
        if not name:
            continue
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            continue
    return company or company_zone()


def today() -> date:
    """The company's date now."""
    return CompanySettings.load().today()


def today_for(person) -> date:
    """The company's date now, as `today()`, without a query when `person` came from the
    request's person lookup (it carries the company's zone: culture.backends)."""
    name = getattr(person, "company_time_zone", None)
    if name:
        try:
            return timezone.localtime(timezone=zoneinfo.ZoneInfo(name)).date()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    return today()


def now_local(zone=None) -> datetime:
    return timezone.localtime(timezone=zone or company_zone())
