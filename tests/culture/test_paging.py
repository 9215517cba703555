"""CappedPaginator: exact below the cap, "N+" above it, pages keep going, cost does not grow."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from culture.models import Team
from culture.paging import CappedPaginator

pytestmark = pytest.mark.django_db


@pytest.fixture
def teams():
    Team.objects.bulk_create(Team(name=f"Team {i:03}", slug=f"team-{i:03}") for i in range(45))
    return Team.objects.filter(slug__startswith="team-").order_by("slug")


def test_below_the_cap_it_is_an_ordinary_paginator(teams):
    paginator = CappedPaginator(teams, 10, cap=100)
    assert paginator.count == 45 and not paginator.capped and paginator.shown_count == "45"
    assert paginator.num_pages == 5
    last = paginator.get_page(5)
    assert [t.slug for t in last] == [f"team-{i:03}" for i in range(40, 45)]
    assert not last.has_next() and last.has_previous()
    assert paginator.get_page(99).number == 5 and paginator.get_page("x").number == 1


def test_above_the_cap_the_total_is_n_plus_and_pages_go_on_to_the_last_row(teams):
    paginator = CappedPaginator(teams, 10, cap=20)
    assert paginator.capped and paginator.shown_count == "20+"
    page = paginator.get_page(4)  # past the cap
    assert page.has_next() and page.next_page_number() == 5
    last = paginator.get_page(5)
    assert [t.slug for t in last][-1] == "team-044" and not last.has_next()
    assert paginator.get_page(50).number == 1  # past the end: back to the start


def test_the_count_stops_at_the_cap(teams):
    paginator = CappedPaginator(teams, 10, cap=20)
    with CaptureQueriesContext(connection) as ctx:
        paginator.get_page(1)
    count_sql = next(q["sql"] for q in ctx.captured_queries if "COUNT" in q["sql"].upper())
    assert "LIMIT 21" in count_sql and "ORDER BY" not in count_sql.upper()
    assert len(ctx.captured_queries) == 2


def test_rows_already_fetched_are_counted_and_paged_in_python():
    # A caller that fetched at most cap + 1 ids (memo search ranks them in one statement).
    ids = list(range(100, 131))  # 31 rows, cap 30: "30+"
    paginator = CappedPaginator(ids, 10, cap=30)
    with CaptureQueriesContext(connection) as ctx:
        first, last = paginator.get_page(1), paginator.get_page(4)
    assert not ctx.captured_queries
    assert paginator.capped and paginator.shown_count == "30+"
    assert list(first) == list(range(100, 110)) and first.has_next()
    assert list(last) == [130] and not last.has_next()
    small = CappedPaginator(ids[:7], 5, cap=30)
    assert small.count == 7 and not small.capped and small.num_pages == 2
