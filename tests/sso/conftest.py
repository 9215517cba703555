"""Identity providers for the single sign-on tests: real ones, started here on localhost.

- OpenID Connect: oidc-provider-mock (a real OpenID provider: discovery, authorization form,
  token and userinfo endpoints, JWKS, end_session), in a thread.
- SAML: a pysaml2 identity provider in its own process (tests/sso/saml_idp.py) with keys made
  for the test (tests/sso/samlkit.py).
"""

from __future__ import annotations

import pytest

from sso import crypto
from sso.models import IdentitySettings

OIDC_CLIENT_ID = "culture-tests"
OIDC_SECRET = "client-secret-for-tests"


def oidc_users():
    from oidc_provider_mock._storage import User

    return [
        User(
            sub="eli",
            claims={"email": "employee@example.test", "email_verified": True, "name": "Eli"},
        ),
        User(
            sub="stranger",
            claims={"email": "stranger@example.test", "email_verified": True, "name": "Stan"},
        ),
        User(
            sub="ida",
            claims={"email": "inactive@example.test", "email_verified": True, "name": "Ida"},
        ),
        User(
            sub="unverified",
            claims={"email": "peer@example.test", "email_verified": False, "name": "Pat"},
        ),
        User(
            sub="newbie",
            claims={"email": "newbie@example.test", "email_verified": True, "name": "Nia New"},
        ),
    ]


@pytest.fixture(scope="session")
def oidc_provider():
    """The running provider's issuer URL."""
    from oidc_provider_mock import run_server_in_thread

    with run_server_in_thread(user_claims=oidc_users()) as server:
        yield f"http://localhost:{server.server_port}"


def configure_oidc(issuer: str, **policy) -> IdentitySettings:
    row = IdentitySettings.load_fresh()
    row.protocol = IdentitySettings.Protocol.OIDC
    row.oidc_issuer = issuer
    row.oidc_client_id = OIDC_CLIENT_ID
    row.oidc_client_secret = crypto.encrypt(OIDC_SECRET)
    for name, value in policy.items():
        setattr(row, name, value)
    row.save()
    return row
