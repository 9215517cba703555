"""Single sign-on with SAML 2.0 against a real identity provider (pysaml2, signing with
xmlsec1, keys made for the test): a real Chromium logs in through it; responses with a bad
signature, another audience or a replayed assertion, crafted with the same IdP, are refused."""

from __future__ import annotations

import base64
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from culture.models import Person
from tests.sso.conftest import configure_saml
from tests.sso.saml_idp import metadata_xml, parse_authn_request, signed_response

# The test client sends HTTP_HOST, as browsers do: python3-saml reads the host from it.
ACS = "http://testserver/sso/saml/company/acs/"
OUR_ENTITY_ID = "http://testserver/sso/saml/company/metadata/"


# --- Real Chromium through the IdP process ---------------------------------------------------


@pytest.mark.e2e
def test_a_person_logs_in_through_the_saml_identity_provider(world, browse, saml_idp):
    configure_saml(metadata_url=f"{saml_idp}/metadata")
    session = browse()
    page = session.page
    session.visit("/login/")
    page.get_by_role("button", name="Continue with single sign-on").click()
    page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/sso\?SAMLRequest="))
    page.get_by_role("button", name="Sign in as eli").click()
    page.get_by_role("button", name="Continue to the application").click()
    page.wait_for_url(session.base_url + "/")
    assert "Hello, Eli" in page.content()
    # Logging out ends our session and offers the IdP's single logout.
    page.locator("details.account-menu summary").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/login/"))
    assert "/login/" in page.request.get(session.base_url + "/").url
    page.get_by_role("button", name="Log out of the identity provider too").click()
    page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/slo\?SAMLRequest="))
    assert "Logged out of the test IdP" in page.content()
    session.assert_clean()


@pytest.mark.e2e
def test_our_sp_metadata_names_the_acs_and_logout_urls(world, browse, saml_idp):
    configure_saml(metadata_url=f"{saml_idp}/metadata")
    session = browse()
    xml = session.page.request.get(session.base_url + "/sso/saml/company/metadata/").text()
    assert f"{session.base_url}/sso/saml/company/acs/" in xml
    assert f"{session.base_url}/sso/saml/company/sls/" in xml


# --- Crafted responses to the ACS (the same IdP, in this process) -----------------------------


def _start(client: Client) -> str:
    """Start a login; the AuthnRequest's ID (the InResponseTo a real answer carries)."""
    response = client.post("/sso/start/")
    url = response.context["url"]
    query = parse_qs(urlsplit(url).query)
    request = parse_authn_request(query["SAMLRequest"][0])
    assert request["acs"] == ACS and request["issuer"] == OUR_ENTITY_ID
    return request["id"]


def _post(client: Client, saml_response: str):
    parked = client.post("/sso/saml/company/acs/", {"SAMLResponse": saml_response})
    assert parked.status_code == 302
    return client.get(parked["Location"])


def _signed_in(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


@pytest.fixture
def saml(world, idp_in_process):
    configure_saml(metadata_xml=metadata_xml(idp_in_process))
    return idp_in_process


def test_a_signed_assertion_for_us_signs_the_person_in(world, saml):
    client = Client(HTTP_HOST="testserver")
    request_id = _start(client)
    answer = signed_response(
        saml,
        email="employee@example.test",
        in_response_to=request_id,
        acs_url=ACS,
        audience=OUR_ENTITY_ID,
    )
    response = _post(client, answer)
    assert response.status_code == 302 and response["Location"] == "/"
    assert _signed_in(client) == world.employee.pk


def test_an_assertion_changed_after_signing_is_refused(world, saml):
    client = Client(HTTP_HOST="testserver")
    request_id = _start(client)
    answer = signed_response(
        saml,
        email="employee@example.test",
        in_response_to=request_id,
        acs_url=ACS,
        audience=OUR_ENTITY_ID,
    )
    xml = base64.b64decode(answer).decode()
    forged = xml.replace("employee@example.test", "admin@example.test")
    assert forged != xml
    response = _post(client, base64.b64encode(forged.encode()).decode())
    assert "Single sign-on failed" in response.content.decode()
    assert _signed_in(client) is None


def test_an_assertion_issued_for_another_application_is_refused(world, saml):
    client = Client(HTTP_HOST="testserver")
    request_id = _start(client)
    answer = signed_response(
        saml,
        email="employee@example.test",
        in_response_to=request_id,
        acs_url=ACS,
        audience="https://other-app.example.test/saml/metadata",
    )
    response = _post(client, answer)
    assert "Single sign-on failed" in response.content.decode()
    assert _signed_in(client) is None


def test_a_replayed_response_is_refused(world, saml):
    victim = Client(HTTP_HOST="testserver")
    request_id = _start(victim)
    answer = signed_response(
        saml,
        email="employee@example.test",
        in_response_to=request_id,
        acs_url=ACS,
        audience=OUR_ENTITY_ID,
    )
    assert _post(victim, answer).status_code == 302
    assert _signed_in(victim) == world.employee.pk
    # The same response again: in the same browser after logging out and starting afresh...
    victim.post("/logout/")
    _start(victim)
    again = _post(victim, answer)
    assert again.status_code in (200, 403) and _signed_in(victim) is None
    # ...and in someone else's browser, with or without a login of their own under way.
    attacker = Client(HTTP_HOST="testserver")
    assert _post(attacker, answer).status_code in (200, 403)
    _start(attacker)
    assert _post(attacker, answer).status_code in (200, 403)
    assert _signed_in(attacker) is None


def test_an_unsolicited_response_is_refused(world, saml, caplog):
    # IdP-initiated: a validly signed answer to no login of ours (no InResponseTo).
    client = Client(HTTP_HOST="testserver")
    answer = signed_response(
        saml,
        email="employee@example.test",
        in_response_to=None,
        acs_url=ACS,
        audience=OUR_ENTITY_ID,
    )
    assert "InResponseTo" not in base64.b64decode(answer).decode()
    response = _post(client, answer)
    assert "Single sign-on failed" in response.content.decode()
    assert "IdP initiated SSO rejected" in caplog.text
    assert _signed_in(client) is None


def test_a_deactivated_person_cannot_log_in_through_saml(world, saml):
    client = Client(HTTP_HOST="testserver")
    request_id = _start(client)
    answer = signed_response(
        saml,
        email="inactive@example.test",
        in_response_to=request_id,
        acs_url=ACS,
        audience=OUR_ENTITY_ID,
    )
    response = _post(client, answer)
    assert response.status_code == 403
    assert "This account is deactivated" in response.content.decode()
    assert _signed_in(client) is None


def test_someone_unknown_is_refused_through_saml(world, saml):
    client = Client(HTTP_HOST="testserver")
    request_id = _start(client)
    answer = signed_response(
        saml,
        email="stranger@example.test",
        in_response_to=request_id,
        acs_url=ACS,
        audience=OUR_ENTITY_ID,
    )
    response = _post(client, answer)
    assert response.status_code == 403
    assert "nobody in Culture has that address" in response.content.decode()
    assert not Person.objects.filter(email="stranger@example.test").exists()


def test_a_people_admin_tests_the_saml_connection_without_signing_anyone_in(
    world, saml, client_for
):
    admin = client_for(world.people_admin)
    admin.defaults["HTTP_HOST"] = "testserver"
    leaving = admin.post("/settings/sso/test/")
    request = parse_authn_request(
        parse_qs(urlsplit(leaving.context["url"]).query)["SAMLRequest"][0]
    )
    answer = signed_response(
        saml,
        email="employee@example.test",
        in_response_to=request["id"],
        acs_url=ACS,
        audience=OUR_ENTITY_ID,
    )
    response = _post(admin, answer)
    assert response.status_code == 302 and response["Location"] == "/settings/sso/test/result/"
    assert _signed_in(admin) == world.people_admin.pk  # still the admin
    page = admin.get("/settings/sso/test/result/").content.decode()
    assert "The connection works" in page and "sign in Eli Employee" in page
    assert "employee@example.test" in page


def test_only_a_people_admin_can_start_a_connection_test(world, saml, client_for):
    assert client_for(world.manager).post("/settings/sso/test/").status_code == 403
