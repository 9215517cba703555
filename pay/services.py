"""Writes of the pay app. Services own their transactions; callers have passed the access
gate already. Nothing here logs amounts."""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from culture import audit, jobs
from culture.errors import Conflict, InvalidInput
from culture.i18n import as_reader
from culture.models import Person
from culture.notifications import notify
from pay import importer
from pay.models import (
    REASON_PROPOSAL,
    CashMixChoice,
    EvidenceAttachment,
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


class MixWindowClosed(InvalidInput):
    """A cash / stock choice outside the window the people admins set: 422."""


# --- Pay records ------------------------------------------------------------------------------


def do_record_pay(
    *,
    by: Person,
    person: Person,
    effective_date: date,
    base_salary: Decimal,
    currency: str,
    cash_percent: int = 100,
    reason: str = "",
    proposal: RaiseProposal | None = None,
) -> PayRecord:
    """Append a pay record. The person's own cash / stock choice not yet carried by a
    record wins over `cash_percent`: it is theirs to make, and this is their next record."""
    with transaction.atomic():
        pending = (
            CashMixChoice.objects.select_for_update()
            .filter(person=person, applied_to__isnull=True)
            .order_by("-year", "-chosen_at")
            .first()
        )
        if pending is not None:
            cash_percent = pending.cash_percent
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
        if pending is not None:
            CashMixChoice.objects.filter(pk=pending.pk).update(applied_to=record)
    return record


# --- Evidence ----------------------------------------------------------------------------------


def do_add_evidence(*, by: Person, person: Person, **fields: Any) -> MarketEvidence:
    with transaction.atomic():
        evidence = MarketEvidence.objects.create(person=person, recorded_by=by, **fields)
        audit.record(by, "pay.evidence.created", subject=person, obj=evidence)
    return evidence


def do_share_evidence(
    *,
    by: Person,
    kind: str,
    amount: Decimal,
    currency: str,
    observed_on: date,
    note: str = "",
    attachment: tuple[str, str, bytes] | None = None,
) -> MarketEvidence:
    """A person shares their own market evidence (an offer, a recruiter's figure) privately
    with their chain. `attachment` is (filename, content type, bytes), validated by the form;
    its bytes are stored beside the evidence, in the database, never as a media file."""
    if kind not in (MarketEvidence.Kind.OUTSIDE_OFFER, MarketEvidence.Kind.RECRUITER_QUOTE):
        raise InvalidInput(_("You can share an outside offer or a recruiter's figure."))
    with transaction.atomic():
        evidence = MarketEvidence.objects.create(
            person=by,
            recorded_by=by,
            shared_by_person=True,
            kind=kind,
            amount=amount,
            currency=currency,
            observed_on=observed_on,
            note=note,
            attachment_name=attachment[0][:200] if attachment else "",
            attachment_type=attachment[1] if attachment else "",
            attachment_size=len(attachment[2]) if attachment else 0,
        )
        if attachment:
            EvidenceAttachment.objects.create(evidence=evidence, content=attachment[2])
        audit.record(by, "pay.evidence.shared", subject=by, obj=evidence)
        manager = by.manager
        if manager is not None and not manager.is_active:
            manager = None
        url = reverse("pay:person", args=[by.pk])

        def _notify() -> None:
            if manager is None:
                return
            with as_reader(manager):
                title = _("%(name)s shared their market with you") % {"name": by.name}
                body = _(
                    "%(name)s shared %(kind)s privately with their chain. It counts toward "
                    "what we would pay to keep them."
                ) % {"name": by.name, "kind": evidence.get_kind_display().lower()}
            notify(
                manager,
                key=f"pay:evidence:{evidence.pk}:{manager.pk}",
                kind="pay.evidence_shared",
                title=title,
                body=body,
                url=url,
            )

        transaction.on_commit(_notify)
    return evidence


def do_withdraw_shared_evidence(*, by: Person, evidence_id: int) -> None:
    """The person takes back what they shared: the evidence and its attachment are deleted
    (one conditional DELETE: a second click finds nothing and is refused)."""
    with transaction.atomic():
        deleted, _details = MarketEvidence.objects.filter(
            pk=evidence_id, person=by, shared_by_person=True
        ).delete()
        if not deleted:
            raise Conflict(_("This evidence was already withdrawn."))
        audit.record(
            by, "pay.evidence.withdrawn", subject=by, detail={"evidence": int(evidence_id)}
        )


# --- Cash / stock mix --------------------------------------------------------------------------


def do_choose_mix(*, by: Person, cash_percent: int, today: date) -> CashMixChoice:
    """The person's own cash / stock choice for the window's year. Only inside the window
    the people admins set; a new choice in the window replaces the earlier one, and if a pay
    record already carried the earlier one, the new one waits for the next record."""
    policy = PayPolicy.current()
    if not policy.mix_window_open(today):
        raise MixWindowClosed(_("The window for choosing your cash / stock mix is closed."))
    if cash_percent not in range(0, 101, 5):
        raise InvalidInput(_("Choose a cash share from 0 to 100 in steps of 5."))
    assert policy.mix_year is not None
    with transaction.atomic():
        choice, _created = CashMixChoice.objects.update_or_create(
            person=by,
            year=policy.mix_year,
            defaults={
                "cash_percent": cash_percent,
                "chosen_by": by,
                "chosen_at": timezone.now(),
                "applied_to": None,
            },
        )
        audit.record(by, "pay.mix.chosen", subject=by, obj=choice)
    return choice


# --- Raise proposals -------------------------------------------------------------------------


def do_propose_raise(
    *, by: Person, person: Person, proposed_salary: Decimal, currency: str, reason: str = ""
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

        def _notify() -> None:
            for admin in admins:
                with as_reader(admin):
                    title = _("Raise proposed for %(name)s") % {"name": person.name}
                    body = _("%(proposer)s proposed a new salary for %(name)s.") % {
                        "proposer": by.name,
                        "name": person.name,
                    }
                notify(
                    admin,
                    key=f"pay:proposal:{proposal.pk}:{admin.pk}",
                    kind="pay.proposal",
                    title=title,
                    body=body,
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
            raise ProposalNotOpen(_("This proposal was already recorded or withdrawn."))
        record = do_record_pay(
            by=by,
            person=proposal.person,
            effective_date=effective_date,
            base_salary=proposal.proposed_salary,
            currency=proposal.currency,
            cash_percent=cash_percent,
            reason=reason or REASON_PROPOSAL,
            proposal=proposal,
        )
        proposal.status = RaiseProposal.Status.RECORDED
        proposal.recorded_by = by
        proposal.recorded_at = timezone.now()
        proposal.save(update_fields=["status", "recorded_by", "recorded_at"])
    return record


def do_withdraw_proposal(*, by: Person, proposal_id: int) -> None:
    """Whoever proposed a raise may withdraw it while it is open. One conditional UPDATE: a
    second click (or a people admin recording it meanwhile) finds it no longer open."""
    with transaction.atomic():
        updated = RaiseProposal.objects.filter(
            pk=proposal_id, proposed_by=by, status=RaiseProposal.Status.OPEN
        ).update(status=RaiseProposal.Status.WITHDRAWN, withdrawn_at=timezone.now())
        if not updated:
            raise ProposalNotOpen(_("This proposal was already recorded or withdrawn."))
        proposal = RaiseProposal.objects.select_related("person").get(pk=proposal_id)
        audit.record(by, "pay.proposal.withdrawn", subject=proposal.person, obj=proposal)


# --- Policy and rates ----------------------------------------------------------------------------


def do_update_policy(*, by: Person, cleaned: dict) -> PayPolicy:
    with transaction.atomic():
        policy = PayPolicy.objects.select_for_update().get(pk=PayPolicy.load().pk)
        policy.target_percentile = cleaned["target_percentile"]
        policy.employees_see_market_position = cleaned["employees_see_market_position"]
        policy.review_month = cleaned["review_month"]
        policy.mix_window_start = cleaned.get("mix_window_start")
        policy.mix_window_end = cleaned.get("mix_window_end")
        policy.updated_by = by
        policy.save()
        TargetOverride.objects.all().delete()
        TargetOverride.objects.bulk_create(
            TargetOverride(job_family=family, target_percentile=pct)
            for family, pct in cleaned["overrides"].items()
        )
        audit.record(by, "pay.policy.updated", obj=policy)
    return policy


def do_add_rate(*, by: Person, **fields: Any) -> ExchangeRate:
    with transaction.atomic():
        rate, _created = ExchangeRate.objects.update_or_create(
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
    # The problems are stored for the uploader to read: in their language.
    with as_reader(job.created_by):
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

    def progress(done: int, total: int) -> None:
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
            result={"problems": [_failed(job.created_by, type(exc).__name__)]},
        )
        return
    PayImportJob.objects.filter(pk=job_id).update(
        status=PayImportJob.Status.DONE, content=b"", processed=len(plan.rows), result=result
    )


def _failed(uploader: Person, error: str) -> str:
    with as_reader(uploader):
        return _("Import failed (%(error)s); nothing was written.") % {"error": error}


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
        with as_reader(manager):
            title = _("Yearly pay review %(year)s: look at your people against the market") % {
                "year": today.year
            }
            body = _(
                "Raise pay before an outside offer forces it: check each person's position, "
                "record what you know of their personal market and propose raises."
            )
        created = notify(
            manager,
            key=f"pay:review:{today.year}:{manager.pk}",
            kind="pay.review",
            morning=True,  # a daily reminder: in the reader's morning
            title=title,
            body=body,
            url=url,
            template="emails/pay_review",
            context={"year": today.year},
        )
        sent += created is not None
    return sent
