"""API tokens: stored as a digest, shown once, scoped, expiring, revocable; a session opens
no API route and a token opens no page."""

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from api import tokens
from api.models import ApiToken
from culture.models import AuditEvent
from tests.api.conftest import Api, make_token

pytestmark = pytest.mark.django_db


def test_a_token_is_kept_only_as_its_sha256_digest(world):
    row, token = tokens.do_create_token(by=world.employee, name="script", scopes=["people:read"])
    assert row.digest == hashlib.sha256(token.encode()).hexdigest()
    assert token.startswith("culture_pat_") and len(token) > 40
    assert row.hint == token[: tokens.HINT_LENGTH]
    stored = ApiToken.objects.filter(pk=row.pk).values().get()
    assert token not in [str(v) for v in stored.values()]
    assert AuditEvent.objects.filter(action="api.token_created", actor=world.employee).exists()


def test_a_token_opens_the_api_and_records_when_it_was_last_used(world, client):
    token = make_token(world.employee, ["people:read"])
    assert ApiToken.objects.get().last_used_at is None
    response = Api(client, token).get("people/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert ApiToken.objects.get().last_used_at is not None


def test_an_expired_token_is_refused(world, client):
    token = make_token(world.employee, ["people:read"], days=1)
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = Api(client, token).get("people/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_is_refused_from_the_next_request(world, client):
    token = make_token(world.employee, ["people:read"])
    api = Api(client, token)
    assert api.get("people/").status_code == 200
    tokens.do_revoke_token(by=world.employee, token=ApiToken.objects.get())
    assert api.get("people/").status_code == 401
    assert not tokens.do_revoke_token(by=world.employee, token=ApiToken.objects.get())


def test_a_made_up_or_malformed_token_is_refused(world, client):
    for token in ["culture_pat_" + "x" * 43, "nope", "culture_pat_" + "y" * 500]:
        assert Api(client, token).get("people/").status_code == 401
    response = client.get("/api/v1/people/", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert response.status_code == 401


def test_a_deactivated_persons_tokens_stop_working(world, client):
    token = make_token(world.employee, ["people:read"])
    world.employee.is_active = False
    world.employee.save()
    assert Api(client, token).get("people/").status_code == 401


def test_scopes_are_checked_and_unknown_ones_refused(world, api_as):
    api = api_as(world.employee, ["people:read"])
    assert api.get("memos/").status_code == 403
    with pytest.raises(ValidationError):
        tokens.do_create_token(by=world.employee, name="x", scopes=["admin:all"])
    with pytest.raises(ValidationError):
        tokens.do_create_token(by=world.employee, name="x", scopes=[])


def test_a_token_lives_at_most_a_year(world):
    with pytest.raises(ValidationError):
        tokens.do_create_token(by=world.employee, name="x", scopes=["people:read"], days=400)


def test_a_logged_in_session_does_not_open_the_api(world, client):
    client.force_login(world.people_admin)
    response = client.get("/api/v1/people/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_with_a_session_cookie_and_a_token_the_token_decides_who_is_asking(world, client):
    client.force_login(world.people_admin)
    token = make_token(world.employee, ["pay:read"])
    response = client.get(
        f"/api/v1/pay/people/{world.peer.pk}/", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 404  # the employee's view, not the admin's session


def test_a_token_does_not_open_a_page(world, client):
    token = make_token(world.people_admin)
    for page in ["/", "/people/", "/pay/", "/account/api-tokens/"]:
        response = client.get(page, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 302, page
        assert "/login/" in response["Location"]


def test_the_api_needs_no_csrf_token_because_no_cookie_authenticates_it(world):
    strict = Client(enforce_csrf_checks=True)
    token = make_token(world.employee, ["memos:write", "memos:read"])
    response = strict.post(
        "/api/v1/memos/",
        data={"title": "Fewer meetings"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201


def test_service_tokens_are_for_people_admins_and_stop_when_they_stop_being_one(world, client):
    with pytest.raises(ValidationError):
        tokens.do_create_token(by=world.manager, name="x", scopes=["people:read"], kind="service")
    token = make_token(world.people_admin, ["people:read"], kind="service")
    assert token.startswith("culture_svc_")
    api = Api(client, token)
    assert api.get("people/").status_code == 200
    world.people_admin.is_people_admin = False
    world.people_admin.save()
    assert api.get("people/").status_code == 401


def test_manage_py_api_token_prints_a_working_token(world, client):
    out = StringIO()
    call_command(
        "api_token",
        "create",
        "employee@example.test",
        "--scopes",
        "people:read,memos:read",
        "--name",
        "cli",
        "--days",
        "7",
        stdout=out,
    )
    token = out.getvalue().strip()
    row = ApiToken.objects.get()
    assert row.name == "cli" and row.scopes == ["memos:read", "people:read"]
    assert (row.expires_at - timezone.now()).days in (6, 7)
    assert Api(client, token).get("people/?limit=5").status_code == 200


def test_manage_py_api_token_lists_without_the_token_and_revokes(world, client):
    token = make_token(world.employee, ["people:read"])
    row = ApiToken.objects.get()
    out = StringIO()
    call_command("api_token", "list", "employee@example.test", stdout=out)
    assert row.hint in out.getvalue() and token not in out.getvalue()
    call_command("api_token", "revoke", str(row.pk), stdout=StringIO())
    assert Api(client, token).get("people/").status_code == 401


# --- The pages ------------------------------------------------------------------------------


def test_a_person_makes_a_token_on_their_page_and_sees_it_once(world, client):
    client.force_login(world.employee)
    response = client.post(
        "/account/api-tokens/",
        {"name": "weekly report", "scopes": ["people:read", "feedback:read"], "days": 30},
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    token = response.context["new_token"]
    assert token in response.content.decode()
    row = ApiToken.objects.get()
    assert (row.person, row.kind, row.name) == (world.employee, "personal", "weekly report")
    again = client.get("/account/api-tokens/").content.decode()
    assert token not in again and row.hint in again and "weekly report" in again
    assert Api(Client(), token).get("people/").status_code == 200


def test_the_token_page_lists_only_ones_own_tokens(world, client):
    make_token(world.peer, ["people:read"])
    client.force_login(world.employee)
    assert list(client.get("/account/api-tokens/").context["tokens"]) == []


def test_the_form_offers_each_person_the_scopes_that_can_give_them_something(world, client):
    def offered(person):
        client.force_login(person)
        form = client.get("/account/api-tokens/").context["form"]
        return {value for value, _ in form.fields["scopes"].choices}

    assert "keeper:read" not in offered(world.employee) and "pay:read" not in offered(
        world.employee
    )
    assert {"keeper:read", "keeper:write", "pay:read"} <= offered(world.manager)
    assert "pay:read" in offered(world.people_admin)
    client.force_login(world.employee)
    response = client.post(
        "/account/api-tokens/", {"name": "x", "scopes": ["keeper:read"], "days": 30}
    )
    assert response.status_code == 422 and not ApiToken.objects.exists()


def test_an_invalid_token_form_comes_back_with_422(world, client):
    client.force_login(world.employee)
    response = client.post("/account/api-tokens/", {"name": "x", "days": 30})
    assert response.status_code == 422


def test_nobody_revokes_someone_elses_token(world, client):
    make_token(world.peer, ["people:read"])
    row = ApiToken.objects.get()
    client.force_login(world.employee)
    assert client.post(f"/account/api-tokens/{row.pk}/revoke/").status_code == 404
    client.force_login(world.peer)
    assert client.post(f"/account/api-tokens/{row.pk}/revoke/").status_code == 302
    assert ApiToken.objects.get().revoked_at is not None


def test_people_admins_make_service_tokens_on_their_page(world, client):
    client.force_login(world.people_admin)
    response = client.post(
        "/settings/api-tokens/", {"name": "HRIS sync", "scopes": ["people:read"], "days": 365}
    )
    assert response.status_code == 200
    assert ApiToken.objects.get().kind == "service"
    assert response.context["new_token"].startswith("culture_svc_")


def test_a_persons_data_export_lists_their_tokens_without_digests_and_erasure_deletes_them(
    world, client
):
    from culture import privacy

    token = make_token(world.inactive, ["people:read"])
    row = ApiToken.objects.get()
    data = privacy.export_person(world.inactive, viewer=world.people_admin)
    assert [t["name"] for t in data["api"]["api_tokens"]] == ["test"]
    assert row.digest not in str(data) and token not in str(data)
    privacy.do_erase_person(by=world.people_admin, person=world.inactive)
    assert not ApiToken.objects.exists()
