"""Groups: teams. A person is in one team, so joining a group moves them."""

from __future__ import annotations

import pytest

from culture.models import AuditEvent, Person, Team
from tests.scim.conftest import GROUP, created, error

pytestmark = pytest.mark.django_db


def group_body(name="Design", members=()):
    return {
        "schemas": [GROUP],
        "displayName": name,
        "externalId": f"grp-{name}",
        "members": [{"value": str(pk)} for pk in members],
    }


def member_ids(body) -> set[int]:
    return {int(m["value"]) for m in body.get("members", [])}


def test_a_group_is_a_team_whose_members_are_its_people(scim, world):
    body = scim.get(f"Groups/{world.team.pk}").json()
    assert body["displayName"] == "Platform"
    in_team = set(Person.objects.filter(team=world.team).values_list("pk", flat=True))
    assert member_ids(body) == in_team
    member = body["members"][0]
    assert member["type"] == "User" and member["$ref"].endswith(f"/Users/{member['value']}")


def test_creating_a_group_makes_a_team_and_moves_its_members_into_it(scim, world):
    response = scim.post("Groups", group_body("Design", [world.employee.pk, world.outsider.pk]))
    assert response.status_code == 201
    team = Team.objects.get(name="Design")
    assert team.external_id == "grp-Design" and team.slug == "design"
    assert member_ids(response.json()) == {world.employee.pk, world.outsider.pk}
    world.outsider.refresh_from_db()
    assert world.outsider.team == team
    joined = AuditEvent.objects.filter(action="scim.team_joined").values_list(
        "subject_id", flat=True
    )
    assert set(joined) == {world.employee.pk, world.outsider.pk}


def test_patch_adds_and_removes_members(scim, world):
    path = f"Groups/{world.other_team.pk}"
    response = scim.patch(
        path, [{"op": "add", "path": "members", "value": [{"value": str(world.peer.pk)}]}]
    )
    assert response.status_code == 200
    world.peer.refresh_from_db()
    assert world.peer.team == world.other_team
    response = scim.patch(
        path, [{"op": "remove", "path": f'members[value eq "{world.outsider.pk}"]'}]
    )
    assert response.status_code == 200
    world.outsider.refresh_from_db()
    assert world.outsider.team is None
    assert AuditEvent.objects.filter(action="scim.team_left", subject=world.outsider).exists()


def test_patch_replace_display_name_renames_the_team(scim, world):
    response = scim.patch(
        f"Groups/{world.team.pk}", [{"op": "replace", "path": "displayName", "value": "Core"}]
    )
    assert response.status_code == 200
    world.team.refresh_from_db()
    assert world.team.name == "Core" and world.team.slug == "platform"


def test_put_sets_the_members_exactly(scim, world):
    response = scim.put(f"Groups/{world.other_team.pk}", group_body("Growth", [world.employee.pk]))
    assert response.status_code == 200
    assert set(Person.objects.filter(team=world.other_team).values_list("pk", flat=True)) == {
        world.employee.pk
    }


def test_an_unknown_member_is_invalid_value_and_nothing_moves(scim, world):
    before = dict(Person.objects.values_list("pk", "team_id"))
    response = scim.post("Groups", group_body("Design", [world.employee.pk, 987654]))
    assert response.status_code == 400
    body = error(response)
    assert (
        body["scimType"] == "invalidValue"
        and "members" in body["detail"]
        and "987654" in body["detail"]
    )
    assert dict(Person.objects.values_list("pk", "team_id")) == before
    assert not Team.objects.filter(name="Design").exists()


def test_a_name_another_team_has_is_409(scim, world):
    response = scim.post("Groups", group_body("Growth"))
    assert response.status_code == 409
    assert error(response)["scimType"] == "uniqueness"
    response = scim.patch(
        f"Groups/{world.team.pk}", [{"op": "replace", "path": "displayName", "value": "Growth"}]
    )
    assert response.status_code == 409


def test_delete_empties_the_team_hides_it_and_keeps_the_row(scim, world):
    path = f"Groups/{world.team.pk}"
    assert scim.delete(path).status_code == 204
    assert Team.objects.filter(pk=world.team.pk).exists()
    assert not Person.objects.filter(team=world.team).exists()
    assert scim.get(path).status_code == 404
    assert ids_of(scim.get('Groups?filter=displayName eq "Platform"')) == set()
    # The same group made again is that team back.
    response = scim.post("Groups", group_body("Platform", [world.manager.pk]))
    assert response.status_code == 201
    assert response.json()["id"] == str(world.team.pk)


def ids_of(response):
    return {r["id"] for r in response.json().get("Resources", [])}


def test_excluded_members_are_not_read(scim, world, django_assert_max_num_queries):
    scim.get("ServiceProviderConfig")
    scim.get("Groups?count=0")  # the token's first use of the minute is written
    with django_assert_max_num_queries(3):  # the token, the count, the page
        body = scim.get("Groups?excludedAttributes=members").json()
    assert body["totalResults"] == Team.objects.count()
    assert all("members" not in g for g in body["Resources"])


def test_listing_groups_reads_members_in_one_query(scim, world, django_assert_max_num_queries):
    scim.get("Groups?count=0")  # the token's first use of the minute is written
    with django_assert_max_num_queries(4):  # the token, the count, the page, the members
        body = scim.get("Groups").json()
    assert (
        sum(len(g.get("members", [])) for g in body["Resources"])
        == Person.objects.filter(team__isnull=False).count()
    )


def test_a_group_member_who_was_deleted_is_not_listed(scim, world):
    user = created(scim, 1)
    scim.delete(f"Users/{user['id']}")
    body = scim.get('Groups?filter=displayName eq "Platform"').json()["Resources"][0]
    assert int(user["id"]) not in member_ids(body)


def test_a_deleted_member_does_not_match_a_member_filter(scim, world):
    scim.delete(f"Users/{world.peer.pk}")
    query = f'Groups?filter=members[value eq "{world.peer.pk}"]'
    assert scim.get(query).json()["totalResults"] == 0
