"""What other apps may ask the pay app.

These functions do no access checks and write no audit rows: callers are responsible for
checking that the user may see this person's pay (e.g. `culture.access.can_manage`) and for
recording the read with `culture.audit.record`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from culture import clock


def current_base_salary(person, on: date | None = None) -> tuple[Decimal, str] | None:
    """The person's current base salary as (amount, ISO currency code), or None.

    Derived from the append-only pay history: the newest record in force today (or on `on`).
    Callers are responsible for access checks and auditing: this function checks nothing
    and records nothing, so never call it with a person the user may not see, and write an
    audit row (`culture.audit.record(user, "<app>.salary.read", subject=person)`) for the
    read. Never log the returned amount.
    """
    from pay.models import PayRecord

    on = on or clock.today()
    record = (
        PayRecord.objects.filter(person_id=person.pk, effective_date__lte=on)
        .order_by("-effective_date", "-id")
        .values_list("base_salary", "currency")
        .first()
    )
    if record is None:
        return None
    return Decimal(record[0]), record[1]
