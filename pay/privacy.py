"""The pay app's part of a person's data (culture.privacy) and of the retention sweep
(culture.retention): pay records, market evidence (and shared attachments), cash / stock
choices and raise proposals about them, deleted
once an erased person's retention period has run out; salary and market uploads, cleared
like the people import's."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from django.db.models import Count

from culture.models import Person
from culture.privacy import scrub_columns
from culture.retention import clear_uploads
from pay.models import CashMixChoice, MarketEvidence, PayImportJob, PayRecord, RaiseProposal


def _who(person_id: int | None, person: Person | None) -> dict[str, Any] | None:
    return {"id": person_id, "name": person.name} if person else None


def export(person: Person, *, viewer: Person) -> dict[str, Any]:
    """Three queries, whatever the amount. Money as a decimal string with its currency."""
    records = PayRecord.objects.filter(person=person).select_related("recorded_by")
    evidence = MarketEvidence.objects.filter(person=person).select_related("recorded_by")
    proposals = RaiseProposal.objects.filter(person=person).select_related(
        "proposed_by", "recorded_by"
    )
    return {
        "pay_records": [
            {
                "effective_date": r.effective_date,
                "base_salary": str(r.base_salary),
                "currency": r.currency,
                "cash_percent": r.cash_percent,
                "reason": r.reason,
                "recorded_by": _who(r.recorded_by_id, r.recorded_by),
                "created_at": r.created_at,
            }
            for r in records.order_by("effective_date", "id")
        ],
        "market_evidence": [
            {
                "kind": e.kind,
                "amount": str(e.amount),
                "currency": e.currency,
                "observed_on": e.observed_on,
                "note": e.note,
                "shared_by_person": e.shared_by_person,
                "attachment_name": e.attachment_name,
                "recorded_by": _who(e.recorded_by_id, e.recorded_by),
                "created_at": e.created_at,
            }
            for e in evidence.order_by("observed_on", "id")
        ],
        "raise_proposals": [
            {
                "proposed_salary": str(p.proposed_salary),
                "currency": p.currency,
                "reason": p.reason,
                "status": p.status,
                "proposed_by": _who(p.proposed_by_id, p.proposed_by),
                "recorded_by": _who(p.recorded_by_id, p.recorded_by),
                "created_at": p.created_at,
                "recorded_at": p.recorded_at,
            }
            for p in proposals.order_by("created_at", "id")
        ],
    }


def erase(person: Person, *, old_name: str, old_email: str) -> None:
    """Their address in salary import reports ("unknown person ...")."""
    scrub_columns(PayImportJob, ["result"], old_name="", old_email=old_email, person_id=person.pk)


def delete_records(person_ids: Collection[int]) -> dict[int, dict[str, int]]:
    """Pay records (append-only: the database lets them go only for erased people), then the
    raise proposals they point at, then market evidence (with any attachment). Their cash /
    stock choices go first."""
    counts: dict[int, dict[str, int]] = {}
    for kind, model in (
        # Their cash / stock choices first: a choice points at the record that carried it.
        ("cash_mix_choices", CashMixChoice),
        ("pay_records", PayRecord),
        ("raise_proposals", RaiseProposal),
        ("market_evidence", MarketEvidence),
    ):
        rows = model.objects.filter(person_id__in=person_ids)
        for pk, n in rows.values_list("person_id").annotate(n=Count("id")).order_by():
            counts.setdefault(pk, {})[kind] = n
        rows.delete()
    return counts


def sweep(now: datetime) -> dict[str, int]:
    return {"uploads": clear_uploads(PayImportJob, now=now)}
