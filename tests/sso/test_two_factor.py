"""Two-factor login for password logins (allauth.mfa): authenticator apps, recovery codes,
passkeys and security keys; the company's requirement; a people admin's reset."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client

from culture.models import AuditEvent
from sso.models import IdentitySettings
from tests.conftest import ADMIN_TOTP_SECRET, PASSWORD, totp_code

pytestmark = pytest.mark.django_db
SECRET = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"


def _password(client, email):
    return client.post("/login/", {"username": email, "password": PASSWORD})


def _signed_in(client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def test_a_person_with_an_authenticator_app_types_its_code_after_the_password(world):
    TOTP.activate(world.employee, SECRET)
    client = Client()
    response = _password(client, "employee@example.test")
    assert response["Location"] == "/account/two-factor/authenticate/"
    assert _signed_in(client) is None  # not yet
    wrong = client.post("/account/two-factor/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200 and _signed_in(client) is None
    done = client.post("/account/two-factor/authenticate/", {"code": totp_code(SECRET)})
    assert done.status_code == 302 and _signed_in(client) == world.employee.pk


def test_a_code_works_once(world):
    TOTP.activate(world.employee, SECRET)
    code = totp_code(SECRET)
    first = Client()
    _password(first, "employee@example.test")
    first.post("/account/two-factor/authenticate/", {"code": code})
    assert _signed_in(first) == world.employee.pk
    second = Client()
    _password(second, "employee@example.test")
    second.post("/account/two-factor/authenticate/", {"code": code})
    assert _signed_in(second) is None


def test_a_recovery_code_works_once(world):
    TOTP.activate(world.employee, SECRET)
    codes = RecoveryCodes.activate(world.employee).generate_codes()
    client = Client()
    _password(client, "employee@example.test")
    client.post("/account/two-factor/authenticate/", {"code": codes[0]})
    assert _signed_in(client) == world.employee.pk
    again = Client()
    _password(again, "employee@example.test")
    again.post("/account/two-factor/authenticate/", {"code": codes[0]})
    assert _signed_in(again) is None
    again.post("/account/two-factor/authenticate/", {"code": codes[1]})
    assert _signed_in(again) == world.employee.pk


def test_people_admins_must_use_a_second_factor_by_default(world):
    client = Client()
    response = _password(client, "admin@example.test")
    assert response["Location"] == "/account/two-factor/authenticate/"
    client.post("/account/two-factor/authenticate/", {"code": totp_code(ADMIN_TOTP_SECRET)})
    assert _signed_in(client) == world.people_admin.pk


def test_someone_required_to_have_a_second_factor_sets_one_up_right_after_the_password(world):
    Authenticator.objects.filter(user=world.people_admin).delete()
    client = Client()
    response = _password(client, "admin@example.test")
    assert response["Location"] == "/login/two-factor/setup/"
    assert _signed_in(client) is None  # not in without one, not locked out either
    page = client.get("/login/two-factor/setup/")
    secret = page.context["secret"]
    assert "authenticator app" in page.content.decode()
    bad = client.post("/login/two-factor/setup/", {"code": "123456"})
    assert bad.status_code == 422 and _signed_in(client) is None
    done = client.post("/login/two-factor/setup/", {"code": totp_code(secret)})
    assert done.status_code == 302 and done["Location"] == "/account/two-factor/recovery-codes/"
    assert _signed_in(client) == world.people_admin.pk
    kinds = set(
        Authenticator.objects.filter(user=world.people_admin).values_list("type", flat=True)
    )
    assert kinds == {"totp", "recovery_codes"}
    assert client.get(done["Location"]).status_code == 200  # the codes, shown right away


def test_the_company_can_require_a_second_factor_of_everyone(world):
    client = Client()
    _password(client, "employee@example.test")
    assert _signed_in(client) == world.employee.pk  # by default employees may go without
    IdentitySettings.objects.update_or_create(pk=1, defaults={"mfa_required": "everyone"})
    other = Client()
    assert _password(other, "peer@example.test")["Location"] == "/login/two-factor/setup/"


def test_a_people_admin_resets_a_lost_second_factor_and_it_is_audited(world, client_for):
    TOTP.activate(world.employee, SECRET)
    RecoveryCodes.activate(world.employee)
    admin = client_for(world.people_admin)
    response = admin.post(f"/people/{world.employee.pk}/two-factor/reset/")
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=world.employee).exists()
    event = AuditEvent.objects.get(action="mfa.reset")
    assert event.actor_id == world.people_admin.pk and event.subject_id == world.employee.pk
    assert event.detail["removed"] == ["recovery_codes", "totp"]
    # The next password login goes straight in (not required for employees by default).
    client = Client()
    _password(client, "employee@example.test")
    assert _signed_in(client) == world.employee.pk
    # Nobody else may reset anyone's.
    assert (
        client_for(world.manager)
        .post(f"/people/{world.people_admin.pk}/two-factor/reset/")
        .status_code
        == 403
    )


def test_failed_codes_are_limited_per_person(world, settings):
    TOTP.activate(world.employee, SECRET)
    client = Client()
    _password(client, "employee@example.test")
    for _ in range(5):
        client.post("/account/two-factor/authenticate/", {"code": "000000"})
    refused = client.post("/account/two-factor/authenticate/", {"code": totp_code(SECRET)})
    assert _signed_in(client) is None
    assert "Too many" in refused.content.decode() or refused.status_code == 429


def test_the_login_page_and_the_setup_page_keep_the_strict_csp(world):
    client = Client()
    response = client.get("/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy and "unsafe-inline" not in policy
    assert (
        re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", response.content.decode())
        is None
    )
