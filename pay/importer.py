"""CSV imports of market data and of current salaries: validate the whole file, then write
everything or nothing.

Every problem is reported with its row (1 = the header) and column, and problems never
quote amounts back (salaries stay out of error reports and logs).

Market data is written with Postgres COPY, so 100,000 rows take seconds.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from culture.models import Person
from culture.people_import import Problem, decode
from pay.models import (
    REASON_IMPORTED,
    CashMixChoice,
    MarketBenchmark,
    MarketDataSet,
    PayRecord,
)

PCTS = ("p10", "p25", "p50", "p75", "p90")
KEY_COLUMNS = ["job_family", "level", "location"]
BASE_COLUMNS = [f"base_{p}" for p in PCTS]
OPTIONAL_GROUPS = {
    "total_cash": [f"total_cash_{p}" for p in PCTS],
    "equity": [f"equity_{p}" for p in PCTS],
}
MARKET_COLUMNS = KEY_COLUMNS + BASE_COLUMNS
MARKET_TEMPLATE_COLUMNS = MARKET_COLUMNS + [c for g in OPTIONAL_GROUPS.values() for c in g]
SALARY_COLUMNS = ["email", "effective_date", "base_salary", "currency", "cash_percent", "reason"]
SALARY_REQUIRED = ["email", "effective_date", "base_salary", "currency"]

MAX_ROWS = 200_000


def _max_rows() -> int:
    """The MAX_IMPORT_ROWS setting (the constant is only its default)."""
    from django.conf import settings

    return getattr(settings, "MAX_IMPORT_ROWS", MAX_ROWS)


def _rows(count: int) -> str:
    return number_format(count, use_l10n=True, force_grouping=True)


MAX_PROBLEMS = 1000
MAX_LEVEL = 9
_AMOUNT = re.compile(r"^\d{1,12}(\.\d{1,2})?$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass
class Plan:
    kind: str
    # Market rows are value lists (in MarketBenchmark's column order), salary rows dicts.
    rows: list[Any] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, row: int, column: str, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(row, column, message))
        elif len(self.problems) == MAX_PROBLEMS:
            self.problems.append(Problem(row, "", _("Too many problems; the rest are not listed.")))


def _amount(value: str) -> Decimal | None:
    """A positive amount with at most two decimals, or None."""
    value = value.strip().replace("_", "")
    if not _AMOUNT.match(value):
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return None
    return amount if amount > 0 else None


def _header(plan: Plan, content: bytes, required: list[str]):
    text, problem = decode(content)
    if problem:
        plan.problems.append(problem)
        return None, None
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        plan.problem(1, "", _("The file is empty."))
        return None, None
    except csv.Error as exc:
        plan.problem(1, "", _("Unreadable CSV: %(error)s") % {"error": exc})
        return None, None
    for column in required:
        if column not in header:
            plan.problem(1, column, _("Required column is missing from the header."))
    if plan.problems:
        return None, None
    return reader, header


def validate_market(content: bytes, *, currency: str = "EUR") -> Plan:
    """Check the whole market-data file; rows are tuples ready for COPY (without data set)."""
    plan = Plan("market")
    data_rows = 0
    if not _CURRENCY.match(currency or ""):
        plan.problem(0, "currency", _("Use a three-letter ISO currency code, e.g. EUR."))
    reader, header = _header(plan, content, MARKET_COLUMNS)
    if reader is None:
        return plan
    groups = []
    for name, columns in OPTIONAL_GROUPS.items():
        present = [c for c in columns if c in header]
        if present and len(present) != len(columns):
            for column in columns:
                if column not in header:
                    plan.problem(
                        1,
                        column,
                        _("Give all five %(group)s percentiles or none.") % {"group": name},
                    )
        elif present:
            groups.append(columns)
    if plan.problems:
        return plan
    key_idx = [header.index(c) for c in KEY_COLUMNS]
    percentile_groups = [BASE_COLUMNS] + groups
    idx_groups = [[header.index(c) for c in cols] for cols in percentile_groups]
    width = len(header)
    seen: dict[tuple, int] = {}
    try:
        for line_no, raw in enumerate(reader, start=2):
            if not raw or not any(cell.strip() for cell in raw):
                continue
            data_rows += 1
            if data_rows > _max_rows():
                plan.problem(
                    line_no,
                    "",
                    _("Too many rows: at most %(max)s per file.") % {"max": _rows(_max_rows())},
                )
                break
            if len(raw) < width:
                raw = raw + [""] * (width - len(raw))
            family, level_text, location = (raw[i].strip() for i in key_idx)
            ok = True
            if not family:
                plan.problem(line_no, "job_family", _("A value is required."))
                ok = False
            elif len(family) > 80:
                plan.problem(line_no, "job_family", _("Longer than 80 characters."))
                ok = False
            if not location:
                plan.problem(line_no, "location", _("A value is required."))
                ok = False
            elif len(location) > 80:
                plan.problem(line_no, "location", _("Longer than 80 characters."))
                ok = False
            level = None
            if level_text.isdigit() and 1 <= int(level_text) <= MAX_LEVEL:
                level = int(level_text)
            else:
                plan.problem(
                    line_no,
                    "level",
                    _("Level must be a whole number from 1 to %(max)s.") % {"max": MAX_LEVEL},
                )
                ok = False
            values: list = [family, level, location]
            for g, (cols, idx) in enumerate(zip(percentile_groups, idx_groups, strict=True)):
                cells = [raw[i].strip() for i in idx]
                if g > 0 and not any(cells):
                    values.extend([None] * 5)
                    continue
                amounts: list[Decimal | None] = []
                for column, cell in zip(cols, cells, strict=True):
                    amount = _amount(cell)
                    if amount is None:
                        plan.problem(
                            line_no,
                            column,
                            _("A positive number is required (digits, at most two decimals).")
                            if cell
                            else _("A value is required."),
                        )
                        ok = False
                    amounts.append(amount)
                given = [a for a in amounts if a is not None]
                if len(given) == len(amounts):
                    for k in range(1, 5):
                        if given[k] < given[k - 1]:
                            plan.problem(
                                line_no,
                                cols[k],
                                _(
                                    "Percentiles must not decrease: "
                                    "%(column)s is below %(previous)s."
                                )
                                % {"column": cols[k], "previous": cols[k - 1]},
                            )
                            ok = False
                values.extend(amounts)
            if ok:
                key = (family, level, location)
                if key in seen:
                    plan.problem(
                        line_no,
                        "job_family",
                        _("Duplicate job family, level and location, first seen on row %(row)s.")
                        % {"row": seen[key]},
                    )
                else:
                    seen[key] = line_no
                    if len(values) < 18:
                        values.extend([None] * (18 - len(values)))
                    plan.rows.append(values)
    except csv.Error as exc:
        plan.problem(reader.line_num, "", _("Unreadable CSV: %(error)s") % {"error": exc})
    if not plan.rows and not plan.problems:
        plan.problem(2, "", _("The file has a header but no rows."))
    if plan.problems:
        plan.rows = []
    return plan


def validate_salaries(content: bytes) -> Plan:
    """Check the whole current-salary file; rows are dicts with person ids resolved."""
    plan = Plan("salary")
    data_rows = 0
    reader, header = _header(plan, content, SALARY_REQUIRED)
    if reader is None:
        return plan
    idx = {c: header.index(c) for c in SALARY_COLUMNS if c in header}
    parsed = []
    seen: dict[tuple, int] = {}
    try:
        for line_no, raw in enumerate(reader, start=2):
            if not raw or not any(cell.strip() for cell in raw):
                continue
            data_rows += 1
            if data_rows > _max_rows():
                plan.problem(
                    line_no,
                    "",
                    _("Too many rows: at most %(max)s per file.") % {"max": _rows(_max_rows())},
                )
                break
            # The CSV's text, then parsed in place (a date, a Decimal, an int).
            row: dict[str, Any] = {
                c: (raw[i].strip() if i < len(raw) else "") for c, i in idx.items()
            }
            row.setdefault("cash_percent", "")
            row.setdefault("reason", "")
            row["_line"] = line_no
            row["email"] = row["email"].lower()
            if not row["email"]:
                plan.problem(line_no, "email", _("A value is required."))
            try:
                row["effective_date"] = date.fromisoformat(row["effective_date"])
            except ValueError:
                plan.problem(line_no, "effective_date", _("A date is required (YYYY-MM-DD)."))
            amount = _amount(row["base_salary"])
            if amount is None:
                plan.problem(
                    line_no,
                    "base_salary",
                    _("A positive number is required (digits, at most two decimals)."),
                )
            row["base_salary"] = amount
            row["currency"] = row["currency"].upper()
            if not _CURRENCY.match(row["currency"]):
                plan.problem(line_no, "currency", _("Use a three-letter ISO currency code."))
            cash = row["cash_percent"] or "100"
            if cash.isdigit() and 0 <= int(cash) <= 100:
                row["cash_percent"] = int(cash)
            else:
                plan.problem(line_no, "cash_percent", _("A whole number from 0 to 100."))
            if len(row["reason"]) > 300:
                plan.problem(line_no, "reason", _("Longer than 300 characters."))
            key = (row["email"], row["effective_date"])
            if row["email"] and key in seen:
                plan.problem(
                    line_no,
                    "effective_date",
                    _("Same person and date as row %(row)s.") % {"row": seen[key]},
                )
            seen.setdefault(key, line_no)
            parsed.append(row)
    except csv.Error as exc:
        plan.problem(reader.line_num, "", _("Unreadable CSV: %(error)s") % {"error": exc})
    if not parsed and not plan.problems:
        plan.problem(2, "", _("The file has a header but no rows."))
    emails = {r["email"] for r in parsed if r["email"]}
    ids = dict(Person.objects.filter(email__in=emails, is_active=True).values_list("email", "id"))
    for row in parsed:
        if row["email"] and row["email"] not in ids:
            plan.problem(row["_line"], "email", _("No active person with this email."))
        row["person_id"] = ids.get(row["email"])
    plan.rows = [] if plan.problems else parsed
    return plan


# --- Writing ---------------------------------------------------------------------------------

COPY_COLUMNS = (
    "data_set_id, job_family, level, location, "
    + ", ".join(f"base_{p}" for p in PCTS)
    + ", "
    + ", ".join(f"total_cash_{p}" for p in PCTS)
    + ", "
    + ", ".join(f"equity_{p}" for p in PCTS)
)
CHUNK = 10_000


def write_market(
    plan: Plan, *, source: str, effective: date, currency: str, by=None, progress=None
) -> MarketDataSet:
    """Create a data set and COPY its rows in, in one transaction."""
    assert plan.ok and plan.kind == "market"
    total = len(plan.rows)
    with transaction.atomic():
        data_set = MarketDataSet.objects.create(
            source=source,
            effective_date=effective,
            currency=currency,
            created_by=by,
            row_count=total,
        )
        with connection.cursor() as cursor:
            sql = f"COPY {MarketBenchmark._meta.db_table} ({COPY_COLUMNS}) FROM STDIN"  # noqa: S608
            with cursor.copy(sql) as copy:
                for start in range(0, total, CHUNK):
                    for row in plan.rows[start : start + CHUNK]:
                        copy.write_row((data_set.pk, *row))
                    if progress:
                        progress(min(start + CHUNK, total), total)
    return data_set


def write_salaries(plan: Plan, *, by=None, progress=None) -> int:
    """Write the imported pay records. A person's own cash / stock choice not yet carried by
    a record wins over the file's cash_percent, as in services.do_record_pay: their newest
    imported record carries it."""
    assert plan.ok and plan.kind == "salary"
    records = [
        PayRecord(
            person_id=row["person_id"],
            effective_date=row["effective_date"],
            base_salary=row["base_salary"],
            currency=row["currency"],
            cash_percent=row["cash_percent"],
            reason=row["reason"] or REASON_IMPORTED,
            recorded_by=by,
        )
        for row in plan.rows
    ]
    with transaction.atomic():
        pending: dict[int, CashMixChoice] = {}
        for choice in (
            CashMixChoice.objects.select_for_update()
            .filter(person_id__in={r.person_id for r in records}, applied_to__isnull=True)
            .order_by("person_id", "year", "chosen_at")
        ):
            pending[choice.person_id] = choice  # the newest wins
        for record in records:
            if record.person_id in pending:
                record.cash_percent = pending[record.person_id].cash_percent
        for start in range(0, len(records), 5000):
            PayRecord.objects.bulk_create(records[start : start + 5000])
            if progress:
                progress(min(start + 5000, len(records)), len(records))
        newest: dict[int, PayRecord] = {}
        for record in records:
            if record.person_id in pending:
                known = newest.get(record.person_id)
                if known is None or record.effective_date >= known.effective_date:
                    newest[record.person_id] = record
        for person_id, record in newest.items():
            CashMixChoice.objects.filter(pk=pending[person_id].pk).update(applied_to=record)
    return len(records)
