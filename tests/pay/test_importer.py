"""Market data and salary imports: every kind of bad file writes nothing and says where."""

import time
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from pay import importer
from pay.models import MarketBenchmark, MarketDataSet, PayRecord
from tests.conftest import make_person

pytestmark = pytest.mark.django_db

HEADER = "job_family,level,location,base_p10,base_p25,base_p50,base_p75,base_p90\n"


def market(*rows, header=HEADER) -> bytes:
    return (header + "".join(r + "\n" for r in rows)).encode()


def problems(plan):
    return [(p.row, p.column) for p in plan.problems]


def test_a_good_market_file_is_written_as_a_new_data_set():
    plan = importer.validate_market(
        market(
            "Engineering,4,London,50000,60000,70000,85000,100000.50", "Design,3,Berlin,1,1,1,1,1"
        )
    )
    assert plan.ok, plan.problems
    data_set = importer.write_market(
        plan, source="Radford", effective=date(2026, 1, 1), currency="EUR"
    )
    assert data_set.row_count == 2
    row = MarketBenchmark.objects.get(data_set=data_set, job_family="Engineering")
    assert row.base_band == tuple(
        Decimal(v) for v in ("50000", "60000", "70000", "85000", "100000.50")
    )
    assert row.total_cash_p10 is None


def test_optional_total_cash_and_equity_columns_are_imported_when_given():
    header = (
        HEADER.strip()
        + ",total_cash_p10,total_cash_p25,total_cash_p50,total_cash_p75,total_cash_p90\n"
    )
    plan = importer.validate_market(
        market("Eng,4,London,1,2,3,4,5,2,3,4,5,6", "Eng,5,London,1,2,3,4,5,,,,,", header=header)
    )
    assert plan.ok, plan.problems
    importer.write_market(plan, source="S", effective=date(2026, 1, 1), currency="EUR")
    assert MarketBenchmark.objects.get(level=4).total_cash_p90 == Decimal("6")
    assert MarketBenchmark.objects.get(level=5).total_cash_p90 is None


def test_a_missing_column_is_reported_on_the_header_row():
    plan = importer.validate_market(
        market(
            "Eng,4,London,1,2,3,4",
            header="job_family,level,location,base_p10,base_p25,base_p50,base_p75\n",
        )
    )
    assert problems(plan) == [(1, "base_p90")]


def test_half_an_optional_group_is_refused():
    plan = importer.validate_market(
        market("Eng,4,London,1,2,3,4,5,1", header=HEADER.strip() + ",equity_p10\n")
    )
    assert (1, "equity_p25") in problems(plan)
    assert (1, "equity_p10") not in problems(plan)


def test_every_bad_cell_is_listed_with_its_row_and_column_and_nothing_is_written():
    plan = importer.validate_market(
        market(
            "Engineering,4,London,50000,60000,70000,85000,100000",
            "Engineering,four,London,50000,60000,70000,85000,100000",
            ",4,London,-5,60000,abc,85000,",
            "Design,3,Berlin,50000,40000,70000,85000,100000",
            "Engineering,4,London,50000,60000,70000,85000,100000",
            "Design,3,,1.234,2,3,4,5",
        )
    )
    assert problems(plan) == [
        (3, "level"),
        (4, "job_family"),
        (4, "base_p10"),
        (4, "base_p50"),
        (4, "base_p90"),
        (5, "base_p25"),
        (6, "job_family"),
        (7, "location"),
        (7, "base_p10"),
    ]
    assert "must not decrease" in plan.problems[5].message
    assert "row 2" in plan.problems[6].message
    assert plan.rows == []


def test_an_error_message_never_quotes_the_amount_back():
    plan = importer.validate_market(market("Eng,4,London,12345.678,2,3,4,5"))
    assert "12345" not in str(plan.problems[0])


def test_a_file_that_is_not_utf8_is_refused_before_reading_rows():
    plan = importer.validate_market(
        market("Ingénieur,4,London,1,2,3,4,5").decode().encode("latin-1")
    )
    assert len(plan.problems) == 1
    assert "UTF-8" in plan.problems[0].message


def test_an_empty_file_and_a_header_only_file_are_refused():
    assert "empty" in importer.validate_market(b"").problems[0].message
    assert "no rows" in importer.validate_market(HEADER.encode()).problems[0].message


def test_a_binary_file_is_refused():
    assert "binary" in importer.validate_market(b"PK\x03\x04\x00\x00").problems[0].message


def test_the_command_imports_a_file_and_refuses_a_bad_one(tmp_path):
    good = tmp_path / "good.csv"
    good.write_bytes(market("Eng,4,London,1,2,3,4,5"))
    call_command(
        "import_market_data", str(good), source="Mercer", effective="2026-02-01", currency="usd"
    )
    data_set = MarketDataSet.objects.get()
    assert (data_set.source, data_set.currency, data_set.effective_date) == (
        "Mercer",
        "USD",
        date(2026, 2, 1),
    )
    bad = tmp_path / "bad.csv"
    bad.write_bytes(market("Eng,4,London,5,4,3,2,1"))
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command(
            "import_market_data", str(bad), source="X", effective="2026-03-01", currency="EUR"
        )
    assert MarketDataSet.objects.count() == 1


def test_one_hundred_thousand_rows_import_in_well_under_a_minute():
    lines = [
        f"Family {i % 500},{i % 9 + 1},City {i // 4500},{50000 + i},{60000 + i},{70000 + i},{85000 + i},{100000 + i}"
        for i in range(100_000)
    ]
    content = market(*lines)
    started = time.monotonic()
    plan = importer.validate_market(content)
    assert plan.ok, plan.problems[:3]
    importer.write_market(plan, source="Big", effective=date(2026, 1, 1), currency="EUR")
    elapsed = time.monotonic() - started
    assert MarketBenchmark.objects.count() == 100_000
    print(f"100,000-row market import: {elapsed:.2f}s")
    assert elapsed < 30


SALARY_HEADER = "email,effective_date,base_salary,currency,cash_percent,reason\n"


def test_a_salary_file_is_validated_as_a_whole_and_written_as_pay_records():
    person = make_person(email="ana@example.test")
    good = (SALARY_HEADER + "ANA@example.test,2026-01-01,80000,eur,80,Annual\n").encode()
    plan = importer.validate_salaries(good)
    assert plan.ok, plan.problems
    assert importer.write_salaries(plan) == 1
    record = PayRecord.objects.get(person=person)
    assert (record.base_salary, record.currency, record.cash_percent) == (
        Decimal("80000"),
        "EUR",
        80,
    )


def test_a_bad_salary_file_lists_every_problem_and_writes_nothing():
    make_person(email="ana@example.test")
    bad = (
        SALARY_HEADER
        + "ana@example.test,2026-01-01,80000,EUR,80,ok\n"
        + "nobody@example.test,2026-13-01,0,EURO,101,\n"
        + "ana@example.test,2026-01-01,1e5,EUR,,\n"
    ).encode()
    plan = importer.validate_salaries(bad)
    assert problems(plan) == [
        (3, "effective_date"),
        (3, "base_salary"),
        (3, "currency"),
        (3, "cash_percent"),
        (4, "base_salary"),
        (4, "effective_date"),
        (3, "email"),
    ]
    assert plan.rows == []
    assert PayRecord.objects.count() == 0


def test_a_salary_file_without_required_columns_is_refused():
    plan = importer.validate_salaries(b"email,base_salary\nana@example.test,1\n")
    assert problems(plan) == [(1, "effective_date"), (1, "currency")]
