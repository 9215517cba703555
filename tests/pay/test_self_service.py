"""The employee's side of pay (issue 23): sharing one's own market evidence with an optional
attachment, choosing the cash / stock mix in the admins' window, withdrawing a raise
proposal, the total-cash and equity percentiles, and replacement cost in the personal figure."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from culture.models import AuditEvent, Notification
from pay import services
from pay.comparison import compare_people
from pay.models import (
    CashMixChoice,
    EvidenceAttachment,
    MarketBenchmark,
    MarketEvidence,
    PayPolicy,
    PayRecord,
    RaiseProposal,
)
from tests.conftest import make_person
from tests.pay.conftest import make_pay

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% an offer letter\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel("2026-06-15 10:00Z", tick=False):
        yield


def share(client, **overrides):
    data = {
        "kind": "quote",
        "amount": "120000",
        "currency": "EUR",
        "observed_on": "2026-06-01",
        "note": "Recruiter for a peer company",
    }
    data.update(overrides)
    return client.post(reverse("pay:share_evidence"), data)


def shared_evidence(person, *, amount="120000", kind="quote", attachment=PDF):
    return services.do_share_evidence(
        by=person,
        kind=kind,
        amount=Decimal(amount),
        currency="EUR",
        observed_on=date(2026, 6, 1),
        note="Recruiter call",
        attachment=("offer.pdf", "application/pdf", attachment) if attachment else None,
    )


def open_window(start=date(2026, 6, 1), end=date(2026, 6, 30)):
    PayPolicy.objects.update_or_create(
        pk=1, defaults={"mix_window_start": start, "mix_window_end": end}
    )


# --- Sharing one's own market evidence ----------------------------------------------------


def test_an_employee_shares_a_recruiter_quote_with_an_attachment(
    world, client_for, django_capture_on_commit_callbacks
):
    client = client_for(world.employee)
    upload = SimpleUploadedFile("offer letter.pdf", PDF, content_type="application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        response = share(client, attachment=upload)
    assert response.status_code == 302
    e = MarketEvidence.objects.get()
    assert (e.person, e.recorded_by, e.shared_by_person) == (world.employee, world.employee, True)
    assert (e.kind, e.amount, e.currency) == ("quote", Decimal("120000.00"), "EUR")
    assert (e.attachment_name, e.attachment_type, e.attachment_size) == (
        "offer letter.pdf",
        "application/pdf",
        len(PDF),
    )
    assert bytes(EvidenceAttachment.objects.get(evidence=e).content) == PDF
    assert (
        AuditEvent.objects.filter(actor=world.employee, action="pay.evidence.shared").count() == 1
    )
    note = Notification.objects.get(recipient=world.manager)
    assert note.kind == "pay.evidence_shared" and "120" not in note.title + note.body
    body = client.get(reverse("pay:index")).content.decode()
    assert "€120,000" in body and "offer letter.pdf" in body and "Withdraw" in body


def test_an_attachment_that_is_not_a_pdf_or_image_is_refused_in_place(world, client_for):
    upload = SimpleUploadedFile(
        "offer.pdf", b"<html><script>x</script>", content_type="application/pdf"
    )
    response = share(client_for(world.employee), attachment=upload)
    assert response.status_code == 422
    assert "Attach a PDF, PNG or JPEG file." in response.content.decode()
    assert MarketEvidence.objects.count() == 0


def test_an_attachment_over_the_size_limit_is_refused(world, client_for, monkeypatch):
    monkeypatch.setattr("pay.forms.ATTACHMENT_MAX_BYTES", 10)
    upload = SimpleUploadedFile("offer.pdf", PDF, content_type="application/pdf")
    response = share(client_for(world.employee), attachment=upload)
    assert response.status_code == 422
    assert "the limit is 10 bytes" in response.content.decode()


def test_an_invalid_share_comes_back_as_a_fragment_with_422_for_htmx(world, client_for):
    response = client_for(world.employee).post(
        reverse("pay:share_evidence"),
        {"kind": "keep", "amount": "-1", "currency": "EUR", "observed_on": "2026-06-01"},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 422
    assert body.lstrip().startswith('<section class="card" id="shared"')
    assert "Select a valid choice" in body


def test_the_service_refuses_to_let_a_person_share_what_we_would_pay_to_keep_them(world):
    with pytest.raises(services.InvalidInput):
        shared_evidence(world.employee, kind="keep")


def test_shared_evidence_counts_the_same_as_chain_recorded_evidence(world, market):
    make_pay(world.employee, "80000")
    make_pay(world.peer, "80000")
    shared_evidence(world.employee, amount="130000", attachment=None)
    services.do_add_evidence(
        by=world.manager,
        person=world.peer,
        kind="quote",
        amount=Decimal("130000"),
        currency="EUR",
        observed_on=date(2026, 6, 1),
        note="",
    )
    mine, theirs = compare_people([world.employee, world.peer], on=date(2026, 6, 15))
    assert mine.personal_figure == theirs.personal_figure == Decimal("130000.00")
    assert mine.gap == theirs.gap == Decimal("50000.00")
    assert mine.personal_source == "their highest recruiter quote of the past year (shared by them)"


def test_the_chain_sees_shared_evidence_on_the_persons_pay_page_and_the_read_is_audited(
    world, client_for, market
):
    make_pay(world.employee, "80000")
    e = shared_evidence(world.employee)
    for viewer in (world.manager, world.skip_level, world.people_admin):
        body = client_for(viewer).get(reverse("pay:person", args=[world.employee.pk])).content
        text = body.decode()
        assert "shared by them" in text and "€120,000" in text
        assert reverse("pay:evidence_attachment", args=[e.pk]) in text
        assert (
            AuditEvent.objects.filter(
                actor=viewer, subject=world.employee, action="pay.salary.read"
            ).count()
            == 1
        )


def test_the_attachment_is_a_download_with_nosniff_and_every_read_is_audited(world, client_for):
    e = shared_evidence(world.employee)
    response = client_for(world.manager).get(reverse("pay:evidence_attachment", args=[e.pk]))
    assert response.status_code == 200
    assert response.content == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="offer.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    reads = AuditEvent.objects.filter(action="pay.evidence.attachment.read")
    assert list(reads.values_list("actor", "subject", "object_id")) == [
        (world.manager.pk, world.employee.pk, str(e.pk))
    ]


def test_a_peer_cannot_see_a_colleagues_shared_evidence_or_its_attachment(
    world, client_for, market
):
    make_pay(world.employee, "80000")
    e = shared_evidence(world.employee)
    peer = client_for(world.peer)
    assert peer.get(reverse("pay:person", args=[world.employee.pk])).status_code == 404
    assert peer.get(reverse("pay:evidence_attachment", args=[e.pk])).status_code == 404
    assert "€120,000" not in peer.get(reverse("pay:index")).content.decode()
    assert peer.post(reverse("pay:withdraw_evidence", args=[e.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action="pay.evidence.attachment.read").exists()
    assert MarketEvidence.objects.filter(pk=e.pk).exists()


def test_evidence_is_never_served_from_a_media_or_static_url(world):
    e = shared_evidence(world.employee)
    field_types = {f.get_internal_type() for f in MarketEvidence._meta.concrete_fields}
    assert "FileField" not in field_types and "ImageField" not in field_types
    assert EvidenceAttachment._meta.get_field("content").get_internal_type() == "BinaryField"
    assert e.attachment_size == len(PDF)


def test_the_person_withdraws_what_they_shared_and_a_second_click_is_refused(world, client_for):
    e = shared_evidence(world.employee)
    client = client_for(world.employee)
    url = reverse("pay:withdraw_evidence", args=[e.pk])
    assert client.post(url).status_code == 302
    assert not MarketEvidence.objects.filter(pk=e.pk).exists()
    assert not EvidenceAttachment.objects.exists()
    assert AuditEvent.objects.filter(action="pay.evidence.withdrawn").count() == 1
    assert client.post(url).status_code == 404
    with pytest.raises(services.Conflict):
        services.do_withdraw_shared_evidence(by=world.employee, evidence_id=e.pk)


def test_a_manager_cannot_withdraw_what_the_person_shared(world, client_for):
    e = shared_evidence(world.employee)
    response = client_for(world.manager).post(reverse("pay:withdraw_evidence", args=[e.pk]))
    assert response.status_code == 404
    assert MarketEvidence.objects.filter(pk=e.pk).exists()


@pytest.mark.parametrize("size", [2, 12])
def test_the_own_pay_page_runs_a_fixed_number_of_queries(
    world, client_for, django_assert_num_queries, size
):
    open_window()
    make_pay(world.employee, "80000")
    for i in range(size):
        shared_evidence(world.employee, amount=str(100000 + i))
    client = client_for(world.employee)
    client.get(reverse("pay:index"))  # warm the session and caches
    with django_assert_num_queries(9):
        assert client.get(reverse("pay:index")).status_code == 200


@pytest.mark.parametrize("size", [2, 12])
def test_the_person_page_with_shared_evidence_runs_a_fixed_number_of_queries(
    world, client_for, market, django_assert_num_queries, size
):
    make_pay(world.employee, "80000")
    for i in range(size):
        shared_evidence(world.employee, amount=str(100000 + i))
    client = client_for(world.manager)
    client.get(reverse("pay:person", args=[world.employee.pk]))
    with django_assert_num_queries(14):
        assert client.get(reverse("pay:person", args=[world.employee.pk])).status_code == 200


# --- Cash / stock mix ------------------------------------------------------------------------


def test_the_mix_window_is_inclusive_of_both_dates():
    policy = PayPolicy(mix_window_start=date(2026, 6, 1), mix_window_end=date(2026, 6, 30))
    assert [policy.mix_window_open(date(2026, 6, d)) for d in (1, 15, 30)] == [True] * 3
    assert policy.mix_window_open(date(2026, 5, 31)) is False
    assert policy.mix_window_open(date(2026, 7, 1)) is False
    assert PayPolicy().mix_window_open(date(2026, 6, 15)) is False


def test_a_person_chooses_their_mix_in_the_window_and_it_is_recorded_as_theirs(world, client_for):
    open_window()
    make_pay(world.employee, "80000")
    client = client_for(world.employee)
    response = client.post(reverse("pay:choose_mix"), {"cash_percent": "75"})
    assert response.status_code == 302
    choice = CashMixChoice.objects.get()
    assert (choice.person, choice.chosen_by, choice.year, choice.cash_percent) == (
        world.employee,
        world.employee,
        2026,
        75,
    )
    assert choice.applied_to is None
    assert AuditEvent.objects.filter(action="pay.mix.chosen", actor=world.employee).count() == 1
    body = client.get(reverse("pay:index")).content.decode()
    assert "75% cash, 25% stock" in body
    assert "It applies from your next pay record." in body
    assert "no bonuses" in body


def test_a_new_choice_in_the_window_replaces_the_earlier_one(world):
    open_window()
    services.do_choose_mix(by=world.employee, cash_percent=60, today=date(2026, 6, 2))
    services.do_choose_mix(by=world.employee, cash_percent=90, today=date(2026, 6, 3))
    assert list(CashMixChoice.objects.values_list("cash_percent", flat=True)) == [90]


@pytest.mark.parametrize("value", ["73", "105", "-5", "abc"])
def test_the_cash_share_is_0_to_100_in_steps_of_5(world, client_for, value):
    open_window()
    response = client_for(world.employee).post(reverse("pay:choose_mix"), {"cash_percent": value})
    assert response.status_code == 422
    assert CashMixChoice.objects.count() == 0


def test_outside_the_window_the_choice_is_read_only_with_the_window_dates(world, client_for):
    open_window(start=date(2026, 11, 1), end=date(2026, 11, 30))
    client = client_for(world.employee)
    body = client.get(reverse("pay:index")).content.decode()
    assert "opens from 1 Nov 2026 to 30 Nov 2026" in body
    assert reverse("pay:choose_mix") not in body
    response = client.post(reverse("pay:choose_mix"), {"cash_percent": "50"})
    assert response.status_code == 422
    assert "The window for choosing your cash / stock mix is closed." in response.content.decode()
    assert CashMixChoice.objects.count() == 0


def test_the_window_closes_at_the_end_of_its_last_day_in_the_company_zone(world):
    open_window(start=date(2026, 6, 1), end=date(2026, 6, 15))
    services.do_choose_mix(by=world.employee, cash_percent=50, today=date(2026, 6, 15))
    with time_machine.travel("2026-06-16 10:00Z", tick=False):
        from culture import clock

        with pytest.raises(services.MixWindowClosed):
            services.do_choose_mix(by=world.employee, cash_percent=40, today=clock.today())
    assert CashMixChoice.objects.get().cash_percent == 50


def test_the_next_pay_record_carries_the_choice(world, client_for):
    open_window()
    make_pay(world.employee, "80000", cash_percent=100)
    services.do_choose_mix(by=world.employee, cash_percent=70, today=date(2026, 6, 10))
    admin = client_for(world.people_admin)
    form = admin.get(reverse("pay:record", args=[world.employee.pk])).content.decode()
    assert "Eli Employee chose 70% cash for 2026" in form
    response = admin.post(
        reverse("pay:record", args=[world.employee.pk]),
        {
            "effective_date": "2026-07-01",
            "base_salary": "90000",
            "currency": "EUR",
            "cash_percent": "100",
        },
    )
    assert response.status_code == 302
    record = PayRecord.objects.get(effective_date=date(2026, 7, 1))
    assert record.cash_percent == 70
    assert CashMixChoice.objects.get().applied_to == record
    # The one after that keeps whatever is recorded: the choice was carried already.
    later = services.do_record_pay(
        by=world.people_admin,
        person=world.employee,
        effective_date=date(2026, 8, 1),
        base_salary=Decimal("91000"),
        currency="EUR",
        cash_percent=70,
    )
    assert later.cash_percent == 70 and CashMixChoice.objects.get().applied_to == record


def test_the_policy_page_sets_the_window_and_refuses_a_backwards_one(world, client_for):
    client = client_for(world.people_admin)
    base = {"target_percentile": "90", "review_month": "3", "overrides": ""}
    bad = client.post(
        reverse("pay:policy"),
        {**base, "mix_window_start": "2026-11-30", "mix_window_end": "2026-11-01"},
    )
    assert bad.status_code == 422
    assert "The window closes after it opens." in bad.content.decode()
    half = client.post(reverse("pay:policy"), {**base, "mix_window_start": "2026-11-01"})
    assert half.status_code == 422
    ok = client.post(
        reverse("pay:policy"),
        {**base, "mix_window_start": "2026-11-01", "mix_window_end": "2026-11-30"},
    )
    assert ok.status_code == 302
    policy = PayPolicy.objects.get()
    assert (policy.mix_window_start, policy.mix_window_end) == (
        date(2026, 11, 1),
        date(2026, 11, 30),
    )


# --- Raise proposals: withdrawn by whoever made them -----------------------------------------


def proposal_for(world):
    return RaiseProposal.objects.create(
        person=world.employee,
        proposed_by=world.manager,
        proposed_salary=Decimal("90000"),
        currency="EUR",
    )


def test_the_author_withdraws_their_open_proposal_and_it_is_audited(world, client_for):
    p = proposal_for(world)
    client = client_for(world.manager)
    page = client.get(reverse("pay:proposal", args=[p.pk])).content.decode()
    assert "Withdraw this proposal" in page
    response = client.post(reverse("pay:withdraw_proposal", args=[p.pk]))
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.status == RaiseProposal.Status.WITHDRAWN
    assert p.withdrawn_at is not None
    assert (
        AuditEvent.objects.filter(
            actor=world.manager, action="pay.proposal.withdrawn", subject=world.employee
        ).count()
        == 1
    )
    after = client.get(reverse("pay:proposal", args=[p.pk])).content.decode()
    assert "Withdraw this proposal" not in after and "Withdrawn by Mia Manager" in after


def test_a_second_withdrawal_or_one_after_recording_is_refused(world):
    p = proposal_for(world)
    services.do_withdraw_proposal(by=world.manager, proposal_id=p.pk)
    with pytest.raises(services.ProposalNotOpen):
        services.do_withdraw_proposal(by=world.manager, proposal_id=p.pk)
    recorded = proposal_for(world)
    services.do_record_proposal(
        by=world.people_admin,
        proposal_id=recorded.pk,
        effective_date=date(2026, 7, 1),
        cash_percent=100,
    )
    with pytest.raises(services.ProposalNotOpen):
        services.do_withdraw_proposal(by=world.manager, proposal_id=recorded.pk)
    assert RaiseProposal.objects.get(pk=recorded.pk).status == RaiseProposal.Status.RECORDED
    assert AuditEvent.objects.filter(action="pay.proposal.withdrawn").count() == 1


def test_someone_else_in_the_chain_cannot_withdraw_it(world, client_for):
    p = proposal_for(world)
    page = client_for(world.skip_level).get(reverse("pay:proposal", args=[p.pk]))
    assert "Withdraw this proposal" not in page.content.decode()
    response = client_for(world.skip_level).post(reverse("pay:withdraw_proposal", args=[p.pk]))
    assert response.status_code == 403
    with pytest.raises(services.ProposalNotOpen):
        services.do_withdraw_proposal(by=world.people_admin, proposal_id=p.pk)
    assert RaiseProposal.objects.get(pk=p.pk).status == RaiseProposal.Status.OPEN


# --- Market percentiles and the personal figure -------------------------------------------------


def with_cash_and_equity(benchmark):
    MarketBenchmark.objects.filter(pk=benchmark.pk).update(
        total_cash_p10=Decimal("55000"),
        total_cash_p25=Decimal("65000"),
        total_cash_p50=Decimal("76000"),
        total_cash_p75=Decimal("92000"),
        total_cash_p90=Decimal("108000"),
        equity_p10=Decimal("2000"),
        equity_p25=Decimal("5000"),
        equity_p50=Decimal("9000"),
        equity_p75=Decimal("15000"),
        equity_p90=Decimal("24000"),
    )


def test_the_person_and_team_pages_show_total_cash_and_equity_percentiles(
    world, client_for, market
):
    with_cash_and_equity(market.rows.get())
    make_pay(world.employee, "80000")
    client = client_for(world.manager)
    person = client.get(reverse("pay:person", args=[world.employee.pk])).content.decode()
    assert "Total cash" in person and "€108,000" in person
    assert "Equity" in person and "€24,000" in person
    team = client.get(reverse("pay:team")).content.decode()
    assert "Total cash at target" in team
    assert "€108,000" in team and "€24,000" in team


def test_percentiles_the_market_data_lacks_are_not_shown(world, client_for, market):
    make_pay(world.employee, "80000")
    (c,) = compare_people([world.employee], on=date(2026, 6, 15))
    assert c.total_cash_band is None and c.equity_band is None
    body = client_for(world.manager).get(reverse("pay:person", args=[world.employee.pk]))
    assert "Total cash" not in body.content.decode()


def test_replacement_cost_alone_sets_the_personal_figure_and_the_page_says_so(
    world, client_for, market
):
    make_pay(world.employee, "80000")
    services.do_add_evidence(
        by=world.manager,
        person=world.employee,
        kind="replace",
        amount=Decimal("110000"),
        currency="EUR",
        observed_on=date(2026, 5, 1),
        note="Recruiting fee and ramp-up",
    )
    (c,) = compare_people([world.employee], on=date(2026, 6, 15))
    assert c.personal_figure == Decimal("110000.00")
    assert c.personal_source == "the newest estimate of the cost to replace them"
    body = client_for(world.manager).get(reverse("pay:person", args=[world.employee.pk]))
    assert "from the newest estimate of the cost to replace them" in body.content.decode()


def test_an_offer_above_the_replacement_cost_is_the_personal_figure(world, market):
    make_pay(world.employee, "80000")
    shared_evidence(world.employee, kind="offer", amount="125000", attachment=None)
    services.do_add_evidence(
        by=world.manager,
        person=world.employee,
        kind="replace",
        amount=Decimal("110000"),
        currency="EUR",
        observed_on=date(2026, 5, 1),
        note="",
    )
    (c,) = compare_people([world.employee], on=date(2026, 6, 15))
    assert c.personal_figure == Decimal("125000.00")
    assert c.personal_source == (
        "their highest outside offer of the past year, at least the cost to replace them"
    )


def test_a_replacement_estimate_older_than_a_year_no_longer_counts(world, market):
    make_pay(world.employee, "80000")
    services.do_add_evidence(
        by=world.manager,
        person=world.employee,
        kind="replace",
        amount=Decimal("150000"),
        currency="EUR",
        observed_on=date(2025, 5, 1),
        note="",
    )
    (c,) = compare_people([world.employee], on=date(2026, 6, 15))
    assert c.personal_figure is None and c.target == Decimal("100000")


# --- Demo -----------------------------------------------------------------------------------


def test_the_demo_has_a_shared_recruiter_quote_and_a_few_mix_choices(world):
    import random

    from pay import demo

    make_person(manager=world.manager, job_family="Engineering", level=4, location="London")
    people = {
        "admin": world.people_admin,
        "manager": world.manager,
        "employee": world.employee,
        "all": list(type(world.employee).objects.active()),
    }
    for p in people["all"]:
        if not p.job_family:
            p.job_family, p.level, p.location = "Engineering", 4, "London"
            p.save()
    demo.seed(people=people, rng=random.Random(1))
    shared = MarketEvidence.objects.get(shared_by_person=True)
    assert (shared.person, shared.kind) == (world.employee, "quote")
    assert bytes(EvidenceAttachment.objects.get(evidence=shared).content).startswith(b"%PDF-")
    assert CashMixChoice.objects.filter(applied_to__isnull=True).count() == 3
    assert PayPolicy.objects.get().mix_window_open(date(2026, 6, 15)) is True
    assert MarketBenchmark.objects.filter(equity_p90__isnull=True).count() == 0
    assert (date(2026, 6, 15) - timedelta(days=7)) == PayPolicy.objects.get().mix_window_start


def test_a_salary_import_carries_the_persons_pending_choice(world):
    from pay import importer

    open_window()
    services.do_choose_mix(by=world.employee, cash_percent=55, today=date(2026, 6, 10))
    csv = (
        b"email,effective_date,base_salary,currency,cash_percent,reason\n"
        b"employee@example.test,2026-07-01,90000,EUR,100,Review\n"
        b"peer@example.test,2026-07-01,90000,EUR,100,Review\n"
    )
    plan = importer.validate_salaries(csv)
    assert importer.write_salaries(plan) == 2
    mine = PayRecord.objects.get(person=world.employee)
    assert mine.cash_percent == 55
    assert PayRecord.objects.get(person=world.peer).cash_percent == 100
    assert CashMixChoice.objects.get().applied_to == mine


def test_recording_a_proposal_carries_the_persons_choice(world, client_for):
    open_window()
    make_pay(world.employee, "80000")
    services.do_choose_mix(by=world.employee, cash_percent=85, today=date(2026, 6, 10))
    p = proposal_for(world)
    admin = client_for(world.people_admin)
    page = admin.get(reverse("pay:proposal", args=[p.pk])).content.decode()
    assert "Eli Employee chose 85% cash for 2026" in page
    response = admin.post(
        reverse("pay:proposal", args=[p.pk]), {"effective_date": "2026-07-01", "cash_percent": "40"}
    )
    assert response.status_code == 302
    assert PayRecord.objects.get(proposal=p).cash_percent == 85


def test_htmx_requests_get_only_the_swapped_fragment(world, client_for):
    open_window()
    client = client_for(world.employee)
    hx = {"HX-Request": "true"}
    mix = client.post(reverse("pay:choose_mix"), {"cash_percent": "60"}, headers=hx)
    assert mix.status_code == 200
    assert mix.content.decode().lstrip().startswith('<section class="card" id="mix"')
    assert "60% cash, 40% stock" in mix.content.decode()
    shared = share(client, amount="99000")
    assert shared.status_code == 302
    e = MarketEvidence.objects.get()
    gone = client.post(reverse("pay:withdraw_evidence", args=[e.pk]), headers=hx)
    assert gone.status_code == 200
    body = gone.content.decode()
    assert body.lstrip().startswith('<section class="card" id="shared"')
    assert "You have not shared anything yet." in body
