"""Requests: CSRF and foreign origins refused on every state-changing URL; no GET changes
state; every GET response carries the security headers (walked over every URL x persona)."""

from __future__ import annotations

import re

import pytest
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client

from tests.conftest import PERSONAS, build_world
from tests.security.checks import gets_that_change_state
from tests.security.helpers import (
    CASES,
    allowed_persona,
    body,
    client,
    fingerprint,
    load_singletons,
)

# POSTs that cannot carry our CSRF token, each with what protects it instead.
CSRF_EXEMPT = {
    # The identity provider's browser POST to the SAML ACS comes from the provider's page
    # (another site). The ACS only parks it in a cookie for the same-site GET that finishes
    # the login, which accepts a signed assertion for our audience answering a login this
    # browser's session started (its InResponseTo state, used once): tests/sso/test_saml.py.
    "saml_acs": "signed SAML response bound to the session's login state",
    # The public API's writes: only a bearer token opens them and a session cookie counts for
    # nothing there, so a forged cross-site request carries no authority (401 to every
    # persona's session: tests/api/access_matrix.py; tests/api/test_tokens.py).
    "api:memo_create": "bearer token only; a session opens no API route",
    "api:memo_rate": "bearer token only; a session opens no API route",
    "api:keeper_answer": "bearer token only; a session opens no API route",
}
POSTS = sorted(
    n
    for n, s in CASES.items()
    if s.method == "post" and allowed_persona(s) and n not in CSRF_EXEMPT
)
GETS = sorted(n for n, s in CASES.items() if s.method == "get")
FOREIGN = "https://evil.example"


def _token(c: Client) -> str:
    """A valid CSRF secret in the cookie; the same value is a valid header token."""
    secret = _get_new_csrf_string()
    c.cookies["csrftoken"] = secret
    return secret


# POST cases that every persona is refused have no one to attack with; each is named here with
# why, so that a new one is a decision, not an accident. Every other POST case of the matrix
# is attacked below (CSRF is checked by the middleware before any view runs).
REFUSED_TO_ALL = {
    "decisions:hand_over": "the matrix's memo is not the persona's to hand over",
    "decisions:hand_over#draft": "a draft's hand-over: refused to all",
    "decisions:rate#draft": "a draft cannot be rated",
    "decisions:step#post": "a step on a memo in the wrong state",
    "away:delete": "someone else's time away: 404 to all but its owner (away:delete#own)",
    "chat:slack_app#invalid": "invalid credentials: 422 (chat:slack_app is attacked)",
    "chat:slack_install#no-app": "no app set up yet: 400 (chat:slack_install is attacked)",
    "chat:slack_check": "Slack not connected in the matrix's world: 400 to people admins",
    "chat:slack_disconnect": "Slack not connected in the matrix's world: 400 to people admins",
    "chat:slack_events": "Slack's signed callback: 403 without the signature "
    "(tests/chat/test_slack_pages.py)",
}


def test_the_state_changing_cases_are_attacked():
    posts = [n for n, s in CASES.items() if s.method == "post"]
    assert set(posts) - set(POSTS) - set(CSRF_EXEMPT) == set(REFUSED_TO_ALL)


@pytest.mark.django_db
def test_the_saml_acs_writes_nothing_for_a_foreign_post():
    # The one CSRF-exempt POST: whatever is posted, it only sets a cookie and redirects to
    # the finishing GET (which, with no provider set up, finds none).
    build_world()
    before = fingerprint()
    c = Client(enforce_csrf_checks=True)
    response = c.post(
        "/sso/saml/company/acs/", {"SAMLResponse": "forged"}, headers={"Origin": FOREIGN}
    )
    assert response.status_code == 302 and fingerprint() == before


@pytest.mark.django_db
@pytest.mark.parametrize("name", POSTS)
def test_post_without_csrf_token_or_from_foreign_origin_is_refused(name):
    world = build_world()
    spec = CASES[name]
    extra = spec.setup(world) if spec.setup else {}
    persona = allowed_persona(spec)
    c = client(world, persona, enforce_csrf_checks=True)
    token = _token(c)
    before = fingerprint()
    url = spec.url(world, extra)
    attempts = {
        "no token": {},
        "no token, htmx": {"HX-Request": "true"},
        "token, foreign origin": {"X-CSRFToken": token, "Origin": FOREIGN},
        "token, foreign origin, htmx": {
            "X-CSRFToken": token,
            "Origin": FOREIGN,
            "HX-Request": "true",
        },
        "wrong token": {"X-CSRFToken": "x" * 32},
    }
    for label, headers in attempts.items():
        data = spec.data(world, extra) if spec.data else None
        response = c.post(url, data=data, headers={**spec.headers, **headers})
        assert response.status_code == 403, f"{name} {label}: {response.status_code}"
        assert fingerprint() == before, f"{name} {label}: the database changed"
    # Control: the same request with the token from the same origin goes through.
    data = spec.data(world, extra) if spec.data else None
    headers = {**spec.headers, "X-CSRFToken": token, "Origin": "http://testserver"}
    response = c.post(url, data=data, headers=headers)
    assert response.status_code == spec.expected(persona), name


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _check_headers(response, where: str) -> list[str]:
    problems = []
    for header, value in SECURITY_HEADERS.items():
        if response.headers.get(header) != value:
            problems.append(f"{where}: {header}={response.headers.get(header)!r}")
    csp = response.headers.get("Content-Security-Policy", "")
    if "frame-ancestors 'none'" not in csp or "default-src 'self'" not in csp:
        problems.append(f"{where}: CSP {csp!r}")
    if "unsafe-inline" in csp or "unsafe-eval" in csp:
        problems.append(f"{where}: unsafe CSP {csp!r}")
    if response.headers.get("X-Frame-Options") not in ("DENY",):
        problems.append(f"{where}: X-Frame-Options={response.headers.get('X-Frame-Options')!r}")
    content_type = response.headers.get("Content-Type", "")
    if content_type.startswith("text/html") and response.status_code == 200:
        text = body(response)
        nonce = re.search(r"'nonce-([^']+)'", csp)
        if "<script" in text:
            if not nonce:
                problems.append(f"{where}: scripts but no nonce in CSP")
            else:
                for tag in re.findall(r"<script\b[^>]*>", text):
                    if f'nonce="{nonce.group(1)}"' not in tag:
                        problems.append(f"{where}: script without the nonce: {tag}")
    return problems


@pytest.mark.django_db
@pytest.mark.parametrize("name", GETS)
def test_no_get_changes_state_and_every_response_has_security_headers(name):
    """Every GET URL x every persona: the database (all tables but sessions, login attempts
    and the append-only audit log) is unchanged, and the response carries the headers."""
    world = build_world()
    spec = CASES[name]
    extra = spec.setup(world) if spec.setup else {}
    clients = {p: client(world, p) for p in PERSONAS}
    load_singletons()
    problems = []

    def headers(persona, response):
        problems.extend(_check_headers(response, f"{name} as {persona} ({response.status_code})"))

    problems += gets_that_change_state(
        clients, spec.url(world, extra), spec.headers, on_response=headers
    )
    assert not problems, "\n".join(problems)
