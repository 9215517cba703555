"""What SCIM keeps about a person is in their data export, and goes when they are erased."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from culture import privacy
from culture.models import Person, ScimUser
from tests.scim.conftest import created

pytestmark = pytest.mark.django_db


def test_the_export_holds_what_the_identity_provider_said(scim, world, client_for):
    user = created(scim, 1, userName="Ada_UPN")
    person = Person.objects.get(pk=user["id"])
    response = client_for(world.people_admin).post(
        reverse("people:data_export", args=[person.pk]), {"export-email": person.email}
    )
    data = json.loads(response.content)["person"]
    assert data["employee_number"] == "E1" and data["external_id"] == "idp-1"
    assert data["scim"]["user_name"] == "Ada_UPN"
    assert data["scim"]["family_name"] == "Family1"


def test_erasure_forgets_the_scim_identity_and_hides_them_from_scim(scim, world):
    user = created(scim, 1, userName="Ada_UPN")
    person = Person.objects.get(pk=user["id"])
    scim.patch(f"Users/{person.pk}", [{"op": "replace", "path": "active", "value": False}])
    privacy.do_erase_person(by=world.people_admin, person=person)
    person.refresh_from_db()
    assert (person.employee_number, person.external_id) == ("", "")
    assert not ScimUser.objects.filter(person=person).exists()
    assert scim.get(f"Users/{person.pk}").status_code == 404
    assert scim.get('Users?filter=userName eq "Ada_UPN"').json()["totalResults"] == 0
    # Provisioned again, they are someone new: an erased row never comes back.
    again = created(scim, 1, userName="Ada_UPN")
    assert again["id"] != user["id"]
