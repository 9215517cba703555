"""Keeper's words for periods and days in the reader's language. A cycle's period label:
"Q1 2027", "H2 2027", "Jan–Feb 2027", "Nov 2027–Jan 2028" in English.

A cycle stores its label in English (keeper.services.periods.stored_period_label: audit
details, webhooks and exports read the same whatever language the sweep ran in); pages and
messages show it localised (`localise`, KeeperCycle.display_label)."""

from __future__ import annotations

import re
from datetime import date

from django.utils import dateformat
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

# The stored labels' month abbreviations (calendar.month_abbr in English).
_ENGLISH_MONTHS = {
    name: number
    for number, name in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
        start=1,
    )
}
_QUARTER = re.compile(r"^Q([1-4]) (\d{4})$")
_HALF = re.compile(r"^H([12]) (\d{4})$")
_SPAN = re.compile(r"^([A-Z][a-z]{2})–([A-Z][a-z]{2}) (\d{4})$")
_SPAN_YEARS = re.compile(r"^([A-Z][a-z]{2}) (\d{4})–([A-Z][a-z]{2}) (\d{4})$")


def quarter(number: int, year: int) -> str:
    return _("Q%(quarter)s %(year)s") % {"quarter": number, "year": year}


def half(number: int, year: int) -> str:
    return _("H%(half)s %(year)s") % {"half": number, "year": year}


def _month(year: int, month: int) -> str:
    """The month's abbreviation in the active language ("Jan" in English)."""
    return dateformat.format(date(year, month, 1), "M")


def month_span(year: int, month: int, end_year: int, end_month: int) -> str:
    start, end = _month(year, month), _month(end_year, end_month)
    if end_year == year:
        return _("%(start)s–%(end)s %(year)s") % {"start": start, "end": end, "year": year}
    return _("%(start)s %(start_year)s–%(end)s %(end_year)s") % {
        "start": start,
        "start_year": year,
        "end": end,
        "end_year": end_year,
    }


def long_date(value: date) -> str:
    """A day with its month's full name ("9 December 2026" in English): the order is the
    translators' to choose, as a date format."""
    return date_format(value, pgettext("date with the month's full name", "j F Y"))


def localise(label: str) -> str:
    """A stored (English) period label in the active language; one that is not a period
    label (an older or hand-made one) is shown as stored."""
    if m := _QUARTER.match(label):
        return quarter(int(m[1]), int(m[2]))
    if m := _HALF.match(label):
        return half(int(m[1]), int(m[2]))
    if (m := _SPAN.match(label)) and m[1] in _ENGLISH_MONTHS and m[2] in _ENGLISH_MONTHS:
        year = int(m[3])
        return month_span(year, _ENGLISH_MONTHS[m[1]], year, _ENGLISH_MONTHS[m[2]])
    if (m := _SPAN_YEARS.match(label)) and m[1] in _ENGLISH_MONTHS and m[3] in _ENGLISH_MONTHS:
        return month_span(int(m[2]), _ENGLISH_MONTHS[m[1]], int(m[4]), _ENGLISH_MONTHS[m[3]])
    return label
