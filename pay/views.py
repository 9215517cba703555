"""Pay views: thin. Parse -> access gate (pay/access.py) -> form -> one service -> render.

Every page that shows someone's salary writes an audit row (record_many for lists).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from culture import audit, clock, ratelimit
from culture.aggregates import group_count
from culture.csvsafe import csv_response, write_rows
from culture.errors import ActionRefused
from culture.http import AuthedHttpRequest
from culture.links import url_maker
from culture.models import Person
from pay import access, charts, comparison, importer, services
from pay.forms import (
    CashMixForm,
    EvidenceForm,
    ExchangeRateForm,
    MarketUploadForm,
    PayRecordForm,
    PolicyForm,
    ProposalForm,
    RecordProposalForm,
    SalaryUploadForm,
    ShareEvidenceForm,
)
from pay.models import (
    CashMixChoice,
    EvidenceAttachment,
    ExchangeRate,
    MarketDataSet,
    MarketEvidence,
    PayImportJob,
    PayPolicy,
    PayRecord,
    RaiseProposal,
    TargetOverride,
)

OVERVIEW_PAGE = 100
# Amounts never reach error reports (Django's exception reporter masks these POST fields).
_hide_amounts = sensitive_post_parameters(
    "amount", "note", "base_salary", "proposed_salary", "reason"
)


def _compare_with_history(
    person: Person, history: list[PayRecord], on: date
) -> comparison.Comparison:
    """The person's comparison, taking the record in force from their history (newest
    first, as PayRecord.objects.current_for orders it) instead of a second query."""
    current = next((r for r in history if r.effective_date <= on), None)
    records = {person.pk: current} if current else {}
    return comparison.compare_people([person], on=on, records=records)[0]


# --- The employee's own pay ----------------------------------------------------------------


def _own_context(request: AuthedHttpRequest, **extra: Any) -> dict[str, Any]:
    """The employee's own pay page: history, market position (if the policy allows), what
    they shared of their market, and their cash / stock choice. One audit row for the read."""
    me = request.user
    today = clock.today()
    policy = PayPolicy.current()
    history = list(PayRecord.objects.history_of(me))
    mine = None
    if policy.employees_see_market_position:
        mine = _compare_with_history(me, history, today)
    shared = list(MarketEvidence.objects.shared_by(me))
    choice = (
        CashMixChoice.objects.filter(person=me, year=policy.mix_year)
        .select_related("applied_to")
        .first()
        if policy.mix_year
        else None
    )
    audit.record(me, "pay.salary.read", subject=me, detail={"page": "own"})
    ctx = {
        "history": history,
        "policy": policy,
        "mine": mine,
        "band": charts.band(mine) if mine and mine.band else None,
        "is_manager": me.has_reports(),
        "shared": shared,
        "share_form": ShareEvidenceForm(
            initial={"currency": history[0].currency if history else ""}
        ),
        "today": today,
        "mix_open": policy.mix_window_open(today),
        "mix_choice": choice,
        "mix_form": CashMixForm(
            initial={
                "cash_percent": choice.cash_percent
                if choice
                else (history[0].cash_percent if history else 100)
            }
        ),
        "current_cash_percent": history[0].cash_percent if history else None,
    }
    ctx.update(extra)
    return ctx


@require_GET
def index(request: AuthedHttpRequest) -> HttpResponse:
    return render(request, "pay/index.html", _own_context(request))


@_hide_amounts
@require_POST
def share_evidence(request: AuthedHttpRequest) -> HttpResponse:
    me = access.require_active(request.user)
    form = ShareEvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        services.do_share_evidence(
            by=me,
            kind=data["kind"],
            amount=data["amount"],
            currency=data["currency"],
            observed_on=data["observed_on"],
            note=data["note"],
            attachment=data["attachment"],
        )
        if not request.htmx:
            messages.success(request, _("Shared with your management chain."))
            return redirect("pay:index")
        form = ShareEvidenceForm(initial={"currency": data["currency"]})
        status = 200
    else:
        status = 422
    template = "pay/index.html#shared" if request.htmx else "pay/index.html"
    return render(request, template, _own_context(request, share_form=form), status=status)


@require_POST
def withdraw_evidence(request: AuthedHttpRequest, evidence_id: int) -> HttpResponse:
    evidence = access.get_own_shared_evidence_for_user(request.user, evidence_id)
    services.do_withdraw_shared_evidence(by=request.user, evidence_id=evidence.pk)
    if request.htmx:
        return render(request, "pay/index.html#shared", _own_context(request))
    messages.success(request, _("Withdrawn: your chain no longer sees it."))
    return redirect("pay:index")


@require_GET
def evidence_attachment(request: AuthedHttpRequest, evidence_id: int) -> HttpResponse:
    """An evidence attachment, as confidential as pay: access-checked, audited, always a
    download (never rendered in the page's origin) and never sniffed into another type."""
    evidence = access.get_evidence_attachment_for_user(request.user, evidence_id)
    content = (
        EvidenceAttachment.objects.filter(evidence=evidence)
        .values_list("content", flat=True)
        .first()
    )
    if content is None:
        raise Http404
    audit.record(
        request.user,
        "pay.evidence.attachment.read",
        subject=evidence.person,
        obj=evidence,
    )
    response = HttpResponse(bytes(content), content_type=evidence.attachment_type)
    name = "".join(ch for ch in evidence.attachment_name if ch.isalnum() or ch in "._- ")
    response["Content-Disposition"] = f'attachment; filename="{name.strip() or "attachment"}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def choose_mix(request: AuthedHttpRequest) -> HttpResponse:
    me = access.require_active(request.user)
    form = CashMixForm(request.POST)
    status = 200
    if form.is_valid():
        try:
            services.do_choose_mix(
                by=me, cash_percent=form.cleaned_data["cash_percent"], today=clock.today()
            )
        except ActionRefused as exc:
            form.add_error(None, exc.message)
            status = exc.status
        else:
            if not request.htmx:
                messages.success(request, _("Your cash / stock choice is saved."))
                return redirect("pay:index")
    else:
        status = 422
    template = "pay/index.html#mix" if request.htmx else "pay/index.html"
    ctx = _own_context(request)
    if status != 200:
        ctx["mix_form"] = form
    return render(request, template, ctx, status=status)


# --- Manager: team and person ------------------------------------------------------------------


@require_GET
def team(request: AuthedHttpRequest) -> HttpResponse:
    manager = access.require_pay_manager(request.user)
    people = Person.objects.under_by_level(manager).active().select_related("team").order_by("name")
    rows = comparison.sort_by_gap(comparison.compare_people(people, on=clock.today()))
    audit.record_many(manager, "pay.salary.read", [c.person for c in rows], detail={"page": "team"})
    dist = comparison.distribution(rows)
    open_ids = set(
        RaiseProposal.objects.open()
        .filter(person_id__in=[c.person.pk for c in rows])
        .values_list("person_id", flat=True)
    )
    # Each row offers "Propose a raise": everyone listed is under the viewer, who is therefore
    # in their chain, the people pay:propose lets in (access.get_pay_person_for_user), so the
    # action needs no check per row (and no query per row).
    person_url, propose_url = url_maker("pay:person"), url_maker("pay:propose")
    groups = [
        {
            "currency": currency,
            "rows": [
                {
                    "c": c,
                    "mini": charts.mini_band(c),
                    "person_url": person_url(c.person.pk),
                    "propose_url": propose_url(c.person.pk),
                }
                for c in group
            ],
            # Total cash and equity columns only where the market data carries them.
            "extras": any(
                c.total_cash_at_target is not None or c.equity_at_target is not None for c in group
            ),
        }
        for currency, group in comparison.by_currency(rows)
    ]
    return render(
        request,
        "pay/team.html",
        {
            "rows": rows,
            "groups": groups,
            "distribution": dist,
            "chart": charts.distribution(dist) if dist else None,
            "below": comparison.count_below(rows),
            "open_ids": open_ids,
            "min_aggregate": comparison.MIN_AGGREGATE,
        },
    )


def _person_context(request: AuthedHttpRequest, person: Person, **extra: Any) -> dict[str, Any]:
    today = clock.today()
    history = list(PayRecord.objects.history_of(person))
    c = _compare_with_history(person, history, today)
    proposals = list(
        RaiseProposal.objects.filter(person=person).select_related("proposed_by", "recorded_by")
    )
    audit.record(request.user, "pay.salary.read", subject=person, detail={"page": "person"})
    ctx = {
        "person": person,
        "c": c,
        "band": charts.band(c) if c.band else None,
        "history": history,
        "proposals": proposals,
        "evidence_form": EvidenceForm(initial={"currency": c.currency}),
        "can_record": request.user.is_people_admin,
    }
    ctx.update(extra)
    return ctx


@require_GET
def person(request: AuthedHttpRequest, person_id: int) -> HttpResponse:
    if str(person_id) == str(request.user.pk):
        return redirect("pay:index")
    target = access.get_pay_person_for_user(request.user, person_id)
    return render(request, "pay/person.html", _person_context(request, target))


@_hide_amounts
@require_POST
def evidence_add(request: AuthedHttpRequest, person_id: int) -> HttpResponse:
    target = access.get_pay_person_for_user(request.user, person_id)
    form = EvidenceForm(request.POST)
    if form.is_valid():
        services.do_add_evidence(by=request.user, person=target, **form.cleaned_data)
        if not request.htmx:
            messages.success(request, _("Evidence recorded."))
            return redirect("pay:person", person_id=target.pk)
        form = EvidenceForm(initial={"currency": form.cleaned_data["currency"]})
        status = 200
    else:
        status = 422
    template = "pay/person.html#evidence" if request.htmx else "pay/person.html"
    ctx = _person_context(request, target, evidence_form=form)
    return render(request, template, ctx, status=status)


@_hide_amounts
@require_http_methods(["GET", "POST"])
def propose(request: AuthedHttpRequest, person_id: int) -> HttpResponse:
    target = access.get_pay_person_for_user(request.user, person_id)
    c = comparison.compare_people([target], on=clock.today())[0]
    audit.record(request.user, "pay.salary.read", subject=target, detail={"page": "propose"})
    suggestion = c.target if c.target is not None and c.salary and c.target > c.salary else None
    form = ProposalForm(
        request.POST or None,
        initial={"currency": c.currency, "proposed_salary": suggestion or c.salary},
    )
    if request.method == "POST" and form.is_valid():
        # Every people admin is emailed; in review season many proposals to them are normal,
        # so this counts per proposer, not per admin.
        ratelimit.check(request, "propose")
        services.do_propose_raise(by=request.user, person=target, **form.cleaned_data)
        messages.success(
            request,
            _("Raise proposed for %(name)s. A people admin records it.") % {"name": target.name},
        )
        return redirect("pay:person", person_id=target.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "pay/propose.html",
        {"person": target, "c": c, "form": form, "suggestion": suggestion},
        status=status,
    )


def _pending_mix(person: Person) -> CashMixChoice | None:
    """The person's own cash / stock choice that their next pay record will carry."""
    return (
        CashMixChoice.objects.filter(person=person, applied_to__isnull=True)
        .order_by("-year", "-chosen_at")
        .first()
    )


def _carry_choice(form: Any, person: Person, pending: CashMixChoice) -> None:
    """Show the person's choice in the record form, fixed: services.do_record_pay carries it
    whatever is posted, so the field says so instead of offering a value it would ignore."""
    form.initial["cash_percent"] = pending.cash_percent
    field = form.fields["cash_percent"]
    field.disabled = True
    field.help_text = _(
        "%(name)s chose %(percent)s%% cash for %(year)s; this record carries their choice."
    ) % {"name": person.name, "percent": pending.cash_percent, "year": pending.year}


@_hide_amounts
@require_http_methods(["GET", "POST"])
def proposal(request: AuthedHttpRequest, proposal_id: int) -> HttpResponse:
    write = request.method == "POST"
    prop = access.get_raise_proposal_for_user(request.user, proposal_id, write=write)
    form = RecordProposalForm(request.POST or None)
    pending = _pending_mix(prop.person)
    if pending is not None:
        _carry_choice(form, prop.person, pending)
    if write and form.is_valid():
        try:
            services.do_record_proposal(by=request.user, proposal_id=prop.pk, **form.cleaned_data)
        except ActionRefused as exc:
            messages.info(request, exc.message)
        else:
            messages.success(
                request, _("Pay change recorded for %(name)s.") % {"name": prop.person.name}
            )
        return redirect("pay:person", person_id=prop.person_id)
    audit.record(request.user, "pay.salary.read", subject=prop.person, detail={"page": "proposal"})
    current = comparison.compare_people([prop.person], on=clock.today())[0]
    return render(
        request,
        "pay/proposal.html",
        {"proposal": prop, "form": form, "c": current},
        status=422 if write else 200,
    )


@require_POST
def withdraw_proposal(request: AuthedHttpRequest, proposal_id: int) -> HttpResponse:
    prop = access.get_raise_proposal_for_user(request.user, proposal_id)
    if prop.proposed_by_id != request.user.pk:
        raise PermissionDenied
    try:
        services.do_withdraw_proposal(by=request.user, proposal_id=prop.pk)
    except ActionRefused as exc:
        messages.info(request, exc.message)
    else:
        messages.success(
            request, _("Raise proposal for %(name)s withdrawn.") % {"name": prop.person.name}
        )
    return redirect("pay:proposal", proposal_id=prop.pk)


@_hide_amounts
@require_http_methods(["GET", "POST"])
def record_pay(request: AuthedHttpRequest, person_id: int) -> HttpResponse:
    target = access.get_pay_person_for_user(request.user, person_id, write=True)
    current = PayRecord.objects.current_for([target.pk], clock.today()).first()
    audit.record(request.user, "pay.salary.read", subject=target, detail={"page": "record"})
    initial = (
        {"currency": current.currency, "cash_percent": current.cash_percent} if current else {}
    )
    pending = _pending_mix(target)
    form = PayRecordForm(request.POST or None, initial=initial)
    if pending is not None:
        _carry_choice(form, target, pending)
    if request.method == "POST" and form.is_valid():
        services.do_record_pay(by=request.user, person=target, **form.cleaned_data)
        messages.success(request, _("Pay change recorded for %(name)s.") % {"name": target.name})
        return redirect("pay:person", person_id=target.pk)
    return render(
        request,
        "pay/record.html",
        {"person": target, "form": form, "current": current, "pending_mix": pending},
        status=422 if request.method == "POST" else 200,
    )


# --- People admins ---------------------------------------------------------------------------


def _all_comparisons() -> list[comparison.Comparison]:
    people = Person.objects.active().select_related("team", "manager").order_by("name")
    return comparison.sort_by_gap(comparison.compare_people(people, on=clock.today()))


@require_GET
def overview(request: AuthedHttpRequest) -> HttpResponse:
    admin = access.require_people_admin(request.user)
    rows = _all_comparisons()
    page = Paginator(rows, OVERVIEW_PAGE).get_page(request.GET.get("page"))
    audit.record_many(
        admin, "pay.salary.read", [c.person for c in page.object_list], detail={"page": "overview"}
    )
    dist = comparison.distribution(rows)
    counts = {
        "people": group_count(len(rows)),
        "below": comparison.count_below(rows),
        "no_pay": group_count(sum(1 for c in rows if c.status == "no_pay")),
        "no_benchmark": group_count(sum(1 for c in rows if c.status == "no_benchmark")),
        "cannot_compare": group_count(sum(1 for c in rows if c.status == "cannot_compare")),
    }
    proposals = list(
        RaiseProposal.objects.open()
        .select_related("person", "proposed_by")
        .order_by("created_at")[:50]
    )
    template = "pay/overview.html#table" if request.htmx else "pay/overview.html"
    return render(
        request,
        template,
        {
            "page": page,
            "counts": counts,
            "distribution": dist,
            "chart": charts.distribution(dist) if dist else None,
            "proposals": proposals,
        },
    )


EXPORT_HEADER = [
    "email",
    "name",
    "job_family",
    "level",
    "location",
    "manager_email",
    "base_salary",
    "currency",
    "cash_percent",
    "effective_date",
    "market_position",
    "target",
    "measured_against",
    "ratio",
    "gap",
    "status",
]


@require_GET
def export(request: AuthedHttpRequest) -> HttpResponse:
    admin = access.require_people_admin(request.user)
    rows = _all_comparisons()
    audit.record_many(admin, "pay.salary.exported", [c.person for c in rows])

    def lines() -> Iterator[list[Any]]:
        for c in rows:
            p = c.person
            yield [
                p.email,
                p.name,
                p.job_family,
                p.level,
                p.location,
                p.manager.email if p.manager else "",
                c.salary,
                c.currency,
                c.record.cash_percent if c.record else "",
                c.record.effective_date if c.record else "",
                c.position.label if c.position else "",
                c.target,
                c.measured_against if c.target is not None else "",
                c.ratio,
                c.gap,
                c.reason or c.status,
            ]

    return csv_response("pay.csv", EXPORT_HEADER, lines())


@require_http_methods(["GET", "POST"])
def market(request: AuthedHttpRequest) -> HttpResponse:
    admin = access.require_people_admin(request.user)
    form = MarketUploadForm(request.POST or None, request.FILES or None)
    problems, status = [], 200
    if request.method == "POST":
        if form.is_valid():
            content = form.cleaned_data["file"].read()
            plan = importer.validate_market(content, currency=form.cleaned_data["currency"])
            if plan.ok:
                job = services.do_queue_import(
                    by=admin,
                    kind=PayImportJob.Kind.MARKET,
                    filename=form.cleaned_data["file"].name,
                    content=content,
                    params={
                        "source": form.cleaned_data["source"],
                        "effective": form.cleaned_data["effective_date"].isoformat(),
                        "currency": form.cleaned_data["currency"],
                    },
                )
                return redirect("pay:import_status", job_id=job.pk)
            problems = plan.problems
        status = 422
    return render(
        request,
        "pay/market.html",
        {
            "form": form,
            "problems": problems[:500],
            "problem_count": len(problems),
            "data_sets": MarketDataSet.objects.select_related("created_by")[:20],
            "in_force": MarketDataSet.objects.newest_in_force(clock.today()),
            "columns": importer.MARKET_TEMPLATE_COLUMNS,
            "imports": _recent_imports(PayImportJob.Kind.MARKET),
        },
        status=status,
    )


RECENT_IMPORTS = 10


def _recent_imports(kind: str) -> list[PayImportJob]:
    """The last few imports of a kind, each linking to its status page: the only way back
    to a job once its upload's redirect is gone (a slow import, a failed one's problems)."""
    return list(
        PayImportJob.objects.filter(kind=kind)
        .select_related("created_by")
        .only("filename", "created_at", "status", "created_by__name")[:RECENT_IMPORTS]
    )


def _template_response(
    filename: str, header: list[str], rows: Iterable[Iterable[Any]]
) -> HttpResponse:
    response = HttpResponse(write_rows(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def market_template(request: AuthedHttpRequest) -> HttpResponse:
    access.require_people_admin(request.user)
    return _template_response(
        "market-data-template.csv",
        importer.MARKET_TEMPLATE_COLUMNS,
        [
            ["Engineering", 4, "London"]
            + [62000, 70000, 78000, 88000, 98000]
            + [65000, 74000, 83000, 94000, 106000]
            + [5000, 9000, 15000, 24000, 36000],
            ["Operations", 3, "Lisbon"] + [28000, 31000, 35000, 39000, 44000] + [""] * 10,
        ],
    )


@require_http_methods(["GET", "POST"])
def salaries(request: AuthedHttpRequest) -> HttpResponse:
    admin = access.require_people_admin(request.user)
    form = SalaryUploadForm(request.POST or None, request.FILES or None)
    problems, status = [], 200
    if request.method == "POST":
        if form.is_valid():
            content = form.cleaned_data["file"].read()
            plan = importer.validate_salaries(content)
            if plan.ok:
                job = services.do_queue_import(
                    by=admin,
                    kind=PayImportJob.Kind.SALARY,
                    filename=form.cleaned_data["file"].name,
                    content=content,
                    params={},
                )
                return redirect("pay:import_status", job_id=job.pk)
            problems = plan.problems
        status = 422
    return render(
        request,
        "pay/salaries.html",
        {
            "form": form,
            "problems": problems[:500],
            "problem_count": len(problems),
            "columns": importer.SALARY_COLUMNS,
            "imports": _recent_imports(PayImportJob.Kind.SALARY),
        },
        status=status,
    )


@require_GET
def salary_template(request: AuthedHttpRequest) -> HttpResponse:
    access.require_people_admin(request.user)
    return _template_response(
        "salaries-template.csv",
        importer.SALARY_COLUMNS,
        [["ada@example.com", "2027-01-01", "98000.00", "GBP", 80, "Yearly pay review"]],
    )


@require_GET
def import_status(request: AuthedHttpRequest, job_id: int) -> HttpResponse:
    job = access.get_pay_import_job_for_user(request.user, job_id)
    processed = job.processed
    if job.status == PayImportJob.Status.RUNNING:
        processed = cache.get(services.progress_key(job.pk), 0)
    percent = (
        100
        if job.status == PayImportJob.Status.DONE
        else (int(processed * 100 / job.total) if job.total else 0)
    )
    template = "pay/import_status.html#progress" if request.htmx else "pay/import_status.html"
    return render(request, template, {"job": job, "percent": percent})


@require_http_methods(["GET", "POST"])
def policy(request: AuthedHttpRequest) -> HttpResponse:
    admin = access.require_people_admin(request.user)
    current = PayPolicy.current()
    overrides = "\n".join(
        f"{o.job_family}: {o.target_percentile}" for o in TargetOverride.objects.all()
    )
    form = PolicyForm(
        request.POST or None,
        initial={
            "target_percentile": current.target_percentile,
            "employees_see_market_position": current.employees_see_market_position,
            "review_month": current.review_month,
            "mix_window_start": current.mix_window_start,
            "mix_window_end": current.mix_window_end,
            "overrides": overrides,
        },
    )
    if request.method == "POST":
        if form.is_valid():
            services.do_update_policy(by=admin, cleaned=form.cleaned_data)
            messages.success(request, _("Pay policy saved."))
            return redirect("pay:policy")
        return render(request, "pay/policy.html", {"form": form}, status=422)
    return render(request, "pay/policy.html", {"form": form})


@require_http_methods(["GET", "POST"])
def rates(request: AuthedHttpRequest) -> HttpResponse:
    admin = access.require_people_admin(request.user)
    form = ExchangeRateForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            services.do_add_rate(by=admin, **form.cleaned_data)
            messages.success(request, _("Exchange rate saved."))
            return redirect("pay:rates")
        status = 422
    else:
        status = 200
    return render(
        request,
        "pay/rates.html",
        {"form": form, "rates": ExchangeRate.objects.select_related("created_by")[:200]},
        status=status,
    )
