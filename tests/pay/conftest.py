"""Pay factories: plain functions with keyword defaults."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pay.models import MarketBenchmark, MarketDataSet, PayRecord

BAND = ("50000", "60000", "70000", "85000", "100000")


def make_data_set(*, effective=date(2026, 1, 1), currency="EUR", source="Survey", rows=()):
    data_set = MarketDataSet.objects.create(
        source=source, effective_date=effective, currency=currency, row_count=len(rows)
    )
    for family, level, location, band in rows:
        make_benchmark(
            data_set=data_set, job_family=family, level=level, location=location, band=band
        )
    return data_set


def make_benchmark(*, data_set, job_family="Engineering", level=4, location="London", band=BAND):
    values = [Decimal(v) for v in band]
    return MarketBenchmark.objects.create(
        data_set=data_set,
        job_family=job_family,
        level=level,
        location=location,
        base_p10=values[0],
        base_p25=values[1],
        base_p50=values[2],
        base_p75=values[3],
        base_p90=values[4],
    )


def make_pay(person, amount="70000", *, currency="EUR", effective=date(2025, 6, 1), **kw):
    return PayRecord.objects.create(
        person=person,
        base_salary=Decimal(amount),
        currency=currency,
        effective_date=effective,
        **kw,
    )


@pytest.fixture
def market(db):
    """A EUR data set with the Engineering L4 London band of tests.pay.conftest.BAND."""
    return make_data_set(rows=[("Engineering", 4, "London", BAND)])
