"""Pure pay maths, `Decimal` end to end (no floats, no database).

- `market_position(salary, band)`: where a salary falls in a P10..P90 band, interpolated
  linearly between the known percentiles and clamped outside ("below P10" / "above P90").
- `value_at(band, percentile)`: the salary at a percentile of the band.
- `ratio(salary, target)`, `gap(salary, target)`: pay as a ratio of a target, and the money
  between them (positive: below target). The ratio rounds down, so it is under 1 exactly when
  pay is under the target: a ratio never reads "on target" for someone flagged below it.
- `whole(amount)`: salaries and market figures are shown and compared in whole currency units.
- `convert(amount, from_, to, on, rates)`: through the company's dated rates, or
  `CannotCompare` (never a silent comparison across currencies).
- `format_money(amount, currency)`: the one way money is shown (pages, charts, emails): whole
  units, in the active language's conventions with the currency's symbol in its place
  ("£93,500" in English, "93 500 £GB" in French, "93.500 £" in German).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Protocol

from babel import Locale, UnknownLocaleError
from babel.numbers import NumberPattern
from django.utils.translation import gettext as _

PERCENTILES: tuple[int, ...] = (10, 25, 50, 75, 90)
CENTS = Decimal("0.01")
UNITS = Decimal(1)
RATIO_PLACES = Decimal("0.001")
PCT_PLACES = Decimal("0.1")


def money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENTS, rounding=ROUND_HALF_UP)


def whole(value: Decimal) -> Decimal:
    """A market figure in whole currency units: a converted or interpolated P90 is a
    salary to aim for, not an amount to the penny. Written with two places, as money is
    everywhere else (so the API's amounts keep one form: "101827.00")."""
    return Decimal(value).quantize(UNITS, rounding=ROUND_HALF_UP).quantize(CENTS)


@dataclass(frozen=True)
class Position:
    """An interpolated market percentile. `clamp` is "below" / "above" outside the band."""

    percentile: Decimal
    clamp: str = ""

    @property
    def label(self) -> str:
        if self.clamp == "below":
            return _("below P10")
        if self.clamp == "above":
            return _("above P90")
        return f"P{self.percentile.quantize(Decimal(1), rounding=ROUND_HALF_UP)}"


def check_band(band: Sequence[Decimal]) -> tuple[Decimal, ...]:
    band = tuple(Decimal(v) for v in band)
    if len(band) != len(PERCENTILES):
        raise ValueError("A band has five values: P10, P25, P50, P75, P90.")
    if band[0] <= 0:
        raise ValueError("Band values must be positive.")
    if any(b < a for a, b in zip(band, band[1:], strict=False)):
        raise ValueError("Band values must not decrease from P10 to P90.")
    return band


def market_position(salary: Decimal, band: Sequence[Decimal]) -> Position:
    """Interpolated percentile of `salary` within the band (non-decreasing in salary)."""
    band = check_band(band)
    salary = Decimal(salary)
    if salary < band[0]:
        return Position(Decimal(PERCENTILES[0]), "below")
    if salary > band[-1]:
        return Position(Decimal(PERCENTILES[-1]), "above")
    # The last known point at or below the salary; on a flat stretch this is its top end.
    i = max(k for k, v in enumerate(band) if v <= salary)
    if i == len(band) - 1:
        return Position(Decimal(PERCENTILES[-1]))
    low, high = band[i], band[i + 1]
    p_low, p_high = Decimal(PERCENTILES[i]), Decimal(PERCENTILES[i + 1])
    pct = p_low + (p_high - p_low) * (salary - low) / (high - low)
    return Position(pct.quantize(PCT_PLACES, rounding=ROUND_HALF_UP))


def value_at(band: Sequence[Decimal], percentile: int | Decimal) -> Decimal:
    """The salary at `percentile` (10..90) of the band, interpolated between known points."""
    band = check_band(band)
    pct = Decimal(percentile)
    if not PERCENTILES[0] <= pct <= PERCENTILES[-1]:
        raise ValueError("Percentile must be between 10 and 90.")
    for i, p in enumerate(PERCENTILES):
        if pct == p:
            return band[i]
        if pct < p:
            p_low = Decimal(PERCENTILES[i - 1])
            low, high = band[i - 1], band[i]
            return money(low + (high - low) * (pct - p_low) / (Decimal(p) - p_low))
    raise AssertionError("unreachable")


def ratio(salary: Decimal, target: Decimal) -> Decimal:
    """Pay as a ratio of the target (1.000 = on target), rounded down: 99,960 of 100,000 is
    0.999, never 1.000, so the ratio is below 1 exactly when the gap says below target."""
    target = Decimal(target)
    if target <= 0:
        raise ValueError("Target must be positive.")
    return (Decimal(salary) / target).quantize(RATIO_PLACES, rounding=ROUND_FLOOR)


def gap(salary: Decimal, target: Decimal) -> Decimal:
    """Money between pay and target: positive when pay is below the target."""
    return money(Decimal(target) - Decimal(salary))


# --- Currency ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CannotCompare:
    """A comparison that cannot be made honestly (no company rate for the currencies)."""

    reason: str

    def __bool__(self) -> bool:
        return False


@dataclass(frozen=True)
class Rate:
    from_currency: str
    to_currency: str
    rate: Decimal
    effective_date: date


class RateLike(Protocol):
    """A Rate, or anything that reads like one (pay.models.ExchangeRate)."""

    @property
    def from_currency(self) -> str: ...
    @property
    def to_currency(self) -> str: ...
    @property
    def rate(self) -> Decimal: ...
    @property
    def effective_date(self) -> date: ...


class RateBook:
    """The company's dated exchange rates, looked up without further queries."""

    def __init__(self, rates: Iterable[RateLike] = ()):
        self._rates: dict[tuple[str, str], list[tuple[date, Decimal]]] = {}
        for r in rates:
            key = (r.from_currency, r.to_currency)
            self._rates.setdefault(key, []).append((r.effective_date, Decimal(r.rate)))
        for values in self._rates.values():
            values.sort(reverse=True)

    def _direct(self, from_: str, to: str, on: date) -> tuple[date, Decimal] | None:
        for effective, rate in self._rates.get((from_, to), ()):
            if effective <= on:
                return effective, rate
        return None

    def rate(self, from_: str, to: str, on: date) -> Decimal | CannotCompare:
        """Units of `to` per unit of `from_` on `on`: the newest rate in force, either way."""
        if from_ == to:
            return Decimal(1)
        direct = self._direct(from_, to, on)
        inverse = self._direct(to, from_, on)
        if direct and (not inverse or direct[0] >= inverse[0]):
            return direct[1]
        if inverse:
            return Decimal(1) / inverse[1]
        return CannotCompare(
            _("No company exchange rate from %(from)s to %(to)s on %(date)s.")
            % {"from": from_, "to": to, "date": on.isoformat()}
        )


def convert(
    amount: Decimal, from_: str, to: str, on: date, rates: RateBook
) -> Decimal | CannotCompare:
    """`amount` in `from_` expressed in `to` with the company's rate in force on `on`."""
    rate = rates.rate(from_, to, on)
    if isinstance(rate, CannotCompare):
        return rate
    if from_ == to:
        return Decimal(amount)
    return money(Decimal(amount) * rate)


# --- Showing money ------------------------------------------------------------------------


@lru_cache(maxsize=32)
def _money_format(language: str) -> tuple[Locale, NumberPattern]:
    """The Babel locale of a Django language code ("en-gb" -> en_GB) and its currency
    pattern without decimals: salaries and market figures are shown in whole units. Cached:
    parsing a locale and its pattern costs far more than formatting with them."""
    from django.conf import settings
    from django.utils.translation import to_locale

    try:
        locale = Locale.parse(to_locale(language))
    except (UnknownLocaleError, ValueError):
        locale = Locale.parse(to_locale(settings.LANGUAGE_CODE))
    pattern = copy.copy(locale.currency_formats["standard"])
    pattern.frac_prec = (0, 0)
    return locale, pattern


def format_money(amount: Decimal | int | str, currency: str = "") -> str:
    """`amount` in whole `currency` units as the active language writes money: its grouping,
    the currency's symbol and where it goes ("£93,500", "93 500 £GB", "93.500 £"). Rounded half
    up to whole units before formatting. Without a currency, the number alone."""
    from django.utils import translation
    from django.utils.formats import number_format

    value = Decimal(amount).quantize(UNITS, rounding=ROUND_HALF_UP)
    locale, pattern = _money_format(translation.get_language() or "en-gb")
    if not currency:
        return number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True)
    return pattern.apply(
        value, locale, currency=currency, currency_digits=False, numbering_system="default"
    )
