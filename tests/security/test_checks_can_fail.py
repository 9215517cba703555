"""Tests of the tests: each check of the attack suites, run against a deliberately broken
product (tests/security/broken_urls.py), reports the breakage. A check that cannot fail is a
defect; these prove the GET walk, the event-stream leak check and the logs/error-page check
can."""

from __future__ import annotations

import pytest
from django.test import override_settings

from tests.security.checks import (
    first_events,
    gets_that_change_state,
    leaked,
    secrets_in_logs_and_pages,
)
from tests.security.helpers import client, load_singletons
from tests.security.test_access_attacks import SECRETS
from tests.security.test_leaks import UNREVEALED

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.security.broken_urls")]


def test_the_get_walk_reports_a_get_that_writes(world):
    load_singletons()
    clients = {p: client(world, p) for p in ("employee", "manager")}
    problems = gets_that_change_state(clients, "/broken/get/")
    assert problems == ["/broken/get/ as employee: GET changed ['culture_team']"]
    # ...and stays quiet on a page that only reads.
    assert gets_that_change_state(clients, "/people/") == []


def test_the_stream_check_reports_an_unrevealed_item_in_an_event(world):
    response = client(world, "peer").get("/broken/stream/")
    events = first_events(response)
    assert "event:" in events
    assert leaked(events, UNREVEALED) == ["UNREVEALED"]


def test_the_logs_and_error_page_check_reports_a_salary(world):
    def provoke():
        response = client(world, "manager").get("/broken/error/")
        assert response.status_code == 500
        return response.content.decode()

    found, records = secrets_in_logs_and_pages(provoke, SECRETS)
    assert "70,000" in found  # the error page
    assert "70000" in found  # the log line
    assert any("salary" in r for r in records)


@override_settings(ROOT_URLCONF="culture.urls")
def test_the_broken_views_exist_only_in_these_tests(world):
    assert client(world, "employee").get("/broken/get/").status_code == 404
