import pytest

from tests.conftest import make_person

pytestmark = pytest.mark.django_db


def test_directory_lists_active_people_by_name(world, api_as):
    response = api_as(world.employee, ["people:read"]).get("people/", {"limit": 100})
    assert response.status_code == 200, response.content
    names = [p["name"] for p in response.json()["items"]]
    assert names == sorted(names)
    assert "Eli Employee" in names
    assert "Ida Inactive" not in names
    assert response.json()["next"] is None


def test_directory_searches_and_filters_by_team(world, api_as):
    api = api_as(world.employee, ["people:read"])
    found = api.get("people/", {"q": "otto"}).json()["items"]
    assert [p["name"] for p in found] == ["Otto Outsider"]
    platform = api.get("people/", {"team": "platform", "limit": 100}).json()["items"]
    assert {p["team"]["slug"] for p in platform} == {"platform"}


def test_a_person_with_their_manager_and_team(world, api_as):
    body = api_as(world.outsider, ["people:read"]).get(f"people/{world.employee.pk}/").json()
    assert body["email"] == "employee@example.test"
    assert body["manager"] == {"id": world.manager.pk, "name": "Mia Manager"}
    assert body["team"]["slug"] == "platform"


def test_an_inactive_person_is_not_found_for_colleagues_but_is_for_people_admins(world, api_as):
    assert (
        api_as(world.employee, ["people:read"]).get(f"people/{world.inactive.pk}/").status_code
        == 404
    )
    assert (
        api_as(world.people_admin, ["people:read"]).get(f"people/{world.inactive.pk}/").status_code
        == 200
    )


def test_the_tree_reports_and_chain(world, api_as):
    api = api_as(world.employee, ["people:read"])
    reports = api.get(f"people/{world.manager.pk}/reports/").json()["items"]
    assert [p["name"] for p in reports] == ["Eli Employee", "Pat Peer"]
    chain = api.get(f"people/{world.employee.pk}/chain/").json()
    assert [p["name"] for p in chain] == ["Mia Manager", "Sam Skip", "Cora CEO"]


def test_teams_and_one_team(world, api_as):
    api = api_as(world.employee, ["people:read"])
    teams = api.get("teams/").json()["items"]
    assert [t["slug"] for t in teams] == ["growth", "platform"]
    assert api.get(f"teams/{world.team.pk}/").json()["name"] == "Platform"
    assert api.get("teams/999999/").status_code == 404


def test_people_need_the_people_scope(world, api_as):
    response = api_as(world.employee, ["memos:read"]).get("people/")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["scope"] == "people:read"


def test_cursor_pages_walk_everyone_once_in_order(world, api_as):
    for i in range(7):
        make_person(name=f"Zed {i:02d}")
    api = api_as(world.employee, ["people:read"])
    seen, url = [], "people/?limit=3"
    while url:
        response = api.get(url)
        body = response.json()
        seen += [p["id"] for p in body["items"]]
        url = body["next"]
        if url:
            assert response["Link"] == f'<{url}>; rel="next"'
        else:
            assert "Link" not in response
    everyone = api.get("people/", {"limit": 100}).json()["items"]
    assert seen == [p["id"] for p in everyone]
    assert len(seen) == len(set(seen)) == 16
