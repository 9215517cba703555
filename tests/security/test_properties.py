"""Property-based tests: the Markdown sanitiser and the two importers, on arbitrary input."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from culture import people_import
from culture.markdown import render_markdown
from pay import importer

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Pieces an attacker would combine, mixed with arbitrary text by hypothesis.
ATOMS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "[x](vbscript:msgbox(1))",
    "![x](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    '<div hx-get="/xss" hx-trigger="load">',
    "<p hx-on:click=alert(1)>",
    "<iframe src=//evil>",
    "<style>*{}</style>",
    "`code`",
    "**b**",
    "\n\n",
    "> ",
    "| a | b |\n|---|---|\n| c | d |",
    "&#106;avascript:",
    "<",
    ">",
    '"',
    "'",
]
markdown_input = st.lists(st.one_of(st.sampled_from(ATOMS), st.text(max_size=20)), max_size=12).map(
    "".join
)


def _assert_inert(html: str) -> None:
    lowered = html.lower()
    assert "<script" not in lowered
    assert "<svg" not in lowered and "<iframe" not in lowered and "<img" not in lowered
    assert "<style" not in lowered
    for tag in re.findall(r"<[a-z][^>]*>", lowered):
        assert not re.search(r"\son[a-z]+\s*=", tag), tag
        assert not re.search(r"\shx-", tag), tag
        for url in re.findall(r'(?:href|src)\s*=\s*"([^"]*)"', tag):
            scheme = re.sub(r"[\s\x00-\x1f]", "", url).split(":", 1)
            if len(scheme) == 2 and "/" not in scheme[0]:
                assert scheme[0] in ("http", "https", "mailto"), url


@FUZZ
@given(markdown_input)
def test_the_sanitised_markdown_never_holds_script_handlers_or_bad_urls(text):
    _assert_inert(str(render_markdown(text)))


@FUZZ
@given(st.binary(max_size=600))
def test_the_importers_never_raise_on_arbitrary_bytes(content):
    for plan in (
        people_import.validate(content),
        importer.validate_market(content),
        importer.validate_salaries(content),
    ):
        assert plan.ok or plan.problems


def _cell():
    return st.one_of(
        st.text(max_size=8),
        st.sampled_from(["", "4", "9", "10", "x@example.test", "2026-01-01", "1e9", "=1+1", "é"]),
        st.integers(min_value=-5, max_value=300_000).map(str),
    )


def _people_row(i):
    return [f"p{i}@example.test", f"Name {i}", "T", "Eng", "4", "L", "Team", "", "2026-01-01"]


def _market_row(i):
    return ["Eng", str(i % 9 + 1), f"City {i}", "10", "20", "30", "40", "50"]


def _csv_from(columns, valid_row):
    """Up to 6 valid rows, each cell replaced by a fuzzed one with some probability."""
    import csv
    import io

    def render(rows):
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(columns)
        writer.writerows(rows)
        return out.getvalue().encode()

    row_masks = st.lists(
        st.lists(st.one_of(*[st.none()] * 14, _cell()), min_size=len(columns)),
        max_size=6,
    )

    def build(masks):
        rows = []
        for i, mask in enumerate(masks):
            base = valid_row(i)
            rows.append([b if m is None else m for b, m in zip(base, mask, strict=False)])
        return render(rows)

    return row_masks.map(build)


class _Rollback(Exception):
    pass


@pytest.mark.django_db
@FUZZ
@given(_csv_from(people_import.COLUMNS, _people_row))
def test_the_people_importer_writes_everything_or_nothing(content):
    from culture.models import Person

    before = Person.objects.count()
    plan = people_import.validate(content)
    event(f"people plan ok={plan.ok}")
    if not plan.ok:
        assert Person.objects.count() == before
        return
    try:
        with transaction.atomic():
            people_import.apply(plan)
            assert Person.objects.count() == before + len(plan.rows)
            raise _Rollback
    except _Rollback:
        pass


@pytest.mark.django_db
@FUZZ
@given(_csv_from(importer.MARKET_COLUMNS, _market_row))
def test_the_market_importer_writes_everything_or_nothing(content):
    from pay.models import MarketBenchmark

    plan = importer.validate_market(content)
    event(f"market plan ok={plan.ok}")
    if not plan.ok:
        assert not MarketBenchmark.objects.exists()
        return
    try:
        with transaction.atomic():
            data_set = importer.write_market(
                plan, source="fuzz", effective=date(2026, 1, 1), currency="EUR"
            )
            assert MarketBenchmark.objects.filter(data_set=data_set).count() == len(plan.rows)
            raise _Rollback
    except _Rollback:
        pass
