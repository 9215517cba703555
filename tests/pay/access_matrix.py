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
