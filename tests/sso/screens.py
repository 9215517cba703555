"""The screenshots in docs/screens/ (README "Single sign-on and provisioning"): our own pages,
in headless Chromium, against the real test providers. Not part of `make test` (the file name
does not start with test_); run it to refresh them:

    .venv/bin/python -m culture.devstack test tests/sso/screens.py -q
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator

from tests.sso.conftest import configure_oidc

SCREENS = Path(__file__).resolve().parents[2] / "docs" / "screens"
pytestmark = pytest.mark.e2e


def _shot(locator, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    # The sticky header would cover the top of a card scrolled under it.
    locator.page.evaluate(
        "document.querySelectorAll('.site-header').forEach(h => h.style.position = 'static')"
    )
    locator.screenshot(path=str(SCREENS / name), animations="disabled")


def test_make_screens(world, browse, browser, live_server, oidc_provider):
    row = configure_oidc(oidc_provider, email_domains="example.test", oidc_trust_emails=False)
    row.break_glass.add(world.people_admin)
    admin = browse(world.people_admin)
    page = admin.page
    page.set_viewport_size({"width": 1100, "height": 900})
    admin.visit("/settings/sso/")
    _shot(page.locator("section[aria-labelledby=paste-h]"), "sso-paste-into-idp.png")
    _shot(page.locator("section[aria-labelledby=config-h]"), "sso-settings-form.png")
    _shot(page.locator("section[aria-labelledby=test-h]"), "sso-test-button.png")
    with admin.context.expect_page() as new_tab:
        page.get_by_role("button", name="Test the connection").click()
    tab = new_tab.value
    tab.set_viewport_size({"width": 1100, "height": 900})
    tab.get_by_role("button", name="Authorize as eli").click()
    tab.wait_for_url(re.compile(r"/settings/sso/test/result/"))
    _shot(tab.locator("main"), "sso-test-result.png")

    visitor = browse()
    visitor.page.set_viewport_size({"width": 900, "height": 800})
    visitor.visit("/login/")
    visitor.page.get_by_label("Email").fill("someone@example.test")
    _shot(visitor.page.locator("main"), "login-with-sso.png")

    Authenticator.objects.filter(user=world.people_admin).delete()
    newcomer = browse()
    newcomer.page.set_viewport_size({"width": 900, "height": 1000})
    newcomer.page.goto("/login/")
    newcomer.page.get_by_label("Email").fill(world.people_admin.email)
    newcomer.page.get_by_label("Password").fill("correct-horse-battery")
    newcomer.page.get_by_role("button", name="Log in").click()
    newcomer.page.wait_for_url(re.compile(r"/login/two-factor/setup/"))
    newcomer.check_a11y("setup at login")
    _shot(newcomer.page.locator("main"), "two-factor-setup.png")
