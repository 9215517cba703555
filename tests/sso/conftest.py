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


def configure_saml(*, metadata_url: str = "", metadata_xml: str = "", **policy):
    row = IdentitySettings.load_fresh()
    row.protocol = IdentitySettings.Protocol.SAML
    row.saml_metadata_url = metadata_url
    row.saml_metadata_xml = metadata_xml
    for name, value in policy.items():
        setattr(row, name, value)
    row.save()
    return row


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def saml_idp(tmp_path_factory):
    """The pysaml2 identity provider in its own process, with keys made for this run; its
    base URL (metadata at /metadata)."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    from tests.conftest import require_service
    from tests.sso.saml_idp import make_keys

    if not shutil.which("xmlsec1"):
        require_service("xmlsec1", "apt-get install -y xmlsec1 (pysaml2 signs with it)")
    folder = tmp_path_factory.mktemp("saml-idp")
    make_keys(folder)
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.sso.saml_idp", str(folder), str(port)],
        cwd=str(Path(__file__).resolve().parents[2]),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.strip() == "ready", f"the SAML IdP did not start: {line!r}"
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def idp_in_process(tmp_path):
    """The same identity provider, in this process: for crafting responses."""
    from tests.sso.saml_idp import make_idp, make_keys

    key, cert = make_keys(tmp_path)
    return make_idp("http://idp.example.test", key, cert)
