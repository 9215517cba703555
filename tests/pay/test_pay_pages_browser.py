"""The pay pages in a real browser, full of data (two currencies, evidence converted at the
company rate, someone at 99.96%): no serious or critical axe finding at desktop or phone
width, nothing wider than a 390px screen, tables stacked into one block per row there, and the
band's labels still readable."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from pay.models import ExchangeRate, MarketEvidence, PayPolicy, RaiseProposal
from tests.conftest import make_person
from tests.pay.conftest import BAND, make_data_set, make_pay

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

TOO_WIDE = """() => [...document.querySelectorAll("body *")]
    .filter(e => e.getBoundingClientRect().right > innerWidth + 0.5)
    .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > innerWidth + 0.5))
    .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : ""))"""

# The smallest band label as drawn on screen, in CSS pixels (SVG text scales with its box).
BAND_LABEL_PX = """() => Math.min(...[...document.querySelectorAll(".pay-band .band-label")]
    .map(t => t.getBoundingClientRect().height))"""


def _full_pay(world):
    PayPolicy.objects.update_or_create(pk=1, defaults={"employees_see_market_position": True})
    make_data_set(rows=[("Engineering", 4, "London", BAND)])
    ExchangeRate.objects.create(
        from_currency="EUR", to_currency="GBP", rate="0.85", effective_date=date(2026, 1, 1)
    )
    make_pay(world.employee, "72400", currency="GBP")
    MarketEvidence.objects.create(
        person=world.employee,
        kind="quote",
        amount=Decimal("110000"),
        currency="EUR",
        observed_on=date(2026, 5, 1),
        recorded_by=world.employee,
        shared_by_person=True,
    )
    make_pay(world.peer, "99960")
    for name, amount, currency in (
        ("Rae Report", "70000", "EUR"),
        ("Max Pounds", "90000", "GBP"),
        ("Zoe Above", "120000", "EUR"),
    ):
        make_pay(make_person(name=name, manager=world.manager), amount, currency=currency)
    RaiseProposal.objects.create(
        person=world.peer, proposed_by=world.manager, proposed_salary="100000", currency="EUR"
    )


def test_the_pay_pages_pass_axe_and_fit_a_phone(world, browse):
    _full_pay(world)
    pages = [
        (world.employee, reverse("pay:index")),
        (world.manager, reverse("pay:team")),
        (world.manager, reverse("pay:person", args=[world.employee.pk])),
        (world.manager, reverse("pay:propose", args=[world.employee.pk])),
        (world.people_admin, reverse("pay:overview")),
        (world.people_admin, reverse("pay:rates")),
    ]
    sessions: dict = {}
    problems = []
    for person, url in pages:
        if person not in sessions:
            sessions[person] = browse(person)
        session = sessions[person]
        session.page.set_viewport_size({"width": 1280, "height": 900})
        session.visit(url)
        session.page.set_viewport_size(PHONE)
        session.visit(url)
        width = session.page.evaluate("() => document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            problems.append(f"{url}: {width}px wide: {session.page.evaluate(TOO_WIDE)}")
        if session.page.locator(".pay-band").count():
            smallest = session.page.evaluate(BAND_LABEL_PX)
            if smallest < 10:
                problems.append(f"{url}: band labels {smallest:.1f}px tall on a phone")
        if session.page.locator("table.pay-table").count():
            header = session.page.locator("table.pay-table thead").first.bounding_box()
            if header and header["height"] > 1:
                problems.append(f"{url}: table headers still shown on a phone")
            cell = session.page.locator("table.pay-table td[data-label]").first
            label = cell.evaluate("td => getComputedStyle(td, '::before').content")
            if label in ("none", "normal", ""):
                problems.append(f"{url}: stacked cells carry no label")
    assert problems == []


def test_the_team_rows_propose_action_opens_the_propose_page(world, browse):
    _full_pay(world)
    manager = browse(world.manager)
    manager.visit(reverse("pay:team"))
    manager.page.get_by_role("link", name="Propose a raise for Rae Report").click()
    manager.page.wait_for_url("**/propose/")
    assert manager.page.get_by_role("heading", name="Propose a raise for Rae Report").is_visible()
    manager.check_a11y("propose from a team row")
