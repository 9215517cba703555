"""Pay pages: what each person sees, evidence and proposals, audit rows, query budgets."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from culture.models import AuditEvent, Notification
from pay.models import (
    ExchangeRate,
    MarketEvidence,
    PayPolicy,
    PayRecord,
    RaiseProposal,
    TargetOverride,
)
from tests.conftest import make_person
from tests.pay.conftest import make_benchmark, make_pay

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel("2026-06-15 10:00Z", tick=False):
        yield


def reads(actor, subject=None):
    qs = AuditEvent.objects.filter(actor=actor, action="pay.salary.read")
    return qs.filter(subject=subject) if subject else qs


# --- The employee's own page -----------------------------------------------------------------


def test_an_employee_sees_their_pay_history_but_not_their_market_position_by_default(
    world, client_for, market
):
    make_pay(world.employee, "65000", reason="Joined")
    response = client_for(world.employee).get(reverse("pay:index"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "€65,000" in body and "Joined" in body
    assert "has not enabled" in body
    assert "P10" not in body
    assert reads(world.employee, world.employee).count() == 1


def test_an_employee_sees_their_market_position_when_the_policy_allows_it(
    world, client_for, market
):
    PayPolicy.objects.update_or_create(pk=1, defaults={"employees_see_market_position": True})
    make_pay(world.employee, "70000")
    body = client_for(world.employee).get(reverse("pay:index")).content.decode()
    assert "P50" in body
    assert "<svg" in body and "style=" not in body


def test_an_employee_opening_their_own_person_page_is_sent_to_their_own_pay(world, client_for):
    response = client_for(world.employee).get(reverse("pay:person", args=[world.employee.pk]))
    assert response.status_code == 302 and response.url == reverse("pay:index")


# --- Person view ---------------------------------------------------------------------------------


def test_the_manager_sees_position_ratio_gap_and_the_band_picture(world, client_for, market):
    make_pay(world.employee, "77500")
    response = client_for(world.manager).get(reverse("pay:person", args=[world.employee.pk]))
    body = response.content.decode()
    assert "P63" in body  # interpolated between P50 (70k) and P75 (85k)
    assert "€100,000" in body  # the P90 target
    assert "78%" in body  # 77,500 / 100,000
    assert "€22,500 below" in body
    assert 'role="img"' in body and "<desc" in body
    assert "style=" not in body
    assert reads(world.manager, world.employee).count() == 1


def test_a_person_without_a_matching_benchmark_is_told_so_rather_than_guessed(
    world, client_for, market
):
    make_pay(world.peer, "70000")
    world.peer.level = 7
    world.peer.save()
    body = (
        client_for(world.manager).get(reverse("pay:person", args=[world.peer.pk])).content.decode()
    )
    assert "No matching benchmark" in body
    assert "level 7" in body
    assert "P50" not in body


def test_different_currencies_are_never_compared_without_a_company_rate(world, client_for, market):
    make_pay(world.employee, "60000", currency="GBP")
    body = (
        client_for(world.manager)
        .get(reverse("pay:person", args=[world.employee.pk]))
        .content.decode()
    )
    assert "Cannot compare" in body and "EUR to GBP" in body
    ExchangeRate.objects.create(
        from_currency="EUR", to_currency="GBP", rate="0.8", effective_date=date(2026, 1, 1)
    )
    body = (
        client_for(world.manager)
        .get(reverse("pay:person", args=[world.employee.pk]))
        .content.decode()
    )
    assert "£80,000" in body  # P90 100,000 EUR at 0.8
    assert "75%" in body


def test_a_job_family_override_changes_the_target(world, client_for, market):
    TargetOverride.objects.create(job_family="Engineering", target_percentile=50)
    make_pay(world.employee, "77000")
    body = (
        client_for(world.manager)
        .get(reverse("pay:person", args=[world.employee.pk]))
        .content.decode()
    )
    assert "Target (market P50)" in body
    assert "The target is the market P50 for the benchmark" in body
    assert "€7,000 above" in body


def test_evidence_replaces_the_band_as_what_the_gap_is_measured_against(world, client_for, market):
    make_pay(world.employee, "90000")
    response = client_for(world.manager).post(
        reverse("pay:evidence_add", args=[world.employee.pk]),
        {
            "kind": "keep",
            "amount": "120000",
            "currency": "EUR",
            "observed_on": "2026-06-01",
            "note": "Would match",
        },
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section class="card" id="evidence"')
    assert "<html" not in body
    evidence = MarketEvidence.objects.get(person=world.employee)
    assert evidence.recorded_by == world.manager
    page = (
        client_for(world.manager)
        .get(reverse("pay:person", args=[world.employee.pk]))
        .content.decode()
    )
    assert "Target (their personal market)" in page
    assert "personal market: what we would pay to keep them, €120,000 on 1 Jun 2026" in page
    assert "It replaces the market P90 figure of €100,000." in page
    assert "€30,000 below" in page


def test_invalid_evidence_comes_back_with_422_and_the_errors_in_place(world, client_for, market):
    response = client_for(world.manager).post(
        reverse("pay:evidence_add", args=[world.employee.pk]),
        {"kind": "offer", "amount": "-5", "currency": "EURO", "observed_on": "2027-01-01"},
    )
    assert response.status_code == 422
    assert b"errorlist" in response.content
    fragment = client_for(world.manager).post(
        reverse("pay:evidence_add", args=[world.employee.pk]),
        {"kind": "offer", "amount": "abc", "currency": "EUR", "observed_on": "2026-01-01"},
        headers={"HX-Request": "true"},
    )
    assert fragment.status_code == 422
    assert fragment.content.decode().lstrip().startswith('<section class="card" id="evidence"')
    assert b"errorlist" in fragment.content
    assert not MarketEvidence.objects.exists()


def test_a_manager_of_another_team_cannot_record_evidence_by_guessing_an_id(world, client_for):
    response = client_for(world.other_manager).post(
        reverse("pay:evidence_add", args=[world.employee.pk]),
        {"kind": "offer", "amount": "5", "currency": "EUR", "observed_on": "2026-01-01"},
    )
    assert response.status_code == 404
    assert not MarketEvidence.objects.exists()


# --- Raise proposals -----------------------------------------------------------------------------


def test_the_proposal_form_shows_what_the_target_suggests(world, client_for, market):
    make_pay(world.employee, "80000")
    body = (
        client_for(world.manager)
        .get(reverse("pay:propose", args=[world.employee.pk]))
        .content.decode()
    )
    assert "Suggested: €100,000" in body
    assert 'value="100000' in body


def test_a_proposal_is_recorded_once_by_a_people_admin_as_a_pay_change(
    world, client_for, market, django_capture_on_commit_callbacks
):
    make_pay(world.employee, "80000", cash_percent=90)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(world.manager).post(
            reverse("pay:propose", args=[world.employee.pk]),
            {"proposed_salary": "95000", "currency": "EUR", "reason": "Recruiter quote"},
        )
    proposal = RaiseProposal.objects.get()
    assert proposal.status == "open"
    assert Notification.objects.filter(recipient=world.people_admin, kind="pay.proposal").exists()
    admin = client_for(world.people_admin)
    url = reverse("pay:proposal", args=[proposal.pk])
    data = {"effective_date": "2026-07-01", "cash_percent": "80", "reason": "Review"}
    assert admin.post(url, data).status_code == 302
    assert admin.post(url, data).status_code == 302  # a second click records nothing more
    record = PayRecord.objects.get(proposal=proposal)
    assert (record.base_salary, record.cash_percent, record.recorded_by) == (
        Decimal("95000"),
        80,
        world.people_admin,
    )
    assert PayRecord.objects.filter(person=world.employee).count() == 2
    proposal.refresh_from_db()
    assert proposal.status == "recorded"


def test_a_manager_cannot_record_their_own_proposal(world, client_for):
    proposal = RaiseProposal.objects.create(
        person=world.employee, proposed_by=world.manager, proposed_salary="1", currency="EUR"
    )
    response = client_for(world.manager).post(
        reverse("pay:proposal", args=[proposal.pk]),
        {"effective_date": "2026-07-01", "cash_percent": "100"},
    )
    assert response.status_code == 403
    assert not PayRecord.objects.exists()


def test_a_people_admin_records_a_pay_change_by_hand(world, client_for):
    response = client_for(world.people_admin).post(
        reverse("pay:record", args=[world.employee.pk]),
        {
            "effective_date": "2026-06-01",
            "base_salary": "81000.50",
            "currency": "eur",
            "cash_percent": "70",
            "reason": "Promotion",
        },
    )
    assert response.status_code == 302
    record = PayRecord.objects.get()
    assert (record.base_salary, record.currency, record.stock_percent) == (
        Decimal("81000.50"),
        "EUR",
        30,
    )


# --- Append-only -------------------------------------------------------------------------------


def test_pay_records_cannot_be_changed_or_deleted_by_the_model_or_in_the_database(world):
    record = make_pay(world.employee)
    record.reason = "edited"
    with pytest.raises(PermissionError):
        record.save()
    with pytest.raises(PermissionError):
        record.delete()
    for sql in ("UPDATE pay_payrecord SET base_salary = 1", "DELETE FROM pay_payrecord"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            connection.cursor().execute(sql)
    with pytest.raises(DatabaseError), transaction.atomic():
        PayRecord.objects.filter(pk=record.pk).update(base_salary=1)
    assert PayRecord.objects.get().base_salary == Decimal("70000")


# --- Team view -----------------------------------------------------------------------------------


def _team(world, n, market):
    people = []
    for i in range(n):
        p = make_person(manager=world.manager, name=f"Report {i:03}")
        make_pay(p, str(60000 + i * 1000))
        people.append(p)
    return people


def test_the_team_view_sorts_by_gap_flags_below_target_and_draws_the_chart(
    world, client_for, market
):
    make_pay(world.employee, "100000")
    make_pay(world.peer, "70000")
    far = make_person(manager=world.employee, name="Deep Report")
    make_pay(far, "55000")
    response = client_for(world.manager).get(reverse("pay:team"))
    body = response.content.decode()
    assert body.index("Deep Report") < body.index("Pat Peer") < body.index("Eli Employee")
    assert body.count("below target</span>") == 2
    assert "Pay as a ratio of target" in body and "dist-bar" in body
    assert "Ida Inactive" not in body
    assert reads(world.manager).count() == 3
    assert "style=" not in body


def test_the_team_table_escapes_what_people_typed_and_translates_its_rows(
    world, client_for, market
):
    """The table is a Jinja2 fragment (templates/jinja2/pay/team_table.html): a name, a job
    family and a location are text, never markup, and each row's words are the reader's."""
    odd = make_person(
        manager=world.manager,
        name='<b>Zoë "Z" & co</b>',
        job_family="<i>Eng</i>",
        location="<u>Paris</u>",
        level=3,
    )
    make_pay(odd, "55000")
    body = client_for(world.manager).get(reverse("pay:team")).content.decode()
    assert "<b>Zoë" not in body and "<i>Eng" not in body and "<u>Paris" not in body
    assert "&lt;b&gt;Zoë &#34;Z&#34; &amp; co&lt;/b&gt;" in body
    assert "&lt;i&gt;Eng&lt;/i&gt;, L3, &lt;u&gt;Paris&lt;/u&gt;" in body
    assert 'aria-label="Propose a raise for &lt;b&gt;Zoë &#34;Z&#34; &amp; co&lt;/b&gt;"' in body
    world.manager.language = "fr"
    world.manager.save(update_fields=["language"])
    body = client_for(world.manager).get(reverse("pay:team")).content.decode()
    assert 'data-label="Salaire de base"' in body and "Proposer une augmentation" in body


def test_team_aggregates_over_fewer_than_three_people_are_suppressed(world, client_for, market):
    make_pay(world.employee, "100000")
    make_pay(world.peer, "70000")
    body = client_for(world.manager).get(reverse("pay:team")).content.decode()
    assert "aggregates over fewer than 3 people are suppressed" in body
    assert "dist-bar" not in body
    assert "below target</span>" in body  # each person is still visible to their manager


def test_someone_without_reports_cannot_open_the_team_view(world, client_for):
    assert client_for(world.employee).get(reverse("pay:team")).status_code == 403


def test_the_team_view_query_count_does_not_grow_with_people_or_market_data(
    world, client_for, market, django_assert_max_num_queries
):
    client = client_for(world.manager)
    _team(world, 3, market)
    PayPolicy.load()
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("pay:team")).status_code == 200
    _team(world, 15, market)
    for level in range(1, 9):
        for city in ("Paris", "Rome", "Oslo"):
            make_benchmark(data_set=market, level=level, location=city)
    with django_assert_max_num_queries(len(small)):
        assert client.get(reverse("pay:team")).status_code == 200
    print(f"team view: {len(small)} queries")


def test_the_person_page_query_count_does_not_grow_with_history_evidence_or_proposals(
    world, client_for, market, django_assert_max_num_queries
):
    from django.test.utils import CaptureQueriesContext

    client = client_for(world.manager)
    url = reverse("pay:person", args=[world.employee.pk])
    make_pay(world.employee, "60000", effective=date(2024, 1, 1))
    PayPolicy.load()
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for year in range(2015, 2024):
        make_pay(world.employee, str(50000 + year), effective=date(year, 3, 1))
    make_pay(world.employee, "99000", effective=date(2027, 1, 1))  # not yet in force
    for n in range(6):
        MarketEvidence.objects.create(
            person=world.employee,
            kind="offer",
            amount=Decimal(80000 + n),
            currency="EUR",
            observed_on=date(2026, 1, 1 + n),
            recorded_by=world.manager,
        )
        RaiseProposal.objects.create(
            person=world.employee,
            proposed_by=world.manager,
            proposed_salary=Decimal(90000 + n),
            currency="EUR",
        )
    for level in range(1, 9):
        make_benchmark(data_set=market, level=level, location="Paris")
    with django_assert_max_num_queries(len(small)):
        response = client.get(url)
    body = response.content.decode()
    assert "€60,000" in body and "€99,000" in body  # the whole history is listed
    assert "€80,005" in body  # the highest offer of the year is the personal market
    print(f"person page: {len(small)} queries")


# --- People admin overview and export ------------------------------------------------------------


def test_the_admin_overview_query_count_does_not_grow_with_people_or_market_data(
    world, client_for, market, django_assert_max_num_queries
):
    client = client_for(world.people_admin)
    _team(world, 3, market)
    PayPolicy.load()
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("pay:overview")).status_code == 200
    _team(world, 15, market)
    for level in range(1, 9):
        make_benchmark(data_set=market, level=level, location="Paris")
    with django_assert_max_num_queries(len(small)):
        response = client.get(reverse("pay:overview"))
    assert response.status_code == 200
    assert b"Report 014" in response.content
    print(f"admin overview: {len(small)} queries")


def test_the_export_is_formula_safe_and_audited_per_person(world, client_for, market):
    evil = make_person(name='=HYPERLINK("http://x")', manager=world.manager)
    make_pay(evil, "70000")
    response = client_for(world.people_admin).get(reverse("pay:export"))
    text = response.content.decode()
    assert response["Content-Type"].startswith("text/csv")
    assert "'=HYPERLINK" in text
    assert "70000" in text
    assert AuditEvent.objects.filter(action="pay.salary.exported", subject=evil).count() == 1


def test_the_overview_htmx_request_renders_only_the_table(world, client_for, market):
    body = (
        client_for(world.people_admin)
        .get(reverse("pay:overview"), headers={"HX-Request": "true"})
        .content.decode()
    )
    assert body.lstrip().startswith('<section class="card" id="overview-table"')


# --- Policy and rates ----------------------------------------------------------------------------


def test_a_people_admin_sets_the_policy_with_job_family_overrides(world, client_for):
    client = client_for(world.people_admin)
    response = client.post(
        reverse("pay:policy"),
        {
            "target_percentile": "75",
            "employees_see_market_position": "on",
            "review_month": "4",
            "overrides": "Operations: 50\nDesign: P90\n",
        },
    )
    assert response.status_code == 302
    policy = PayPolicy.load()
    assert (
        policy.target_percentile,
        policy.employees_see_market_position,
        policy.review_month,
    ) == (75, True, 4)
    assert dict(TargetOverride.objects.values_list("job_family", "target_percentile")) == {
        "Operations": 50,
        "Design": 90,
    }
    bad = client.post(
        reverse("pay:policy"),
        {"target_percentile": "75", "review_month": "4", "overrides": "Ops 55"},
    )
    assert bad.status_code == 422


def test_a_people_admin_adds_a_dated_exchange_rate(world, client_for):
    client = client_for(world.people_admin)
    ok = client.post(
        reverse("pay:rates"),
        {
            "from_currency": "eur",
            "to_currency": "GBP",
            "rate": "0.8612",
            "effective_date": "2026-01-01",
        },
    )
    assert ok.status_code == 302
    assert ExchangeRate.objects.get().rate == Decimal("0.8612")
    same = client.post(
        reverse("pay:rates"),
        {"from_currency": "EUR", "to_currency": "EUR", "rate": "1", "effective_date": "2026-01-01"},
    )
    assert same.status_code == 422


# --- Home --------------------------------------------------------------------------------------


def test_the_home_section_counts_people_below_target_for_a_manager(world, client_for, market):
    for amount in ("50000", "60000", "120000"):
        make_pay(make_person(manager=world.manager), amount)
    body = client_for(world.manager).get(reverse("home")).content.decode()
    # Two people below target is a group of two: suppressed.
    assert "Fewer than 3 of 5" in body and "2 of 5" not in body
    assert "Review my team" in body


def test_the_home_section_runs_a_fixed_number_of_queries(
    world, rf, market, django_assert_max_num_queries
):
    from pay.home import home_context

    request = rf.get("/")
    request.user = world.manager
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        home_context(request)
    for _ in range(10):
        make_pay(make_person(manager=world.manager), "70000")
    with django_assert_max_num_queries(len(small)):
        ctx = home_context(request)
    assert ctx["pay_below"].value == 10


def test_amounts_posted_to_pay_forms_are_masked_in_error_reports(world, client_for):
    from django.views.debug import SafeExceptionReporterFilter

    response = client_for(world.manager).post(
        reverse("pay:evidence_add", args=[world.employee.pk]),
        {
            "kind": "offer",
            "amount": "123456",
            "currency": "EUR",
            "observed_on": "2026-01-01",
            "note": "secret",
        },
    )
    assert response.status_code == 302
    params = SafeExceptionReporterFilter().get_post_parameters(response.wsgi_request)
    assert params["amount"] != "123456" and params["note"] != "secret"
    assert params["currency"] == "EUR"


def test_the_overview_audits_exactly_the_people_on_the_page(world, client_for, market):
    _team(world, 3, market)
    client_for(world.people_admin).get(reverse("pay:overview"))
    shown = AuditEvent.objects.filter(actor=world.people_admin, action="pay.salary.read")
    assert shown.count() == 12  # the 9 active personas and the 3 reports
    assert not shown.filter(subject=world.inactive).exists()


def test_opening_a_proposal_is_an_audited_read(world, client_for, market):
    proposal = RaiseProposal.objects.create(
        person=world.employee, proposed_by=world.manager, proposed_salary="90000", currency="EUR"
    )
    assert (
        client_for(world.skip_level).get(reverse("pay:proposal", args=[proposal.pk])).status_code
        == 200
    )
    assert reads(world.skip_level, world.employee).count() == 1
