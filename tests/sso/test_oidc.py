"""Single sign-on with OpenID Connect, end to end: real Chromium, the product on a live server
and a real OpenID provider (oidc-provider-mock) on localhost."""

from __future__ import annotations

import re

import pytest

from culture.models import AuditEvent, Person
from tests.sso.conftest import configure_oidc

pytestmark = pytest.mark.e2e


def _sso_at_provider(session, subject: str):
    """From the login page, through "Continue with single sign-on", to the provider's form,
    and sign in there as `subject`."""
    page = session.page
    session.visit("/login/")
    page.get_by_role("button", name="Continue with single sign-on").click()
    page.wait_for_url(re.compile(r"^http://localhost:\d+/oauth2/authorize"))
    page.get_by_role("button", name=f"Authorize as {subject}").click()


def _signed_in_as(session) -> str | None:
    page = session.page
    response = page.request.get(session.base_url + "/")
    return None if "/login/" in response.url else page.title()


def test_a_person_logs_in_through_the_provider_and_lands_signed_in_as_themselves(
    world, browse, oidc_provider
):
    configure_oidc(oidc_provider)
    session = browse()
    _sso_at_provider(session, "eli")
    session.page.wait_for_url(session.base_url + "/")
    assert "Hello, Eli" in session.page.content()
    session.assert_clean()


def test_someone_the_provider_knows_but_culture_does_not_is_refused_clearly(
    world, browse, oidc_provider
):
    configure_oidc(oidc_provider)
    session = browse()
    _sso_at_provider(session, "stranger")
    page = session.page
    page.wait_for_url(re.compile(r"/sso/oidc/company/callback/"))
    assert "nobody in Culture has that address" in page.content()
    assert "stranger@example.test" in page.content()
    assert not Person.objects.filter(email="stranger@example.test").exists()
    assert session.page.request.get(session.base_url + "/").url.endswith("/login/?next=/")
    assert AuditEvent.objects.filter(action="sso.login_refused").count() == 1


def test_with_create_people_on_first_login_someone_new_gets_a_person_with_no_team(
    world, browse, oidc_provider
):
    configure_oidc(oidc_provider, create_people=True)
    session = browse()
    _sso_at_provider(session, "newbie")
    session.page.wait_for_url(session.base_url + "/")
    person = Person.objects.get(email="newbie@example.test")
    assert person.name == "Nia New" and person.team is None and person.manager is None
    assert not person.has_usable_password()


def test_a_deactivated_person_cannot_log_in_through_the_provider(world, browse, oidc_provider):
    configure_oidc(oidc_provider)
    session = browse()
    _sso_at_provider(session, "ida")
    session.page.wait_for_url(re.compile(r"/callback/"))
    assert "This account is deactivated" in session.page.content()
    assert "/login/" in session.page.request.get(session.base_url + "/").url


def test_an_email_the_provider_does_not_mark_verified_is_refused_unless_trusted(
    world, browse, oidc_provider
):
    configure_oidc(oidc_provider)
    session = browse()
    _sso_at_provider(session, "unverified")
    session.page.wait_for_url(re.compile(r"/callback/"))
    assert "did not mark it verified" in session.page.content()
    configure_oidc(oidc_provider, oidc_trust_emails=True)
    _sso_at_provider(session, "unverified")
    session.page.wait_for_url(session.base_url + "/")
    assert "Hello, Pat" in session.page.content()


def test_a_tampered_state_is_refused(world, browse, oidc_provider):
    configure_oidc(oidc_provider)
    session = browse()
    page = session.page
    captured: dict[str, str] = {}
    authorize = re.compile(r"^http://localhost:\d+/oauth2/authorize.*")

    def hold(route):
        # The provider's answer to "Authorize" is a redirect back to us with code and state:
        # take it, and do not follow it.
        if route.request.method != "POST":
            route.continue_()
            return
        answer = route.fetch(max_redirects=0)
        captured["url"] = answer.headers["location"]
        route.fulfill(status=200, body="held")

    page.route(authorize, hold)
    _sso_at_provider(session, "eli")
    page.wait_for_function("document.body.innerText.includes('held')")
    page.unroute(authorize)
    assert "state=" in captured["url"] and "code=" in captured["url"]
    tampered = re.sub(r"state=[^&]+", "state=forged0state0value", captured["url"])
    page.goto(tampered)
    assert "Single sign-on failed" in page.content()
    assert "/login/" in page.request.get(session.base_url + "/").url
    # The real answer still works once: the state was not used up by the forgery.
    page.goto(captured["url"])
    page.wait_for_url(session.base_url + "/")
    assert "Hello, Eli" in page.content()


def test_logging_out_offers_the_providers_logout(world, browse, oidc_provider):
    configure_oidc(oidc_provider)
    session = browse()
    _sso_at_provider(session, "eli")
    page = session.page
    page.wait_for_url(session.base_url + "/")
    page.locator("details.account-menu summary").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/login/"))
    assert "/login/" in page.request.get(session.base_url + "/").url  # the local session ended
    page.get_by_role("button", name="Log out of the identity provider too").click()
    page.wait_for_url(re.compile(r"^http://localhost:\d+/oauth2/end_session"))


def test_a_people_admin_tests_the_connection_and_sees_the_claims_without_signing_in(
    world, browse, oidc_provider
):
    configure_oidc(oidc_provider)
    admin = browse(world.people_admin)
    admin.visit("/settings/sso/")
    with admin.context.expect_page() as new_tab:
        admin.page.get_by_role("button", name="Test the connection").click()
    tab = new_tab.value
    tab.wait_for_url(re.compile(r"/oauth2/authorize"))
    tab.get_by_role("button", name="Authorize as eli").click()
    tab.wait_for_url(re.compile(r"/settings/sso/test/result/"))
    text = tab.locator("#sso-test-result").inner_text()
    assert "employee@example.test" in text and "verified" in text
    assert "sign in Eli Employee" in text
    assert "email_verified" in text  # the claims as received
    # Nobody was signed in: the admin is still the admin.
    assert "Ada" in admin.page.request.get(admin.base_url + "/").text()


def test_an_address_in_the_companys_domain_with_no_password_goes_to_the_provider(
    world, browse, oidc_provider
):
    configure_oidc(oidc_provider, email_domains="example.test")
    session = browse()
    page = session.page
    session.visit("/login/")
    page.get_by_label("Email").fill("employee@example.test")
    assert page.locator("#sso-domain-hint").is_visible()
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"^http://localhost:\d+/oauth2/authorize"))
    assert "login_hint=employee%40example.test" in page.url
    page.get_by_role("button", name="Authorize as eli").click()
    page.wait_for_url(session.base_url + "/")
    assert "Hello, Eli" in page.content()
