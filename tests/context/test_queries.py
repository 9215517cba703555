"""The context lists cost the same number of queries whatever their size."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from context.home import home_context
from tests.conftest import make_team
from tests.context.conftest import page_of, save
from tests.decisions.conftest import make_memo

pytestmark = pytest.mark.django_db


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("n", [3, 30])
def test_the_history_page_costs_the_same_for_3_and_30_versions(
    world, client_for, n, django_assert_num_queries
):
    for i in range(n):
        save(world.manager, "platform", numbers=f"Deploys: {i}", summary=f"Week {i}")
    client = client_for(world.employee)
    client.get("/context/teams/platform/history/")
    # the session and person, the team, the page, the count, the rows (with their authors)
    with django_assert_num_queries(6):
        response = client.get("/context/teams/platform/history/")
    assert len(response.context["page"].object_list) == min(n, 25)


@pytest.mark.parametrize("n", [2, 25])
def test_the_context_page_costs_the_same_for_2_and_25_memos(
    world, client_for, n, django_assert_num_queries
):
    save(world.manager, "platform", north_star="Ship daily.")
    for i in range(n):
        make_memo(captain=world.peer, title=f"Idea {i}").context_pages.add(page_of("platform"))
    client = client_for(world.employee)
    client.get("/context/teams/platform/")
    # session and person, team, page, the latest summary, may I edit, the memos
    with django_assert_num_queries(7):
        response = client.get("/context/teams/platform/")
    assert len(response.context["memos"]) == min(n, 20)


@pytest.mark.parametrize("n", [2, 60])
def test_the_index_costs_the_same_for_2_and_60_teams(
    world, client_for, n, django_assert_num_queries
):
    for i in range(n):
        team = make_team(name=f"Squad {i:02}")
        save(world.people_admin, team.slug, north_star="Go.")
    client = client_for(world.employee)
    client.get("/context/")
    # session and person, the company page, the count, the teams with their pages
    with django_assert_num_queries(5):
        response = client.get("/context/")
    assert len(response.context["page"].object_list) == min(n + 2, 50)


@pytest.mark.parametrize("n", [1, 20])
def test_the_home_section_is_two_queries_whatever_the_size(world, rf, n, django_assert_num_queries):
    for i in range(n):
        save(world.manager, "platform", numbers=f"{i}")
        save(world.people_admin, make_team().slug, north_star="Go.")
    request = rf.get("/")
    request.user = world.employee
    with django_assert_num_queries(2):
        context = home_context(request)
    assert context["context_team"].name == "Platform"
    assert context["context_team_page"].version == n
    assert context["context_company"] is None
