"""Percentile interpolation, ratio, gap and currency conversion: exact cases and properties."""

from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pay import maths

BAND = (D("50000"), D("60000"), D("70000"), D("85000"), D("100000"))


@pytest.mark.parametrize(
    ("salary", "label", "percentile", "clamp"),
    [
        ("49999.99", "below P10", "10", "below"),
        ("50000", "P10", "10", ""),
        ("60000", "P25", "25", ""),
        ("65000", "P38", "37.5", ""),
        ("70000", "P50", "50", ""),
        ("77500", "P63", "62.5", ""),
        ("99999.99", "P90", "90.0", ""),
        ("100000", "P90", "90", ""),
        ("100000.01", "above P90", "90", "above"),
    ],
)
def test_market_position_is_exact_at_and_around_the_band_edges(salary, label, percentile, clamp):
    position = maths.market_position(D(salary), BAND)
    assert position.label == label
    assert position.percentile == D(percentile)
    assert position.clamp == clamp


def test_a_flat_stretch_of_the_band_puts_the_salary_at_its_top_percentile():
    band = (D("100"), D("100"), D("100"), D("200"), D("300"))
    assert maths.market_position(D("100"), band).percentile == D("50")


def test_value_at_returns_the_band_points_and_interpolates_between_them():
    assert maths.value_at(BAND, 90) == D("100000")
    assert maths.value_at(BAND, 50) == D("70000")
    assert maths.value_at(BAND, 10) == D("50000")
    assert maths.value_at(BAND, 40) == D("66000.00")
    with pytest.raises(ValueError):
        maths.value_at(BAND, 95)


def test_ratio_and_gap_are_decimal_and_exact():
    assert maths.ratio(D("90000"), D("100000")) == D("0.900")
    assert maths.gap(D("90000"), D("100000")) == D("10000.00")
    assert maths.gap(D("110000.005"), D("100000")) == D("-10000.01")
    assert isinstance(maths.ratio(D("1"), D("3")), D)
    assert maths.ratio(D("1"), D("3")) == D("0.333")


def test_a_decreasing_or_non_positive_band_is_refused():
    with pytest.raises(ValueError):
        maths.market_position(D("1"), (D("5"), D("4"), D("6"), D("7"), D("8")))
    with pytest.raises(ValueError):
        maths.market_position(D("1"), (D("0"), D("4"), D("6"), D("7"), D("8")))


def test_conversion_uses_the_newest_rate_in_force_on_the_date():
    rates = maths.RateBook(
        [
            maths.Rate("EUR", "GBP", D("0.80"), date(2026, 1, 1)),
            maths.Rate("EUR", "GBP", D("0.90"), date(2026, 6, 1)),
        ]
    )
    assert maths.convert(D("1000"), "EUR", "GBP", date(2026, 3, 1), rates) == D("800.00")
    assert maths.convert(D("1000"), "EUR", "GBP", date(2026, 6, 1), rates) == D("900.00")
    # The inverse of a company rate is used when only the other direction is recorded.
    assert maths.convert(D("900"), "GBP", "EUR", date(2026, 7, 1), rates) == D("1000.00")


def test_conversion_without_a_company_rate_says_it_cannot_compare():
    rates = maths.RateBook([maths.Rate("EUR", "GBP", D("0.80"), date(2026, 1, 1))])
    before = maths.convert(D("1000"), "EUR", "GBP", date(2025, 12, 31), rates)
    assert isinstance(before, maths.CannotCompare)
    assert "EUR to GBP" in before.reason
    assert isinstance(
        maths.convert(D("1"), "EUR", "USD", date(2026, 2, 1), rates), maths.CannotCompare
    )
    assert maths.convert(D("12.34"), "EUR", "EUR", date(2020, 1, 1), rates) == D("12.34")


money = st.decimals(min_value=D("1"), max_value=D("10000000"), places=2)


@st.composite
def bands(draw):
    start = draw(money)
    steps = draw(
        st.lists(st.decimals(min_value=0, max_value=D("500000"), places=2), min_size=4, max_size=4)
    )
    band = [start]
    for step in steps:
        band.append(band[-1] + step)
    return tuple(band)


@given(bands(), money, money)
def test_market_position_never_decreases_as_salary_grows(band, a, b):
    low, high = sorted((a, b))
    p_low = maths.market_position(low, band)
    p_high = maths.market_position(high, band)
    order = {"below": 0, "": 1, "above": 2}
    assert (order[p_low.clamp], p_low.percentile) <= (order[p_high.clamp], p_high.percentile)
    assert D(10) <= p_low.percentile <= D(90)


@given(bands(), st.integers(min_value=10, max_value=89))
def test_value_at_never_decreases_as_the_percentile_grows(band, pct):
    assert maths.value_at(band, pct) <= maths.value_at(band, pct + 1)


@given(money, money, money)
def test_ratio_grows_with_salary_and_gap_shrinks(a, b, target):
    low, high = sorted((a, b))
    assert maths.ratio(low, target) <= maths.ratio(high, target)
    assert maths.gap(low, target) >= maths.gap(high, target)
    assert isinstance(maths.gap(low, target), D)


def test_whole_rounds_market_figures_to_currency_units_in_the_form_money_has():
    assert maths.whole(D("101827.45")) == D("101827")
    assert str(maths.whole(D("101827.45"))) == "101827.00"
    assert maths.whole(D("101827.50")) == D("101828")


def test_the_ratio_rounds_down_so_it_is_below_one_exactly_when_pay_is_below_target():
    assert maths.ratio(D("99960"), D("100000")) == D("0.999")
    assert maths.ratio(D("99999.99"), D("100000")) < 1
    assert maths.ratio(D("100000"), D("100000")) == 1
    assert maths.ratio(D("100040"), D("100000")) == D("1.000")
