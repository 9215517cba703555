"""Writes of the pay app. Services own their transactions; callers have passed the access
gate already. Nothing here logs amounts."""

from __future__ import annotations

import logging
from datetime import date

from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from culture import audit, jobs
from culture.errors import Conflict
from culture.models import Person
from culture.notifications import notify
from pay import importer
from pay.models import (
    ExchangeRate,
    MarketEvidence,
    PayImportJob,
    PayPolicy,
    PayRecord,
    RaiseProposal,
    TargetOverride,
)

log = logging.getLogger(__name__)


class ProposalNotOpen(Conflict):
    """The proposal was recorded or withdrawn already (e.g. a second click): 409."""


# --- Pay records ------------------------------------------------------------------------------


def do_record_pay(
    *,
    by: Person,
    person: Person,
    effective_date: date,
    base_salary,
    currency: str,
    cash_percent: int = 100,
    reason: str = "",
    proposal: RaiseProposal | None = None,
) -> PayRecord:
    with transaction.atomic():
        record = PayRecord.objects.create(
            person=person,
            effective_date=effective_date,
            base_salary=base_salary,
            currency=currency,
            cash_percent=cash_percent,
            reason=reason,
            recorded_by=by,
            proposal=proposal,
        )
        audit.record(by, "pay.record.created", subject=person, obj=record)
    return record


# --- Evidence ----------------------------------------------------------------------------------


def do_add_evidence(*, by: Person, person: Person, **fields) -> MarketEvidence:
    with transaction.atomic():
        evidence = MarketEvidence.objects.create(person=person, recorded_by=by, **fields)
        audit.record(by, "pay.evidence.created", subject=person, obj=evidence)
    return evidence


# --- Raise proposals -------------------------------------------------------------------------


def do_propose_raise(
    *, by: Person, person: Person, proposed_salary, currency: str, reason: str = ""
) -> RaiseProposal:
    with transaction.atomic():
        proposal = RaiseProposal.objects.create(
            person=person,
            proposed_by=by,
            proposed_salary=proposed_salary,
            currency=currency,
            reason=reason,
        )
        audit.record(by, "pay.proposal.created", subject=person, obj=proposal)
        admins = list(Person.objects.filter(is_people_admin=True, is_active=True))
        url = reverse("pay:proposal", args=[proposal.pk])

        def _notify():
            for admin in admins:
                notify(
                    admin,
                    key=f"pay:proposal:{proposal.pk}:{admin.pk}",
                    kind="pay.proposal",
                    title=f"Raise proposed for {person.name}",
                    body=f"{by.name} proposed a new salary for {person.name}.",
                    url=url,
                    template="emails/pay_proposal",
                    context={"person": person, "proposer": by},
                )

        transaction.on_commit(_notify)
    return proposal


def do_record_proposal(
    *, by: Person, proposal_id: int, effective_date: date, cash_percent: int, reason: str = ""
) -> PayRecord:
    """Record an open proposal as a pay change. Two clicks never record twice: the row is
    locked and must still be open."""
    with transaction.atomic():
        proposal = (
            RaiseProposal.objects.select_for_update().select_related("person").get(pk=proposal_id)
        )
        if proposal.status != RaiseProposal.Status.OPEN:
            raise ProposalNotOpen("This proposal was already recorded or withdrawn.")
        record = do_record_pay(
            by=by,
            person=proposal.person,
            effective_date=effective_date,
            base_salary=proposal.proposed_salary,
            currency=proposal.currency,
            cash_percent=cash_percent,
            reason=reason or "Raise proposal",
            proposal=proposal,
        )
        proposal.status = RaiseProposal.Status.RECORDED
        proposal.recorded_by = by
        proposal.recorded_at = timezone.now()
        proposal.save(update_fields=["status", "recorded_by", "recorded_at"])
    return record


# --- Policy and rates ----------------------------------------------------------------------------


def do_update_policy(*, by: Person, cleaned: dict) -> PayPolicy:
    with transaction.atomic():
        policy = PayPolicy.objects.select_for_update().get(pk=PayPolicy.load().pk)
        policy.target_percentile = cleaned["target_percentile"]
        policy.employees_see_market_position = cleaned["employees_see_market_position"]
        policy.review_month = cleaned["review_month"]
        policy.updated_by = by
        policy.save()
        TargetOverride.objects.all().delete()
        TargetOverride.objects.bulk_create(
            TargetOverride(job_family=family, target_percentile=pct)
            for family, pct in cleaned["overrides"].items()
        )
        audit.record(by, "pay.policy.updated", obj=policy)
    return policy


def do_add_rate(*, by: Person, **fields) -> ExchangeRate:
    with transaction.atomic():
        rate, _ = ExchangeRate.objects.update_or_create(
            from_currency=fields["from_currency"],
            to_currency=fields["to_currency"],
            effective_date=fields["effective_date"],
            defaults={"rate": fields["rate"], "created_by": by},
        )
        audit.record(by, "pay.rate.saved", obj=rate)
    return rate


# --- Imports -------------------------------------------------------------------------------------


def do_queue_import(
    *, by: Person, kind: str, filename: str, content: bytes, params: dict
) -> PayImportJob:
    with transaction.atomic():
        job = PayImportJob.objects.create(
            kind=kind, created_by=by, filename=filename[:200], content=content, params=params
        )
        audit.record(by, f"pay.import.{kind}.queued", obj=job)
        jobs.defer(run_import_job, job.pk)
    return job


def progress_key(job_id: int) -> str:
    return f"pay-import-progress:{job_id}"


@jobs.job
def run_import_job(job_id: int) -> None:
    """Validate and write an uploaded file, reporting progress; the file is cleared when the
    import finishes (culture.retention). Deferred with culture.jobs, whose claim lets one
    runner at a time in; a runner that died mid-way (the write is one transaction) left the
    row RUNNING, so the next one takes RUNNING as well as QUEUED."""
    claimed = PayImportJob.objects.filter(
        pk=job_id, status__in=[PayImportJob.Status.QUEUED, PayImportJob.Status.RUNNING]
    ).update(status=PayImportJob.Status.RUNNING)
    if not claimed:
        return
    job = PayImportJob.objects.select_related("created_by").get(pk=job_id)
    content = bytes(job.content)
    params = job.params or {}
    if job.kind == PayImportJob.Kind.MARKET:
        plan = importer.validate_market(content, currency=params.get("currency", ""))
    else:
        plan = importer.validate_salaries(content)
    if not plan.ok:
        PayImportJob.objects.filter(pk=job_id).update(
            status=PayImportJob.Status.FAILED,
            content=b"",  # the file is not kept once its import has finished
            result={"problems": [str(p) for p in plan.problems[:500]]},
        )
        return
    PayImportJob.objects.filter(pk=job_id).update(total=len(plan.rows))

    def progress(done, total):
        # The write is one transaction, invisible until commit: progress goes via the cache.
        cache.set(progress_key(job_id), done, timeout=3600)

    try:
        if job.kind == PayImportJob.Kind.MARKET:
            data_set = importer.write_market(
                plan,
                source=params["source"],
                effective=date.fromisoformat(params["effective"]),
                currency=params["currency"],
                by=job.created_by,
                progress=progress,
            )
            result = {"rows": len(plan.rows), "data_set": data_set.pk}
        else:
            result = {"rows": importer.write_salaries(plan, by=job.created_by, progress=progress)}
    except Exception as exc:
        # The exception class only: messages could quote data.
        log.warning("pay import %s failed: %s", job_id, type(exc).__name__)
        PayImportJob.objects.filter(pk=job_id).update(
            status=PayImportJob.Status.FAILED,
            content=b"",
            result={"problems": [f"Import failed ({type(exc).__name__}); nothing was written."]},
        )
        return
    PayImportJob.objects.filter(pk=job_id).update(
        status=PayImportJob.Status.DONE, content=b"", processed=len(plan.rows), result=result
    )


# --- Yearly pay review --------------------------------------------------------------------------


def managers_to_remind() -> list[Person]:
    return list(Person.objects.active().filter(reports__is_active=True).distinct().order_by("pk"))


def do_send_review_reminders(*, today: date) -> int:
    """Remind each manager once per review year to look at every report against the market.
    Idempotent: the notification key is per manager per year."""
    policy = PayPolicy.current()
    if today.month != policy.review_month:
        return 0
    sent = 0
    url = reverse("pay:team")
    for manager in managers_to_remind():
        created = notify(
            manager,
            key=f"pay:review:{today.year}:{manager.pk}",
            kind="pay.review",
            title=f"Yearly pay review {today.year}: look at your people against the market",
            body=(
                "Raise pay before an outside offer forces it: check each person's position, "
                "record what you know of their personal market and propose raises."
            ),
            url=url,
            template="emails/pay_review",
            context={"year": today.year},
        )
        sent += created is not None
    return sent
