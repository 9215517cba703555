"""Passkeys and security keys as a second factor (allauth.mfa WebAuthn), in real Chromium
with its virtual authenticator (DevTools protocol: WebAuthn.enable, addVirtualAuthenticator).
allauth's WebAuthn scripts are static files and their data JSON blocks, so the pages keep
the strict CSP: the session fails on any CSP report."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.models import Authenticator

from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e


def _virtual_authenticator(session):
    cdp = session.context.new_cdp_session(session.page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp


def test_a_person_adds_a_security_key_and_logs_in_with_it(world, browse):
    session = browse(world.employee)
    page = session.page
    _virtual_authenticator(session)
    session.visit("/account/two-factor/")
    page.goto("/account/two-factor/webauthn/add/")
    if "/account/reauthenticate/" in page.url:  # adding a factor asks for the password again
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()
        page.wait_for_url(re.compile(r"/webauthn/add/"))
    session.check_a11y("add a security key")
    page.get_by_label("Name").fill("Laptop passkey")
    page.get_by_role("button", name="Add").click()
    page.wait_for_url(lambda url: "/webauthn/add/" not in url)
    assert Authenticator.objects.filter(user=world.employee, type="webauthn").count() == 1

    # Log out, log in again: the password, then the key.
    page.locator("details.account-menu summary").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/login/"))
    page.get_by_label("Email").fill(world.employee.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/account/two-factor/authenticate/"))
    session.check_a11y("second factor")
    page.get_by_role("button", name="Use a security key").click()
    page.wait_for_url(session.base_url + "/")
    assert "Hello, Eli" in page.content()
    session.assert_clean()
