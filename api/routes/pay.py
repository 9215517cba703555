"""Pay (scope pay:read): a person's position against their market, for their management
chain and people admins (pay.access.get_pay_person_for_user: everyone else, the person
themself included, gets 404 here; their own pay is their page). Every read is audited as
the pay pages audit it. Money is a decimal string with its currency code."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from api.core import caller
from culture import audit, clock
from pay import access, comparison

router = Router(tags=["pay"])
SCOPE = "pay:read"


class PersonRef(Schema):
    id: int
    name: str


class PositionOut(Schema):
    person: PersonRef
    status: str
    reason: str
    currency: str
    salary: Decimal | None
    effective_date: date | None
    target_percentile: int
    measured_against: str
    target: Decimal | None
    market_percentile: str | None
    gap: Decimal | None
    below_target: bool


@router.get(
    "/pay/people/{person_id}/",
    response=PositionOut,
    url_name="pay_position",
    summary="A person's pay against their market (their chain and people admins)",
    openapi_extra={"x-scope": SCOPE},
)
def position(request: HttpRequest, person_id: int) -> dict[str, Any]:
    me = caller(request, SCOPE)
    person = access.get_pay_person_for_user(me, person_id)
    c = comparison.compare_people([person], on=clock.today())[0]
    audit.record(me, "pay.salary.read", subject=person, detail={"page": "api"})
    return {
        "person": person,
        "status": c.status,
        "reason": c.reason,
        "currency": c.currency,
        "salary": c.salary,
        "effective_date": c.record.effective_date if c.record else None,
        "target_percentile": c.target_percentile,
        "measured_against": c.measured_against,
        "target": c.target,
        "market_percentile": c.position.label if c.position else None,
        "gap": c.gap,
        "below_target": c.below_target,
    }
