"""The benchmark's own views (mounted only with BENCH_FLOOR, never in production): they
refuse a visitor who is not logged in like every page, and F_q's premise holds: the floor at
/bench/floor/queries/<n>/ runs exactly n queries more than the bare floor, whatever the
company's size (bench/run.py judges each page against the floor with its query count)."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import clear_url_caches

from tests.conftest import make_person

BENCH_PATHS = ["/bench/floor/", "/bench/floor/queries/", "/bench/floor/queries/3/", "/bench/live/"]


@pytest.fixture
def bench_urls(settings):
    import culture.urls

    settings.BENCH_FLOOR = True
    importlib.reload(culture.urls)
    clear_url_caches()
    yield
    settings.BENCH_FLOOR = False
    importlib.reload(culture.urls)
    clear_url_caches()


def test_without_bench_floor_the_benchmark_views_do_not_exist(client, employee):
    client.force_login(employee)
    for path in BENCH_PATHS:
        assert client.get(path).status_code == 404, path


@pytest.mark.usefixtures("bench_urls")
def test_a_visitor_who_is_not_logged_in_is_sent_to_log_in(client, db):
    for path in BENCH_PATHS:
        response = client.get(path)
        assert response.status_code == 302 and "/login/" in response["Location"], path


@pytest.mark.usefixtures("bench_urls")
def test_the_floor_with_n_queries_runs_exactly_n_more_than_the_floor(client, employee):
    client.force_login(employee)
    client.get("/bench/floor/")  # warm: the first request of a session may do more

    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200, path
        return len(captured)

    base = queries("/bench/floor/")
    assert queries("/bench/floor/queries/0/") == base
    assert queries("/bench/floor/queries/7/") == base + 7
    assert queries("/bench/floor/queries/") == base + 10
    for n in range(20):  # the company's size does not change it
        make_person(manager=employee)
    assert queries("/bench/floor/queries/7/") == base + 7
    assert client.get("/bench/floor/queries/201/").status_code == 404  # a typo, not a floor


@pytest.mark.usefixtures("bench_urls")
def test_the_live_figures_are_this_process_s_listener_counts(client, employee):
    client.force_login(employee)
    figures = client.get("/bench/live/").json()
    assert set(figures) == {"pid", "channels", "received", "unheard"}
    assert all(isinstance(v, int) for v in figures.values())
