"""Who may open each pay URL. Salaries: the person (own page), their chain, people admins."""

from django.urls import reverse

from tests.matrix import case

ADMIN = {"default": 403, "people_admin": 200}
CHAIN = {"default": 404, "manager": 200, "skip_level": 200, "people_admin": 200}
CHAIN_POST = {"default": 404, "manager": 302, "skip_level": 302, "people_admin": 302}


def _pay(w):
    from pay.models import PayRecord

    PayRecord.objects.create(
        person=w.employee, effective_date="2025-01-01", base_salary="70000", currency="EUR"
    )
    return {}


def _proposal(w):
    from pay.models import RaiseProposal

    _pay(w)
    return {
        "proposal": RaiseProposal.objects.create(
            person=w.employee, proposed_by=w.manager, proposed_salary="80000", currency="EUR"
        )
    }


def _job(w):
    from pay.models import PayImportJob

    return {
        "job": PayImportJob.objects.create(
            kind="market", created_by=w.people_admin, filename="m.csv", content=b""
        )
    }


def _evidence(w, x):
    return {
        "kind": "offer",
        "amount": "90000",
        "currency": "EUR",
        "observed_on": "2026-01-05",
        "note": "Peer company",
    }


def _record(w, x):
    return {
        "effective_date": "2026-01-01",
        "base_salary": "75000",
        "currency": "EUR",
        "cash_percent": "100",
        "reason": "Review",
    }


def _shared(w):
    """Evidence the employee shared of their own market, with an attachment."""
    from pay.models import EvidenceAttachment, MarketEvidence

    _pay(w)
    e = MarketEvidence.objects.create(
        person=w.employee,
        recorded_by=w.employee,
        shared_by_person=True,
        kind="quote",
        amount="95000",
        currency="EUR",
        observed_on="2026-01-05",
        attachment_name="quote.pdf",
        attachment_type="application/pdf",
        attachment_size=9,
    )
    EvidenceAttachment.objects.create(evidence=e, content=b"%PDF-1.4\n")
    return {"evidence": e}


def _mix_window(w):
    from datetime import timedelta

    from culture import clock
    from pay.models import PayPolicy

    today = clock.today()
    PayPolicy.objects.update_or_create(
        pk=1,
        defaults={
            "mix_window_start": today - timedelta(days=1),
            "mix_window_end": today + timedelta(days=1),
        },
    )
    return {}


def _share(w, x):
    return {"kind": "offer", "amount": "90000", "currency": "EUR", "observed_on": "2026-01-05"}


def _emp(view):
    return lambda w, x: reverse(view, args=[w.employee.pk])


CASES = {
    "pay:index": case(lambda w, x: reverse("pay:index"), setup=_pay),
    "pay:team": case(
        lambda w, x: reverse("pay:team"),
        default=403,
        manager=200,
        skip_level=200,
        other_manager=200,
        people_admin=200,
        setup=_pay,
    ),
    "pay:person": case(_emp("pay:person"), setup=_pay, employee=302, **CHAIN),
    # A manager of another team guessing the id of someone outside their branch.
    "pay:person#outsider": case(
        lambda w, x: reverse("pay:person", args=[w.outsider.pk]),
        default=404,
        other_manager=200,
        people_admin=200,
        outsider=302,
    ),
    "pay:person#htmx": case(
        _emp("pay:person"), setup=_pay, headers={"HX-Request": "true"}, employee=302, **CHAIN
    ),
    "pay:evidence_add": case(_emp("pay:evidence_add"), method="post", data=_evidence, **CHAIN_POST),
    "pay:evidence_add#htmx": case(
        _emp("pay:evidence_add"),
        method="post",
        data=_evidence,
        headers={"HX-Request": "true"},
        **{**CHAIN, "people_admin": 200},
    ),
    "pay:evidence_add#get": case(
        _emp("pay:evidence_add"), default=405, anonymous=302, inactive=302
    ),
    "pay:propose": case(_emp("pay:propose"), setup=_pay, **CHAIN),
    "pay:propose#post": case(
        _emp("pay:propose"),
        method="post",
        setup=_pay,
        data=lambda w, x: {"proposed_salary": "80000", "currency": "EUR", "reason": "Market"},
        **CHAIN_POST,
    ),
    "pay:record": case(
        _emp("pay:record"), setup=_pay, default=404, manager=403, skip_level=403, people_admin=200
    ),
    "pay:record#post": case(
        _emp("pay:record"),
        method="post",
        data=_record,
        default=404,
        manager=403,
        skip_level=403,
        people_admin=302,
    ),
    "pay:proposal": case(
        lambda w, x: reverse("pay:proposal", args=[x["proposal"].pk]), setup=_proposal, **CHAIN
    ),
    "pay:proposal#record": case(
        lambda w, x: reverse("pay:proposal", args=[x["proposal"].pk]),
        method="post",
        setup=_proposal,
        data=lambda w, x: {"effective_date": "2026-02-01", "cash_percent": "90"},
        default=404,
        manager=403,
        skip_level=403,
        people_admin=302,
    ),
    "pay:withdraw_proposal": case(
        lambda w, x: reverse("pay:withdraw_proposal", args=[x["proposal"].pk]),
        method="post",
        setup=_proposal,
        # Only its author (the manager) may withdraw it; the rest of the chain may see it.
        default=404,
        manager=302,
        skip_level=403,
        people_admin=403,
    ),
    # Anyone shares their own market; nobody can share for someone else through it.
    "pay:share_evidence": case(
        lambda w, x: reverse("pay:share_evidence"), method="post", data=_share, default=302
    ),
    "pay:share_evidence#get": case(
        lambda w, x: reverse("pay:share_evidence"), default=405, anonymous=302, inactive=302
    ),
    # Only the person who shared it can withdraw it: their chain, too, gets 404.
    "pay:withdraw_evidence": case(
        lambda w, x: reverse("pay:withdraw_evidence", args=[x["evidence"].pk]),
        method="post",
        setup=_shared,
        default=404,
        employee=302,
    ),
    # The attachment is as confidential as pay: the person, their chain, people admins.
    "pay:evidence_attachment": case(
        lambda w, x: reverse("pay:evidence_attachment", args=[x["evidence"].pk]),
        setup=_shared,
        default=404,
        employee=200,
        manager=200,
        skip_level=200,
        people_admin=200,
    ),
    "pay:choose_mix": case(
        lambda w, x: reverse("pay:choose_mix"),
        method="post",
        setup=_mix_window,
        data=lambda w, x: {"cash_percent": "80"},
        default=302,
    ),
    "pay:choose_mix#get": case(
        lambda w, x: reverse("pay:choose_mix"), default=405, anonymous=302, inactive=302
    ),
    "pay:overview": case(lambda w, x: reverse("pay:overview"), setup=_pay, **ADMIN),
    "pay:export": case(lambda w, x: reverse("pay:export"), setup=_pay, **ADMIN),
    "pay:market": case(lambda w, x: reverse("pay:market"), **ADMIN),
    "pay:market_template": case(lambda w, x: reverse("pay:market_template"), **ADMIN),
    "pay:salaries": case(lambda w, x: reverse("pay:salaries"), **ADMIN),
    "pay:salary_template": case(lambda w, x: reverse("pay:salary_template"), **ADMIN),
    "pay:import_status": case(
        lambda w, x: reverse("pay:import_status", args=[x["job"].pk]), setup=_job, **ADMIN
    ),
    "pay:policy": case(lambda w, x: reverse("pay:policy"), **ADMIN),
    "pay:rates": case(lambda w, x: reverse("pay:rates"), **ADMIN),
}
