"""The severance estimate shown beside a keeper answer: months by level from the policy,
an amount when pay knows the salary and the viewer may see it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from culture import access, audit
from culture.models import Person
from keeper.models import KeeperPolicy
from pay.api import current_base_salary


@dataclass
class SeveranceEstimate:
    months: int
    level: int | None
    amount: Decimal | None = None
    currency: str = ""
    monthly: Decimal | None = None


def severance_estimate(
    person: Person, policy: KeeperPolicy | None = None, *, viewer: Person | None = None
) -> SeveranceEstimate:
    """Months by level from the company's policy; an amount when the pay app knows the
    person's current base salary and `viewer` may see it (their management chain and
    people admins, as pay's own rule; the read is audited)."""
    policy = policy or KeeperPolicy.load()
    estimate = SeveranceEstimate(months=policy.months_for_level(person.level), level=person.level)
    if viewer is None or not access.can_manage(viewer, person):
        return estimate
    salary = current_base_salary(person)
    if not salary:
        return estimate
    audit.record(viewer, "keeper.salary.read", subject=person, detail={"for": "severance"})
    amount, currency = salary
    monthly = (Decimal(amount) / 12).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    estimate.monthly = monthly
    estimate.amount = (Decimal(amount) * estimate.months / 12).quantize(
        Decimal("1"), rounding=ROUND_HALF_UP
    )
    estimate.currency = currency
    return estimate
