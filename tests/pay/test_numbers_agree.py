"""Issue 24, pay: numbers that agree and explain themselves.

One target per person (shown with where it comes from, and used by the ratio, the gap and the
picture); one "below target" count from one function (the chart's, the table's); a ratio shown
with the precision its flag uses; whole currency units; one table per currency; a "propose a
raise" action on each team row, for the people the viewer may propose for."""

import re
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pay import charts, comparison, maths
from pay.models import ExchangeRate, MarketEvidence, PayPolicy
from pay.templatetags.pay_tags import money, pay_to_target
from tests.conftest import make_person
from tests.pay.conftest import make_benchmark, make_data_set, make_pay

pytestmark = pytest.mark.django_db

ON = date(2026, 6, 15)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel("2026-06-15 10:00Z", tick=False):
        yield


def _row(body: str, name: str) -> str:
    """The table row of `name` in the rendered page."""
    match = re.search(r"<tr[^>]*>(?:(?!</tr>).)*?" + re.escape(name) + r".*?</tr>", body, re.S)
    assert match, f"no row for {name}"
    return match.group(0)


@pytest.fixture
def two_currency_team(world, market):
    """Mia's reports against the EUR band (P90 100,000; 0.8 GBP a euro): three below target,
    one of them at 99.96% (rounded to whole percent that reads 100%), two paid in GBP."""
    ExchangeRate.objects.create(
        from_currency="EUR", to_currency="GBP", rate="0.8", effective_date=date(2026, 1, 1)
    )
    people = {
        "Ann Almost": ("99960", "EUR"),  # 99.96% of 100,000: below target
        "Ben Below": ("70000", "EUR"),
        "Cat Above": ("120000", "EUR"),
        "Dan Pounds": ("50000", "GBP"),  # 62.5% of 80,000
        "Eve Pounds": ("90000", "GBP"),  # above 80,000
    }
    made = {}
    for name, (amount, currency) in people.items():
        person = make_person(manager=world.manager, name=name)
        make_pay(person, amount, currency=currency)
        made[name] = person
    return made


def test_the_chart_and_the_table_count_the_same_people_below_target(
    world, client_for, two_currency_team
):
    rows = comparison.compare_people(list(two_currency_team.values()), on=ON)
    # The one function: Ann (99.96%), Ben and Dan are below target.
    assert comparison.count_below(rows).value == 3
    assert comparison.distribution(rows)["below"] == comparison.count_below(rows)
    body = client_for(world.manager).get(reverse("pay:team")).content.decode()
    table_count = re.search(r"People \(\d+\) · (\d+) below target", body).group(1)
    chart_count = re.search(r"people compared; (\d+) below target", body).group(1)
    assert table_count == chart_count == "3"
    flagged = {name for name in two_currency_team if "below target</span>" in _row(body, name)}
    assert flagged == {"Ann Almost", "Ben Below", "Dan Pounds"}
    # The chart puts Ann in the bar just under 1.00, not at 1.00 and over.
    ann = next(c for c in rows if c.person.name == "Ann Almost")
    assert ann.ratio == Decimal("0.999") and ann.ratio < 1


def test_a_ratio_is_shown_with_the_precision_its_flag_uses(world, client_for, two_currency_team):
    body = client_for(world.manager).get(reverse("pay:team")).content.decode()
    ann = _row(body, "Ann Almost")
    assert "99.96%" in ann and "100%" not in ann
    assert "below target</span>" in ann
    assert "€40 below" in ann
    # Whole percent wherever whole percent cannot mislead.
    assert "70%" in _row(body, "Ben Below")
    assert "120%" in _row(body, "Cat Above")


def test_pay_to_target_never_reads_100_percent_unless_on_target():
    def c(salary, target):
        return (
            comparison.Comparison(
                person=None, ratio=maths.ratio(Decimal(salary), Decimal(target)), gap=Decimal(0)
            ),
            Decimal(salary),
            Decimal(target),
        )

    for salary, target, shown in [
        ("99960", "100000", "99.96%"),
        ("99999", "100000", "99.99%"),
        ("100040", "100000", "100.04%"),
        ("100000", "100000", "100%"),
        ("99400", "100000", "99%"),
        ("77000", "100000", "77%"),
    ]:
        comp, s, t = c(salary, target)
        comp.record = type("R", (), {"base_salary": s, "currency": "EUR"})()
        comp.market_target = t
        assert pay_to_target(comp) == shown, (salary, target)
        below = s < t
        assert (comp.ratio < 1) == below  # the ratio's own side of 1 is the flag's


def test_currencies_are_never_sorted_or_totalled_together(world, client_for, two_currency_team):
    body = client_for(world.manager).get(reverse("pay:team")).content.decode()
    assert "never sorted or added together" in body
    eur_at, gbp_at = body.index("Paid in EUR (3)"), body.index("Paid in GBP (2)")
    eur_table = body[eur_at:gbp_at]
    gbp_table = body[gbp_at:]
    assert all(name in eur_table for name in ("Ann Almost", "Ben Below", "Cat Above"))
    assert "GBP " not in eur_table and "EUR " not in gbp_table.split("</table>")[0]
    # Within each currency, largest gap first.
    assert (
        eur_table.index("Ben Below") < eur_table.index("Ann Almost") < eur_table.index("Cat Above")
    )
    assert gbp_table.index("Dan Pounds") < gbp_table.index("Eve Pounds")
    groups = comparison.by_currency(
        comparison.sort_by_gap(comparison.compare_people(two_currency_team.values(), on=ON))
    )
    assert [(cur, len(rows)) for cur, rows in groups] == [("EUR", 3), ("GBP", 2)]


def test_each_team_row_has_its_target_a_band_bar_and_a_propose_action(
    world, client_for, two_currency_team
):
    client = client_for(world.manager)
    body = client.get(reverse("pay:team")).content.decode()
    dan = _row(body, "Dan Pounds")
    assert "£80,000" in dan and "market P90" in dan  # the target, converted, in whole units
    assert 'class="mini-band"' in dan and 'class="band-target"' in dan and "band-dot" in dan
    for person in two_currency_team.values():
        row = _row(body, person.name)
        url = reverse("pay:propose", args=[person.pk])
        assert f'href="{url}"' in row
        assert f'aria-label="Propose a raise for {person.name}">Propose a raise</a>' in row
    # The action leads to the existing propose page, which the viewer may open...
    dan_propose = reverse("pay:propose", args=[two_currency_team["Dan Pounds"].pk])
    assert client.get(dan_propose).status_code == 200
    # ...and nobody outside the person's chain is offered it or let in.
    other = client_for(world.other_manager)
    assert other.get(dan_propose).status_code == 404
    assert "Dan Pounds" not in other.get(reverse("pay:team")).content.decode()


def test_my_pay_shows_one_target_with_its_source_and_measures_against_it(world, client_for):
    PayPolicy.objects.update_or_create(pk=1, defaults={"employees_see_market_position": True})
    # A EUR survey converted to GBP: its P90 is 119,797 * 0.85 = 101,827.45.
    make_data_set(
        rows=[("Engineering", 4, "London", ("60000", "75000", "90000", "105000", "119797"))]
    )
    ExchangeRate.objects.create(
        from_currency="EUR", to_currency="GBP", rate="0.85", effective_date=date(2026, 1, 1)
    )
    make_pay(world.employee, "72400", currency="GBP")
    MarketEvidence.objects.create(
        person=world.employee,
        kind="quote",
        amount=Decimal("93995"),
        currency="GBP",
        observed_on=date(2026, 5, 1),
        recorded_by=world.employee,
        shared_by_person=True,
    )
    body = client_for(world.employee).get(reverse("pay:index")).content.decode()
    # One target, labelled with where it comes from.
    assert body.count("<dt>Target") == 1
    assert "<dt>Target (your personal market)</dt><dd>£93,995</dd>" in body
    assert "Market target" not in body and "Personal market</dt>" not in body
    assert "The target is your personal market: recruiter quote, £93,995." in body
    assert "It replaces the market P90 figure of £101,827." in body
    # The ratio, the gap and the picture use it.
    assert "<dt>Pay to target</dt><dd>77%</dd>" in body  # 72,400 / 93,995 = 77.03%
    assert "<dt>Gap</dt><dd>£21,595 below</dd>" in body
    (c,) = comparison.compare_people([world.employee], on=ON)
    assert c.target == Decimal("93995") == c.personal_figure
    picture = charts.band(c)
    assert f'<line class="band-target" x1="{picture["target"]}"' in body
    assert "target £93,995" in body  # the picture's description
    # No pence on a converted P90 anywhere.
    assert "101,827.45" not in body and "101,827.4" not in body


def test_salaries_and_market_figures_are_whole_currency_units(world, client_for):
    make_data_set(
        rows=[("Engineering", 4, "London", ("60000", "75000", "90000", "105000", "119797"))]
    )
    ExchangeRate.objects.create(
        from_currency="EUR", to_currency="GBP", rate="0.85", effective_date=date(2026, 1, 1)
    )
    make_pay(world.employee, "72400.40", currency="GBP")
    (c,) = comparison.compare_people([world.employee], on=ON)
    assert c.band == tuple(Decimal(v) for v in ("51000", "63750", "76500", "89250", "101827"))
    assert all(v == v.to_integral_value() for v in c.band)
    assert c.market_target == Decimal("101827")
    body = (
        client_for(world.manager)
        .get(reverse("pay:person", args=[world.employee.pk]))
        .content.decode()
    )
    assert "£101,827" in body and "£72,400" in body
    assert not re.search(r"(GBP|EUR) [\d,]+\.\d", body)
    assert money(Decimal("101827.45"), "GBP") == "£101,827"
    assert money(Decimal("80000.5"), "EUR") == "€80,001"


def test_the_team_view_query_count_does_not_grow_with_currencies_evidence_or_people(
    world, client_for, market, django_assert_max_num_queries
):
    client = client_for(world.manager)
    ExchangeRate.objects.create(
        from_currency="EUR", to_currency="GBP", rate="0.8", effective_date=date(2026, 1, 1)
    )
    for i in range(3):
        make_pay(make_person(manager=world.manager, name=f"Small {i}"), "60000")
    PayPolicy.load()
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("pay:team")).status_code == 200
    for i in range(20):
        p = make_person(manager=world.manager, name=f"Big {i:02}")
        make_pay(p, str(50000 + i * 1500), currency="GBP" if i % 2 else "EUR")
        MarketEvidence.objects.create(
            person=p,
            kind="offer",
            amount=Decimal(90000 + i),
            currency="EUR",
            observed_on=date(2026, 3, 1),
            recorded_by=world.manager,
        )
    for level in range(1, 9):
        make_benchmark(data_set=market, level=level, location="Paris")
    with django_assert_max_num_queries(len(small)):
        body = client.get(reverse("pay:team")).content.decode()
    assert "Paid in GBP" in body and body.count('class="mini-band"') == 23


def test_my_pay_names_its_source_without_showing_more_of_what_the_chain_recorded(
    world, client_for, market
):
    """The employee saw their personal figure and its kind before; naming the source adds
    neither the amount in the currency the chain recorded it in nor its date."""
    PayPolicy.objects.update_or_create(pk=1, defaults={"employees_see_market_position": True})
    ExchangeRate.objects.create(
        from_currency="EUR", to_currency="GBP", rate="0.8", effective_date=date(2026, 1, 1)
    )
    make_pay(world.employee, "70000", currency="GBP")
    MarketEvidence.objects.create(
        person=world.employee,
        kind="keep",
        amount=Decimal("110000"),
        currency="EUR",
        observed_on=date(2026, 5, 2),
        recorded_by=world.manager,
        note="Board view",
    )
    body = client_for(world.employee).get(reverse("pay:index")).content.decode()
    assert "The target is your personal market: what we would pay to keep them, £88,000." in body
    assert "It replaces the market P90 figure of £80,000." in body
    assert "€110,000" not in body and "2 May 2026" not in body and "Board view" not in body
    manager = (
        client_for(world.manager)
        .get(reverse("pay:person", args=[world.employee.pk]))
        .content.decode()
    )
    assert "what we would pay to keep them, €110,000 on 2 May 2026 (£88,000" in manager
