"""Users: people, as an identity provider creates, reads, replaces, patches and deletes them."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client

from culture.models import AuditEvent, Person, ScimUser, Team
from tests.conftest import make_person, make_team
from tests.scim.conftest import ENTERPRISE, USER, created, error, user_body

pytestmark = pytest.mark.django_db


# --- Create and read --------------------------------------------------------------------------


def test_a_created_user_is_a_person_with_every_attribute_mapped(scim):
    body = created(scim, 7, displayName="Gigi Seven", title="Staff Engineer")
    person = Person.objects.select_related("team", "scim").get(pk=int(body["id"]))
    assert person.email == "person7@acme.test"
    assert person.name == "Gigi Seven"
    assert person.title == "Staff Engineer"
    assert person.is_active
    assert person.external_id == "idp-7"
    assert person.employee_number == "E7"
    assert person.team.name == "Platform"
    assert not person.has_usable_password()
    assert person.scim.user_name == "person7@acme.test"
    assert (person.scim.given_name, person.scim.family_name) == ("Given", "Family7")
    assert body["userName"] == "person7@acme.test"
    assert body["name"] == {"givenName": "Given", "familyName": "Family7"}
    assert body["displayName"] == "Gigi Seven"
    assert body["emails"] == [{"value": "person7@acme.test", "type": "work", "primary": True}]
    assert body[ENTERPRISE] == {"employeeNumber": "E7", "department": "Platform"}
    assert body["meta"]["resourceType"] == "User"
    assert body["meta"]["location"].endswith(f"/scim/v2/Users/{person.pk}")


def test_the_creation_answers_201_with_location_and_etag(scim):
    response = scim.post("Users", user_body(1))
    assert response.status_code == 201
    body = response.json()
    assert response["Location"] == body["meta"]["location"]
    assert response["ETag"] == body["meta"]["version"]
    assert response["Content-Type"] == "application/scim+json"


def test_without_a_display_name_the_person_is_named_from_the_name_parts(scim):
    body = created(scim, 2)
    assert Person.objects.get(pk=body["id"]).name == "Given Family2"
    assert "displayName" not in body


def test_a_user_name_that_is_not_an_email_is_kept_as_sent(scim):
    """Entra sends the user principal name, which need not be the address."""
    body = created(scim, 3, userName="Ada_Lovelace_UPN")
    assert body["userName"] == "Ada_Lovelace_UPN"
    assert Person.objects.get(pk=body["id"]).email == "person3@acme.test"


def test_the_primary_email_is_the_persons_address(scim):
    body = created(
        scim,
        4,
        emails=[
            {"value": "home@acme.test", "type": "home"},
            {"value": "Work.Address@ACME.test", "type": "work", "primary": True},
        ],
    )
    assert Person.objects.get(pk=body["id"]).email == "work.address@acme.test"


def test_a_department_that_is_not_a_team_yet_becomes_one_as_the_import_makes_it(scim):
    make_team(name="Other", slug="data-science")
    body = created(scim, 5, **{ENTERPRISE: {"department": "Data Science"}})
    team = Team.objects.get(name="Data Science")
    assert team.slug == "data-science-2"
    assert Person.objects.get(pk=body["id"]).team == team


def test_people_made_elsewhere_are_users_named_by_their_email(scim, world):
    body = scim.get(f"Users/{world.employee.pk}").json()
    assert body["userName"] == "employee@example.test"
    assert body["displayName"] == "Eli Employee"
    assert body["emails"] == [{"value": "employee@example.test", "type": "work", "primary": True}]
    assert body[ENTERPRISE]["manager"]["value"] == str(world.manager.pk)
    assert body[ENTERPRISE]["manager"]["$ref"].endswith(f"/scim/v2/Users/{world.manager.pk}")
    assert body[ENTERPRISE]["department"] == "Platform"


def test_an_unknown_id_is_404(scim):
    for path in ("Users/999999", "Users/not-a-number", "Users/12345678901234567890123"):
        response = scim.get(path)
        assert response.status_code == 404, path
        assert error(response)["status"] == "404"


def test_an_erased_person_is_not_a_user(scim, world):
    Person.objects.filter(pk=world.inactive.pk).update(erased_at="2026-01-01T00:00:00Z")
    assert scim.get(f"Users/{world.inactive.pk}").status_code == 404


def test_a_creation_with_no_email_writes_nothing_and_names_the_attribute(scim):
    body = user_body(1)
    del body["emails"]
    response = scim.post("Users", body)
    assert response.status_code == 400
    assert error(response)["scimType"] == "invalidValue"
    assert "emails" in error(response)["detail"]
    assert not Person.objects.filter(email="person1@acme.test").exists()


def test_every_invalid_value_is_named_and_nothing_is_written(scim):
    count, audits = Person.objects.count(), AuditEvent.objects.count()
    response = scim.post(
        "Users",
        user_body(
            1,
            emails=[{"value": "not an address", "primary": True}],
            title="x" * 151,
            **{ENTERPRISE: {"department": "d" * 121, "manager": {"value": "999999"}}},
        ),
    )
    assert response.status_code == 400
    detail = error(response)["detail"]
    assert "emails" in detail and "title" in detail
    assert f"{ENTERPRISE}:department" in detail and f"{ENTERPRISE}:manager" in detail
    assert (Person.objects.count(), AuditEvent.objects.count()) == (count, audits)
    assert not Team.objects.filter(name__startswith="ddd").exists()


def test_a_taken_user_name_email_or_employee_number_is_409_uniqueness(scim, world):
    created(scim, 1)
    for clash in (
        {"userName": "PERSON1@acme.test"},  # userName compares without case
        {"emails": [{"value": "person1@acme.test", "primary": True}]},
        {ENTERPRISE: {"employeeNumber": "E1"}},
        {"userName": "employee@example.test"},  # a person SCIM never provisioned
    ):
        body = {**user_body(2), **clash}
        response = scim.post("Users", body)
        assert response.status_code == 409, clash
        assert error(response)["scimType"] == "uniqueness"
    assert not Person.objects.filter(email="person2@acme.test").exists()


def test_attributes_the_product_does_not_keep_are_accepted_and_dropped(scim):
    body = created(
        scim,
        1,
        password="hunter2hunter2",
        phoneNumbers=[{"value": "+44 1", "type": "work"}],
        addresses=[{"type": "work", "locality": "London"}],
        locale="en-GB",
    )
    person = Person.objects.get(pk=body["id"])
    assert not person.has_usable_password()
    assert "phoneNumbers" not in body and "password" not in body


# --- Manager: the people import's checks ------------------------------------------------------


def test_the_manager_is_set_by_the_managers_scim_id(scim):
    boss = created(scim, 1)
    body = created(scim, 2, **{ENTERPRISE: {"manager": {"value": boss["id"]}}})
    assert Person.objects.get(pk=body["id"]).manager_id == int(boss["id"])
    assert body[ENTERPRISE]["manager"]["value"] == boss["id"]


def test_an_unknown_manager_is_invalid_value_and_nothing_is_written(scim):
    response = scim.post("Users", user_body(1, **{ENTERPRISE: {"manager": {"value": "424242"}}}))
    assert response.status_code == 400
    body = error(response)
    assert body["scimType"] == "invalidValue"
    assert "unknown manager" in body["detail"] and f"{ENTERPRISE}:manager" in body["detail"]
    assert not Person.objects.filter(email="person1@acme.test").exists()


def test_a_deleted_person_cannot_be_anyones_manager(scim):
    boss = created(scim, 1)
    assert scim.delete(f"Users/{boss['id']}").status_code == 204
    response = scim.post("Users", user_body(2, **{ENTERPRISE: {"manager": {"value": boss["id"]}}}))
    assert response.status_code == 400


def test_a_reporting_cycle_is_refused_with_the_cycle_named_and_nothing_written(scim, world):
    # ceo -> skip_level -> manager -> employee; making the CEO report to the employee loops.
    before = AuditEvent.objects.count()
    response = scim.patch(
        f"Users/{world.ceo.pk}",
        [
            {
                "op": "replace",
                "path": f"{ENTERPRISE}:manager",
                "value": {"value": str(world.employee.pk)},
            }
        ],
    )
    assert response.status_code == 400
    body = error(response)
    assert body["scimType"] == "invalidValue"
    assert (
        "reporting cycle: Cora CEO -> Eli Employee -> Mia Manager -> Sam Skip -> Cora CEO"
        in (body["detail"])
    )
    world.ceo.refresh_from_db()
    assert world.ceo.manager_id is None
    assert AuditEvent.objects.count() == before


def test_a_person_cannot_manage_themself(scim, world):
    response = scim.patch(
        f"Users/{world.peer.pk}",
        [
            {
                "op": "replace",
                "path": f"{ENTERPRISE}:manager",
                "value": {"value": str(world.peer.pk)},
            }
        ],
    )
    assert response.status_code == 400
    assert "own manager" in error(response)["detail"]


def test_removing_the_manager_leaves_them_at_the_top(scim, world):
    response = scim.patch(
        f"Users/{world.employee.pk}", [{"op": "remove", "path": f"{ENTERPRISE}:manager"}]
    )
    assert response.status_code == 200
    assert "manager" not in response.json()[ENTERPRISE]
    world.employee.refresh_from_db()
    assert world.employee.manager_id is None


# --- Replace (PUT) ----------------------------------------------------------------------------


def test_put_replaces_what_it_carries(scim):
    body = created(scim, 1)
    replacement = user_body(1, title="Principal", name={"givenName": "New", "familyName": "Name"})
    response = scim.put(f"Users/{body['id']}", replacement)
    assert response.status_code == 200
    person = Person.objects.get(pk=body["id"])
    assert person.title == "Principal"
    assert person.name == "New Name"


def test_put_keeps_what_it_leaves_out_and_clears_what_it_sends_as_null(scim, world):
    """An identity provider that maps no manager or department must not wipe the reporting
    tree with every PUT (RFC 7644 §3.5.1 lets a service read omitted attributes as not
    asserted); null clears."""
    path = f"Users/{world.employee.pk}"
    current = scim.get(path).json()
    body = {
        "schemas": [USER],
        "userName": current["userName"],
        "emails": current["emails"],
        "active": True,
        "title": None,
    }
    assert scim.put(path, body).status_code == 200
    world.employee.refresh_from_db()
    assert world.employee.manager_id == world.manager.pk
    assert world.employee.team == world.team
    assert world.employee.title == ""


def test_put_that_changes_nothing_writes_nothing(scim, world):
    path = f"Users/{world.employee.pk}"
    current = scim.get(path).json()
    before = AuditEvent.objects.count()
    response = scim.put(path, current)
    assert response.status_code == 200
    assert response["ETag"] == current["meta"]["version"]
    assert AuditEvent.objects.count() == before


# --- PATCH --------------------------------------------------------------------------------------


def test_patch_add_replace_and_remove(scim):
    user = created(scim, 1)
    path = f"Users/{user['id']}"
    response = scim.patch(
        path,
        [
            {"op": "add", "path": "displayName", "value": "Shown Name"},
            {"op": "replace", "path": "name.familyName", "value": "Changed"},
            {"op": "remove", "path": "title"},
            {"op": "add", "path": f"{ENTERPRISE}:employeeNumber", "value": "E99"},
        ],
    )
    assert response.status_code == 200
    body = response.json()
    assert body["displayName"] == "Shown Name"
    assert body["name"]["familyName"] == "Changed"
    assert "title" not in body
    person = Person.objects.get(pk=user["id"])
    assert (person.name, person.title, person.employee_number) == ("Shown Name", "", "E99")
    # Removing the displayName names them from their name parts again.
    scim.patch(path, [{"op": "remove", "path": "displayName"}])
    assert Person.objects.get(pk=user["id"]).name == "Given Changed"


def test_patch_value_path_on_the_work_email(scim):
    user = created(scim, 1)
    response = scim.patch(
        f"Users/{user['id']}",
        [{"op": "replace", "path": 'emails[type eq "work"].value', "value": "moved@acme.test"}],
    )
    assert response.status_code == 200
    assert Person.objects.get(pk=user["id"]).email == "moved@acme.test"


def test_patch_that_removes_a_required_attribute_is_refused(scim):
    user = created(scim, 1)
    for attribute in ("active", "userName", "emails"):
        response = scim.patch(f"Users/{user['id']}", [{"op": "remove", "path": attribute}])
        assert response.status_code == 400, attribute
        assert error(response)["scimType"] == "mutability"


def test_patch_on_an_unknown_path_is_invalid_path(scim):
    user = created(scim, 1)
    response = scim.patch(f"Users/{user['id']}", [{"op": "remove", "path": "emails[type eq"}])
    assert response.status_code == 400
    assert error(response)["scimType"] in ("invalidPath", "invalidFilter")


def test_patch_with_an_unknown_operation_is_invalid_value(scim):
    user = created(scim, 1)
    response = scim.patch(f"Users/{user['id']}", [{"op": "merge", "path": "title", "value": "x"}])
    assert response.status_code == 400
    assert error(response)["scimType"] == "invalidValue"


# --- Deactivation and DELETE ------------------------------------------------------------------


def _logged_in(person) -> str:
    client = Client()
    client.force_login(person)
    return client.cookies["sessionid"].value


def test_active_false_deactivates_them_ends_their_sessions_and_records_the_day(scim, world):
    session = _logged_in(world.employee)
    with time_machine.travel("2026-03-14 10:00Z", tick=False):
        response = scim.patch(
            f"Users/{world.employee.pk}", [{"op": "replace", "path": "active", "value": False}]
        )
    assert response.status_code == 200
    assert response.json()["active"] is False
    world.employee.refresh_from_db()
    assert not world.employee.is_active
    assert world.employee.left_on == date(2026, 3, 14)
    assert not Session.objects.filter(session_key=session).exists()
    # Their history stays: the person row, their place in the tree, their team.
    assert world.employee.manager_id == world.manager.pk and world.employee.team == world.team


def test_active_true_again_clears_the_day_they_left(scim, world):
    path = f"Users/{world.employee.pk}"
    scim.patch(path, [{"op": "replace", "path": "active", "value": False}])
    scim.patch(path, [{"op": "replace", "path": "active", "value": True}])
    world.employee.refresh_from_db()
    assert world.employee.is_active and world.employee.left_on is None


def test_delete_deactivates_keeps_the_row_and_answers_404_afterwards(scim, world):
    session = _logged_in(world.employee)
    path = f"Users/{world.employee.pk}"
    response = scim.delete(path)
    assert response.status_code == 204
    person = Person.objects.get(pk=world.employee.pk)
    assert not person.is_active and person.left_on is not None
    assert person.name == "Eli Employee" and person.manager_id == world.manager.pk
    assert ScimUser.objects.get(person=person).deleted_at is not None
    assert not Session.objects.filter(session_key=session).exists()
    assert scim.get(path).status_code == 404
    assert scim.delete(path).status_code == 404
    listed = scim.get('Users?filter=userName eq "employee@example.test"').json()
    assert listed["totalResults"] == 0


def test_a_deleted_person_provisioned_again_is_the_same_person_back(scim):
    user = created(scim, 1)
    scim.delete(f"Users/{user['id']}")
    response = scim.post("Users", user_body(1, title="Returned"))
    assert response.status_code == 201
    assert response.json()["id"] == user["id"]
    person = Person.objects.get(pk=user["id"])
    assert person.is_active and person.title == "Returned" and person.left_on is None
    assert scim.get(f"Users/{user['id']}").status_code == 200


# --- ETags ----------------------------------------------------------------------------------------


def test_get_carries_the_etag_and_if_none_match_answers_304(scim, world):
    path = f"Users/{world.employee.pk}"
    response = scim.get(path)
    etag = response["ETag"]
    assert etag.startswith('W/"') and etag == response.json()["meta"]["version"]
    assert scim.get(path, headers={"If-None-Match": etag}).status_code == 304
    assert scim.get(path, headers={"If-None-Match": 'W/"other"'}).status_code == 200


def test_a_change_made_on_a_page_changes_the_etag(scim, world):
    path = f"Users/{world.employee.pk}"
    before = scim.get(path)["ETag"]
    Person.objects.filter(pk=world.employee.pk).update(title="Renamed on the edit page")
    assert scim.get(path)["ETag"] != before


def test_if_match_with_a_stale_etag_is_412_and_writes_nothing(scim, world):
    path = f"Users/{world.employee.pk}"
    stale = scim.get(path)["ETag"]
    scim.patch(path, [{"op": "replace", "path": "title", "value": "First"}])
    for method, args in (
        ("patch", ([{"op": "replace", "path": "title", "value": "Second"}],)),
        ("put", (scim.get(path).json(),)),
    ):
        response = getattr(scim, method)(path, *args, headers={"If-Match": stale})
        assert response.status_code == 412, method
    assert scim.delete(path, headers={"If-Match": stale}).status_code == 412
    world.employee.refresh_from_db()
    assert world.employee.title == "First" and world.employee.is_active


def test_if_match_with_the_current_etag_goes_through(scim, world):
    path = f"Users/{world.employee.pk}"
    etag = scim.get(path)["ETag"]
    response = scim.patch(
        path, [{"op": "replace", "path": "title", "value": "Now"}], headers={"If-Match": etag}
    )
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_a_person_made_by_the_test_factory_reads_as_a_user(scim):
    person = make_person(name="Plain Person", email="plain@example.test")
    assert scim.get(f"Users/{person.pk}").json()["displayName"] == "Plain Person"


def test_a_csv_import_moves_last_modified_and_the_etag(scim, world):
    from culture import people_import

    path = f"Users/{world.employee.pk}"
    before = scim.get(path).json()["meta"]
    csv = (
        b"email,name,title,job_family,level,location,team,manager_email,start_date\n"
        b"employee@example.test,Eli Employee,Imported title,Engineering,4,London,Platform,"
        b"manager@example.test,2022-01-10\n"
    )
    people_import.apply(people_import.validate(csv))
    after = scim.get(path).json()["meta"]
    assert after["version"] != before["version"]
    # The import's UPDATE sets the database's now(): in this test's one transaction, the time
    # the test began, so "moved" is all that can be said here.
    assert after["lastModified"] != before["lastModified"]
