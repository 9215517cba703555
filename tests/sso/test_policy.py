"""SSO required with break-glass accounts, the settings page (secrets, environment), routing
by email domain."""

from __future__ import annotations

import pytest
from django.test import Client

from culture.models import AuditEvent, Delivery
from sso import config, crypto
from sso.models import IdentitySettings
from tests.conftest import ADMIN_TOTP_SECRET, PASSWORD, totp_code
from tests.sso.conftest import OIDC_SECRET, configure_oidc

pytestmark = pytest.mark.django_db
ISSUER = "http://localhost:9/"  # nothing listens: these tests never reach a provider


def _password(client, email):
    return client.post("/login/", {"username": email, "password": PASSWORD})


def _signed_in(client):
    return client.session.get("_auth_user_id")


def test_when_sso_is_required_passwords_are_refused_except_for_break_glass_admins(world):
    row = configure_oidc(ISSUER, sso_required=True)
    row.break_glass.add(world.people_admin)
    employee = Client()
    response = _password(employee, "employee@example.test")
    assert response.status_code == 200 and _signed_in(employee) is None
    assert "logs in with single sign-on" in response.content.decode()
    # A wrong password gets the usual answer: nothing says whose password was right.
    wrong = Client().post("/login/", {"username": "peer@example.test", "password": "nope"})
    assert "Please enter a correct email and password" in wrong.content.decode()
    # The break-glass admin: password, then their second factor, always.
    admin = Client()
    assert _password(admin, "admin@example.test")["Location"] == "/account/two-factor/authenticate/"
    admin.post("/account/two-factor/authenticate/", {"code": totp_code(ADMIN_TOTP_SECRET)})
    assert _signed_in(admin) == str(world.people_admin.pk)


def test_a_break_glass_admin_without_a_second_factor_must_set_one_up(world):
    from allauth.mfa.models import Authenticator

    row = configure_oidc(ISSUER, sso_required=True, mfa_required="nobody")
    row.break_glass.add(world.people_admin)
    Authenticator.objects.filter(user=world.people_admin).delete()
    client = Client()
    assert _password(client, "admin@example.test")["Location"] == "/login/two-factor/setup/"
    assert _signed_in(client) is None


def test_password_reset_does_not_bypass_sso_required(world):
    row = configure_oidc(ISSUER, sso_required=True)
    row.break_glass.add(world.people_admin)
    response = Client().post("/password/reset/", {"email": "employee@example.test"})
    assert response.status_code == 302  # the same answer as for anyone
    assert not Delivery.objects.filter(recipient=world.employee).exists()
    Client().post("/password/reset/", {"email": "admin@example.test"})
    assert Delivery.objects.filter(recipient=world.people_admin).exists()


def test_an_address_in_the_companys_domain_typed_without_a_password_goes_to_sso(world):
    configure_oidc(ISSUER, email_domains="example.test")
    page = Client().get("/login/")
    assert 'data-sso-domains="example.test"' in page.content.decode()
    assert "Continue with single sign-on" in page.content.decode()
    # Starting the login reads the provider's discovery document, which is not there: the
    # request fails at the provider, after our routing decided.
    from unittest import mock

    with mock.patch("sso.views.start_sso", return_value=Client().get("/livez")) as start:
        Client().post("/login/", {"username": "someone@EXAMPLE.test", "password": ""})
    assert start.call_args.kwargs["login_hint"] == "someone@EXAMPLE.test"
    with mock.patch("sso.views.start_sso") as start:
        Client().post("/login/", {"username": "someone@elsewhere.test", "password": ""})
    assert not start.called


def test_the_client_secret_is_stored_encrypted_and_never_shown_again(world, client_for):
    admin = client_for(world.people_admin)
    response = admin.post(
        "/settings/sso/",
        {
            "protocol": "oidc",
            "oidc_issuer": "https://idp.example.test/",
            "oidc_client_id": "culture",
            "oidc_client_secret": "very-secret-value",
            "mfa_required": "people_admins",
        },
    )
    assert response.status_code == 302
    row = IdentitySettings.objects.get(pk=1)
    assert "very-secret-value" not in row.oidc_client_secret
    assert crypto.decrypt(row.oidc_client_secret) == "very-secret-value"
    assert row.oidc_issuer == "https://idp.example.test"
    page = admin.get("/settings/sso/").content.decode()
    assert "very-secret-value" not in page and "A secret is set" in page
    # Saving again without typing it keeps it.
    admin.post(
        "/settings/sso/",
        {
            "protocol": "oidc",
            "oidc_issuer": "https://idp.example.test/",
            "oidc_client_id": "culture",
            "mfa_required": "people_admins",
        },
    )
    assert (
        crypto.decrypt(IdentitySettings.objects.get(pk=1).oidc_client_secret) == "very-secret-value"
    )
    event = AuditEvent.objects.filter(action="sso.settings_changed").first()
    assert "very-secret-value" not in str(event.detail)
    for url in ("/sso/oidc/company/callback/", "/sso/saml/company/acs/"):
        assert url in page


def test_secrets_rotate_to_a_new_key_and_a_lost_key_is_reported(world, settings):
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    token = crypto.encrypt("s3cret")
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    assert crypto.decrypt(token) == "s3cret"
    rotated = crypto.rotate(token)
    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert crypto.decrypt(rotated) == "s3cret"
    with pytest.raises(crypto.Unreadable):
        crypto.decrypt(token)


def test_the_environment_wins_over_the_page_and_the_page_says_so(world, settings, client_for):
    configure_oidc("https://from-page.example.test")
    settings.SSO_ENV = {
        "SSO_OIDC_ISSUER": "https://from-env.example.test",
        "SSO_OIDC_CLIENT_ID": "env-client",
        "SSO_OIDC_CLIENT_SECRET": "env-secret",
        "SSO_REQUIRED": "true",
    }
    cfg = config.load()
    assert cfg.oidc_issuer == "https://from-env.example.test" and cfg.sso_required
    (app,) = config.social_apps(cfg)
    assert app.client_id == "env-client" and app.secret == "env-secret"
    page = client_for(world.people_admin).get("/settings/sso/").content.decode()
    assert "come from the environment" in page
    assert "Set by the environment" in page


def test_people_admins_and_only_they_open_the_sso_page(world, client_for):
    assert client_for(world.people_admin).get("/settings/sso/").status_code == 200
    assert client_for(world.manager).get("/settings/sso/").status_code == 403
    assert OIDC_SECRET  # the provider fixture's secret is a test value, never a real one


def test_sso_reencrypt_moves_the_stored_secret_to_the_first_key(world, settings):
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    configure_oidc(ISSUER)
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    call_command("sso_reencrypt")
    settings.FIELD_ENCRYPTION_KEYS = [new]
    stored = IdentitySettings.objects.get(pk=1).oidc_client_secret
    assert crypto.decrypt(stored) == OIDC_SECRET
