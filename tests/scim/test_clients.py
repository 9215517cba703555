"""The request shapes Okta and Microsoft Entra ID send, as their documentation shows them.

Okta: "SCIM 2.0 protocol reference" (developer.okta.com/docs/api/openapi/okta-scim/guides/
scim-20). Entra: "Tutorial: Develop and plan provisioning for a SCIM endpoint"
(learn.microsoft.com/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups)
and "Known issues and resolutions with SCIM 2.0 protocol compliance" (capitalised ops,
booleans as strings, the manager as a bare id, a remove with the member in its value)."""

from __future__ import annotations

import pytest

from culture.models import Person, Team
from tests.scim.conftest import ENTERPRISE, GROUP, USER

pytestmark = pytest.mark.django_db

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


# --- Okta -------------------------------------------------------------------------------------


def okta_user(user_name="test.user@okta.local", given="Test"):
    return {
        "schemas": [USER],
        "userName": user_name,
        "name": {"givenName": given, "familyName": "User"},
        "emails": [{"primary": True, "value": user_name, "type": "work"}],
        "displayName": f"{given} User",
        "locale": "en-US",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [],
        "password": "1mz050nq",
        "active": True,
    }


def test_okta_looks_the_user_up_by_user_name_with_paging_then_creates_them(scim):
    query = 'Users?filter=userName eq "test.user@okta.local"&startIndex=1&count=100'
    empty = scim.get(query).json()
    assert empty["totalResults"] == 0 and empty["startIndex"] == 1
    response = scim.post("Users", okta_user())
    assert response.status_code == 201
    found = scim.get(query).json()
    assert found["totalResults"] == 1
    assert found["Resources"][0]["id"] == response.json()["id"]
    person = Person.objects.get(pk=response.json()["id"])
    assert person.email == "test.user@okta.local" and person.name == "Test User"
    assert not person.has_usable_password()  # Okta's password is never kept


def test_okta_replaces_the_whole_user_with_put(scim, world):
    created = scim.post("Users", okta_user()).json()
    body = {
        **okta_user(given="Another"),
        "id": created["id"],
        "name": {"givenName": "Another", "middleName": "", "familyName": "User"},
        "emails": [
            {
                "primary": True,
                "value": "test.user@okta.local",
                "type": "work",
                "display": "test.user@okta.local",
            }
        ],
        "meta": {"resourceType": "User"},
    }
    body.pop("password")
    response = scim.put(f"Users/{created['id']}", body)
    assert response.status_code == 200
    assert response.json()["name"] == {"givenName": "Another", "familyName": "User"}
    assert Person.objects.get(pk=created["id"]).name == "Another User"


def test_okta_patches_active_without_a_path(scim, world):
    response = scim.patch(
        f"Users/{world.employee.pk}", [{"op": "replace", "value": {"active": False}}]
    )
    assert response.status_code == 200
    world.employee.refresh_from_db()
    assert not world.employee.is_active


def test_okta_pushes_a_group_renames_it_and_changes_its_members(scim, world):
    response = scim.post(
        "Groups", {"schemas": [GROUP], "displayName": "Test SCIMv2", "members": []}
    )
    assert response.status_code == 201
    group_id = response.json()["id"]
    path = f"Groups/{group_id}"
    # Okta puts the group's id in the value of its rename.
    renamed = scim.patch(
        path, [{"op": "replace", "value": {"id": group_id, "displayName": "Renamed"}}]
    )
    assert renamed.status_code == 200
    assert Team.objects.get(pk=group_id).name == "Renamed"
    added = scim.patch(
        path,
        [
            {
                "op": "add",
                "path": "members",
                "value": [{"value": str(world.peer.pk), "display": "peer@example.test"}],
            }
        ],
    )
    assert added.status_code == 200
    world.peer.refresh_from_db()
    assert world.peer.team_id == int(group_id)
    removed = scim.patch(path, [{"op": "remove", "path": f'members[value eq "{world.peer.pk}"]'}])
    assert removed.status_code == 200
    world.peer.refresh_from_db()
    assert world.peer.team_id is None


# --- Microsoft Entra ID -----------------------------------------------------------------------


def entra_user(n=1):
    return {
        "schemas": [USER, ENTERPRISE],
        "externalId": f"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4e{n}",
        "userName": f"Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd{n}",
        "active": True,
        "emails": [{"primary": True, "type": "work", "value": f"Test_User_{n}@testuser.com"}],
        "meta": {"resourceType": "User"},
        "name": {
            "formatted": "givenName familyName",
            "familyName": "familyName",
            "givenName": "givenName",
        },
        "roles": [],
        ENTERPRISE: {"employeeNumber": f"7{n}", "department": "Finance"},
    }


def test_entra_creates_a_user_whose_user_name_is_not_an_email(scim):
    response = scim.post("Users", entra_user())
    assert response.status_code == 201
    body = response.json()
    assert body["userName"] == "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1"
    person = Person.objects.get(pk=body["id"])
    assert person.email == "test_user_1@testuser.com"
    assert person.name == "givenName familyName"
    assert person.team.name == "Finance"


def test_entra_sends_capitalised_ops_and_booleans_as_strings(scim):
    user = scim.post("Users", entra_user()).json()
    path = f"Users/{user['id']}"
    response = scim.patch(path, [{"op": "Replace", "path": "active", "value": "False"}])
    assert response.status_code == 200 and response.json()["active"] is False
    response = scim.patch(path, [{"op": "Replace", "path": "active", "value": "True"}])
    assert response.status_code == 200 and response.json()["active"] is True
    response = scim.patch(path, [{"op": "Add", "path": "title", "value": "Controller"}])
    assert response.status_code == 200
    assert Person.objects.get(pk=user["id"]).title == "Controller"


def test_entra_replaces_the_work_email_and_a_name_part(scim):
    user = scim.post("Users", entra_user()).json()
    response = scim.patch(
        f"Users/{user['id']}",
        [
            {
                "op": "Replace",
                "path": 'emails[type eq "work"].value',
                "value": "updatedEmail@microsoft.com",
            },
            {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
        ],
    )
    assert response.status_code == 200
    person = Person.objects.select_related("scim").get(pk=user["id"])
    assert person.email == "updatedemail@microsoft.com"
    assert person.scim.family_name == "updatedFamilyName"


def test_entra_adds_a_work_email_to_a_user_who_has_none_typed_work(scim):
    body = entra_user()
    body["emails"] = [{"value": "untyped@testuser.com", "primary": False}]
    user = scim.post("Users", body).json()
    response = scim.patch(
        f"Users/{user['id']}",
        [{"op": "Add", "path": 'emails[type eq "work"].value', "value": "work@testuser.com"}],
    )
    assert response.status_code == 200
    assert Person.objects.get(pk=user["id"]).email == "work@testuser.com"


def test_entra_patches_without_a_path_with_attribute_paths_as_keys(scim):
    user = scim.post("Users", entra_user()).json()
    response = scim.patch(
        f"Users/{user['id']}",
        [
            {
                "op": "Replace",
                "value": {
                    "displayName": "Bjfe",
                    "name.givenName": "Kkom",
                    f"{ENTERPRISE}:employeeNumber": "Aklq",
                    "active": "False",
                },
            }
        ],
    )
    assert response.status_code == 200
    person = Person.objects.select_related("scim").get(pk=user["id"])
    assert (person.name, person.scim.given_name, person.employee_number) == ("Bjfe", "Kkom", "Aklq")
    assert not person.is_active


def test_entra_sets_the_manager_as_a_bare_id_and_removes_it(scim):
    boss = scim.post("Users", entra_user(1)).json()
    user = scim.post("Users", entra_user(2)).json()
    path = f"Users/{user['id']}"
    response = scim.patch(
        path, [{"op": "Add", "path": f"{ENTERPRISE}:manager", "value": boss["id"]}]
    )
    assert response.status_code == 200
    assert response.json()[ENTERPRISE]["manager"]["value"] == boss["id"]
    assert Person.objects.get(pk=user["id"]).manager_id == int(boss["id"])
    response = scim.patch(path, [{"op": "Remove", "path": f"{ENTERPRISE}:manager"}])
    assert response.status_code == 200
    assert Person.objects.get(pk=user["id"]).manager_id is None


def test_entra_removes_a_group_member_with_the_member_in_the_value(scim, world):
    response = scim.patch(
        f"Groups/{world.team.pk}",
        [{"op": "Remove", "path": "members", "value": [{"value": str(world.peer.pk)}]}],
    )
    assert response.status_code == 200
    world.peer.refresh_from_db()
    world.employee.refresh_from_db()
    assert world.peer.team is None and world.employee.team == world.team


def test_entra_adds_group_members_and_lists_groups_without_members(scim, world):
    response = scim.patch(
        f"Groups/{world.other_team.pk}",
        [{"op": "Add", "path": "members", "value": [{"value": str(world.employee.pk)}]}],
    )
    assert response.status_code == 200
    world.employee.refresh_from_db()
    assert world.employee.team == world.other_team
    listed = scim.get(
        f'Groups?excludedAttributes=members&filter=displayName eq "{world.other_team.name}"'
    ).json()
    assert listed["totalResults"] == 1 and "members" not in listed["Resources"][0]


def test_entra_checks_membership_with_a_filter(scim, world):
    query = f'Groups?filter=id eq "{world.team.pk}" and members eq "{world.employee.pk}"'
    assert scim.get(query).json()["totalResults"] == 1
    query = f'Groups?filter=id eq "{world.team.pk}" and members eq "{world.outsider.pk}"'
    assert scim.get(query).json()["totalResults"] == 0


def test_entra_disables_then_deletes_a_user(scim):
    user = scim.post("Users", entra_user()).json()
    path = f"Users/{user['id']}"
    assert (
        scim.patch(path, [{"op": "Replace", "path": "active", "value": "False"}]).status_code == 200
    )
    assert scim.delete(path).status_code == 204
    assert Person.objects.filter(pk=user["id"], is_active=False).exists()


def test_a_patch_op_message_without_operations_is_refused(scim, world):
    response = scim.client.patch(
        f"/scim/v2/Users/{world.employee.pk}",
        data={"schemas": [PATCH_OP]},
        content_type="application/scim+json",
    )
    assert response.status_code == 400


def test_okta_can_name_the_manager_by_user_name_and_it_reads_back_as_the_id(scim):
    """Okta's expressions cannot reach another user's id in the app: a manager named by
    userName is that person."""
    boss = scim.post("Users", okta_user("boss@okta.local", given="Boss")).json()
    user = scim.post("Users", okta_user("report@okta.local", given="Report")).json()
    response = scim.patch(
        f"Users/{user['id']}",
        [{"op": "replace", "path": f"{ENTERPRISE}:manager", "value": {"value": "Boss@okta.local"}}],
    )
    assert response.status_code == 200
    assert response.json()[ENTERPRISE]["manager"]["value"] == boss["id"]
    response = scim.patch(
        f"Users/{user['id']}",
        [
            {
                "op": "replace",
                "path": f"{ENTERPRISE}:manager",
                "value": {"value": "nobody@okta.local"},
            }
        ],
    )
    assert response.status_code == 400


def test_naming_the_current_manager_by_user_name_changes_nothing(scim):
    boss = scim.post("Users", okta_user("boss@okta.local", given="Boss")).json()
    user = scim.post(
        "Users",
        {
            **okta_user("report@okta.local", given="Report"),
            ENTERPRISE: {"manager": {"value": boss["id"]}},
        },
    ).json()
    from culture.models import AuditEvent

    before = AuditEvent.objects.count()
    response = scim.patch(
        f"Users/{user['id']}",
        [{"op": "replace", "path": f"{ENTERPRISE}:manager", "value": {"value": "boss@okta.local"}}],
    )
    assert response.status_code == 200
    assert AuditEvent.objects.count() == before
