"""Pay in a real browser: manager reviews the team, records evidence and proposes a raise;
the people admin records it; the employee sees their new pay."""

from datetime import date

import pytest

from pay.models import PayRecord
from tests.conftest import make_person
from tests.pay.conftest import BAND, make_data_set, make_pay

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_raise_goes_from_team_review_to_the_employees_pay_page(world, browse):
    make_data_set(rows=[("Engineering", 4, "London", BAND)])
    make_pay(world.employee, "65000", effective=date(2025, 1, 1))
    make_pay(world.peer, "98000", effective=date(2025, 1, 1))
    make_pay(
        make_person(name="Rae Report", manager=world.manager), "72000", effective=date(2025, 1, 1)
    )

    manager = browse(world.manager)
    page = manager.page
    manager.visit("/pay/team/")
    assert page.get_by_role("img", name="Pay as a ratio of target").is_visible()
    assert (
        page.locator("tbody tr")
        .first.get_by_role("link", name="Eli Employee", exact=True)
        .is_visible()
    )  # largest gap

    page.get_by_role("link", name="Eli Employee", exact=True).click()
    page.wait_for_url("**/pay/people/*/")
    manager.check_a11y("person page")
    page.get_by_label("What it answers").select_option("offer")
    page.get_by_label("Amount (yearly base)").fill("105000")
    page.get_by_label("Date").fill("2026-01-10")
    page.get_by_label("Note").fill("Offer from a peer studio")
    page.get_by_role("button", name="Record evidence").click()
    page.locator("#evidence").get_by_text("Offer from a peer studio").wait_for()
    manager.assert_clean()

    page.get_by_role("link", name="Propose a raise").click()
    page.wait_for_url("**/propose/")
    manager.check_a11y("propose")
    assert page.get_by_text("Suggested: €105,000").is_visible()
    page.get_by_label("Reason").fill("Matches the outside offer before they have to ask.")
    page.get_by_role("button", name="Propose the raise").click()
    page.wait_for_url("**/pay/people/*/")
    page.get_by_text("Raise proposed for Eli Employee").wait_for()

    admin = browse(world.people_admin)
    admin.visit("/pay/overview/")
    admin.page.get_by_role("link", name="Eli Employee: €105,000").click()
    admin.page.wait_for_url("**/pay/proposals/*/")
    admin.check_a11y("proposal")
    admin.page.get_by_label("Effective date").fill("2026-01-01")
    admin.page.get_by_role("button", name="Record the pay change").click()
    admin.page.get_by_text("Pay change recorded for Eli Employee").wait_for()
    assert PayRecord.objects.filter(person=world.employee).count() == 2

    employee = browse(world.employee)
    employee.visit("/pay/")
    history = employee.page.get_by_role("table")
    assert history.get_by_text("€105,000").is_visible()
    assert history.get_by_text("€65,000").is_visible()


def test_an_employee_shares_a_recruiter_quote_and_chooses_their_mix(world, browse, tmp_path):
    from datetime import timedelta

    from culture import clock
    from pay.models import CashMixChoice, MarketEvidence, PayPolicy

    today = clock.today()
    PayPolicy.objects.update_or_create(
        pk=1,
        defaults={
            "mix_window_start": today - timedelta(days=3),
            "mix_window_end": today + timedelta(days=10),
        },
    )
    make_pay(world.employee, "65000", effective=date(2025, 1, 1))
    letter = tmp_path / "recruiter.pdf"
    letter.write_bytes(b"%PDF-1.4\n% recruiter email\n%%EOF\n")

    employee = browse(world.employee)
    page = employee.page
    employee.visit("/pay/")
    shared = page.locator("#shared")
    shared.get_by_label("What it is").select_option("quote")
    shared.get_by_label("Amount (yearly base)").fill("88000")
    shared.get_by_label("Date").fill(today.isoformat())
    shared.get_by_label("Note").fill("Recruiter for a peer studio")
    shared.get_by_label("Attachment (optional)").set_input_files(str(letter))
    shared.get_by_role("button", name="Share with my chain").click()
    page.locator("#shared").get_by_role("link", name="recruiter.pdf").wait_for()
    page.get_by_label("Cash share").select_option("80")
    page.get_by_role("button", name="Save my choice").click()
    page.locator("#mix").get_by_text("It applies from your next pay record.").wait_for()
    employee.check_a11y("own pay page with shared evidence and mix")
    employee.assert_clean()
    assert MarketEvidence.objects.get().attachment_size == 33
    assert CashMixChoice.objects.get().cash_percent == 80

    manager = browse(world.manager)
    manager.visit(f"/pay/people/{world.employee.pk}/")
    assert manager.page.get_by_text("shared by them", exact=True).is_visible()
