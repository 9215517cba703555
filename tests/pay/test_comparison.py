"""Comparisons: which data set, which benchmark, which figure the gap is measured against."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pay.comparison import compare_people, distribution, sort_by_gap
from pay.models import MarketEvidence
from tests.conftest import make_person
from tests.pay.conftest import BAND, make_data_set, make_pay

pytestmark = pytest.mark.django_db

ON = date(2026, 6, 1)


def evidence(person, kind, amount, observed_on, by):
    return MarketEvidence.objects.create(
        person=person,
        kind=kind,
        amount=Decimal(amount),
        currency="EUR",
        observed_on=observed_on,
        recorded_by=by,
    )


def test_the_newest_data_set_in_force_on_the_date_is_used_and_older_ones_are_kept(world):
    make_data_set(
        effective=date(2025, 1, 1), rows=[("Engineering", 4, "London", ("1", "2", "3", "4", "5"))]
    )
    current = make_data_set(effective=date(2026, 1, 1), rows=[("Engineering", 4, "London", BAND)])
    make_data_set(
        effective=date(2026, 9, 1), rows=[("Engineering", 4, "London", ("9", "9", "9", "9", "9"))]
    )
    make_pay(world.employee, "70000")
    (c,) = compare_people([world.employee], on=ON)
    assert c.data_set == current
    assert c.position.label == "P50"
    assert c.market_target == Decimal("100000")
    (early,) = compare_people([world.employee], on=date(2025, 7, 1))
    assert early.position.label == "above P90"


def test_without_pay_or_market_data_the_comparison_says_why(world):
    (no_pay,) = compare_people([world.employee], on=ON)
    assert no_pay.status == "no_pay"
    make_pay(world.employee, "70000")
    (no_data,) = compare_people([world.employee], on=ON)
    assert no_data.status == "no_benchmark" and no_data.reason == "No market data in force."
    assert no_data.ratio is None


def test_what_we_would_pay_to_keep_them_beats_outside_offers_and_replacement_cost(world):
    make_data_set(rows=[("Engineering", 4, "London", BAND)])
    make_pay(world.employee, "80000")
    evidence(world.employee, "offer", "130000", date(2026, 5, 1), world.manager)
    evidence(world.employee, "replace", "200000", date(2026, 5, 1), world.manager)
    (c,) = compare_people([world.employee], on=ON)
    # Replacing them would cost more than their best offer: that is the personal figure.
    assert c.personal_figure == Decimal("200000") and c.gap == Decimal("120000.00")
    assert c.personal_source == (
        "the cost to replace them, higher than their best outside offer or quote"
    )
    evidence(world.employee, "keep", "110000", date(2026, 4, 1), world.manager)
    (c,) = compare_people([world.employee], on=ON)
    assert c.personal_figure == Decimal("110000")
    assert c.ratio == Decimal("0.727")
    assert c.position.label == "P67"  # the market position is still against the band


def test_offers_older_than_a_year_no_longer_count(world):
    make_data_set(rows=[("Engineering", 4, "London", BAND)])
    make_pay(world.employee, "80000")
    evidence(world.employee, "quote", "150000", date(2025, 5, 1), world.manager)
    (c,) = compare_people([world.employee], on=ON)
    assert c.personal_figure is None and c.target == Decimal("100000")


def test_evidence_alone_gives_a_gap_when_there_is_no_benchmark(world):
    make_pay(world.employee, "80000")
    evidence(world.employee, "keep", "90000", date(2026, 5, 1), world.manager)
    (c,) = compare_people([world.employee], on=ON)
    assert c.status == "ok" and c.gap == Decimal("10000.00") and c.position is None


def test_comparing_many_people_takes_a_fixed_number_of_queries(world):
    make_data_set(rows=[("Engineering", 4, "London", BAND)])
    people = [make_person(manager=world.manager) for _ in range(5)]
    for p in people:
        make_pay(p, "60000")
    compare_people([], on=ON)  # the policy row exists from here on
    with CaptureQueriesContext(connection) as few:
        compare_people(people[:1], on=ON)
    with CaptureQueriesContext(connection) as many:
        rows = compare_people(people, on=ON)
    assert len(many) == len(few) == 7
    assert len(rows) == 5


def test_distribution_is_suppressed_under_three_people_and_sorted_by_gap(world):
    make_data_set(rows=[("Engineering", 4, "London", BAND)])
    a, b, c = (make_person(manager=world.manager, name=n) for n in ("A", "B", "C"))
    make_pay(a, "100000")
    make_pay(b, "75000")
    assert distribution(compare_people([a, b], on=ON)) is None
    make_pay(c, "115000")
    rows = sort_by_gap(compare_people([a, b, c], on=ON))
    assert [r.person.name for r in rows] == ["B", "A", "C"]
    dist = distribution(rows)
    # Each bucket of 1 or 2 people is suppressed (culture.aggregates), not only the whole.
    assert [x["count"].value for x in dist["buckets"]] == [None, 0, 0, None, None]
    assert [str(x["count"]) for x in dist["buckets"]] == [
        "fewer than 3",
        "0",
        "0",
        "fewer than 3",
        "fewer than 3",
    ]
    assert (dist["total"], dist["below"].value, dist["median"]) == (3, None, Decimal("1.000"))
    assert dist["max"] == 0
