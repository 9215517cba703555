"""A real SAML 2.0 identity provider for the tests: pysaml2's Server, signing with xmlsec1.

Used two ways: in its own process as a small web server (`python -m tests.sso.saml_idp DIR
PORT`: its metadata, a login page answering the product's AuthnRequest, and single logout),
for the browser; and in the test process (`make_idp`, `signed_response`) to craft responses
(a bad signature, another audience, a replay) posted straight to the product's ACS.
"""

from __future__ import annotations

import base64
import datetime
import html
import sys
import warnings
import zlib
from pathlib import Path
from urllib.parse import parse_qs
from xml.etree import ElementTree

SHA256_SIGN = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256_DIGEST = "http://www.w3.org/2001/04/xmlenc#sha256"
USERS = {
    "eli": ("employee@example.test", "Eli Employee"),
    "stranger": ("stranger@example.test", "Stan Stranger"),
    "ida": ("inactive@example.test", "Ida Inactive"),
}


def make_keys(folder: Path) -> tuple[Path, Path]:
    """A fresh RSA key and self-signed certificate for the identity provider."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Culture test IdP")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = folder / "idp.key", folder / "idp.crt"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def make_idp(base_url: str, key_path: Path, cert_path: Path):
    warnings.simplefilter("ignore")  # pysaml2 imports cryptography's moved ciphers
    from saml2 import BINDING_HTTP_REDIRECT
    from saml2.config import IdPConfig
    from saml2.saml import NAMEID_FORMAT_EMAILADDRESS
    from saml2.server import Server

    conf = {
        "entityid": f"{base_url}/metadata",
        "service": {
            "idp": {
                "endpoints": {
                    "single_sign_on_service": [(f"{base_url}/sso", BINDING_HTTP_REDIRECT)],
                    "single_logout_service": [(f"{base_url}/slo", BINDING_HTTP_REDIRECT)],
                },
                "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                "policy": {"default": {"lifetime": {"minutes": 15}}},
            }
        },
        "key_file": str(key_path),
        "cert_file": str(cert_path),
        "xmlsec_binary": "/usr/bin/xmlsec1",
        "metadata": {},
    }
    config = IdPConfig()
    config.load(conf)
    return Server(config=config)


def metadata_xml(server) -> str:
    from saml2.metadata import create_metadata_string

    return create_metadata_string(None, config=server.config, sign=False).decode()


def parse_authn_request(saml_request: str) -> dict:
    """The ID, ACS URL and issuer of an HTTP-Redirect AuthnRequest."""
    xml = zlib.decompress(base64.b64decode(saml_request), -15)
    root = ElementTree.fromstring(xml)
    issuer = root.find("{urn:oasis:names:tc:SAML:2.0:assertion}Issuer")
    return {
        "id": root.get("ID"),
        "acs": root.get("AssertionConsumerServiceURL"),
        "issuer": issuer.text if issuer is not None else "",
    }


def signed_response(
    server, *, email: str, in_response_to: str, acs_url: str, audience: str, name: str = ""
) -> str:
    """A SAMLResponse (base64) with a signed assertion for `email`, as this IdP issues."""
    from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NameID

    response = server.create_authn_response(
        identity={"mail": [email], "displayName": [name or email]},
        in_response_to=in_response_to,
        destination=acs_url,
        sp_entity_id=audience,
        name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=email),
        authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"},
        sign_response=False,
        sign_assertion=True,
        sign_alg=SHA256_SIGN,
        digest_alg=SHA256_DIGEST,
    )
    return base64.b64encode(str(response).encode()).decode()


# --- The web server (its own process) --------------------------------------------------------


def app_for(server):
    def page(start_response, body: str, status: str = "200 OK", ctype="text/html"):
        start_response(status, [("Content-Type", f"{ctype}; charset=utf-8")])
        return [body.encode()]

    def app(environ, start_response):
        path = environ["PATH_INFO"]
        query = parse_qs(environ.get("QUERY_STRING", ""))
        if path == "/metadata":
            return page(start_response, metadata_xml(server), ctype="application/xml")
        if path == "/sso" and environ["REQUEST_METHOD"] == "GET":
            request = parse_authn_request(query["SAMLRequest"][0])
            relay = query.get("RelayState", [""])[0]
            buttons = "".join(
                f'<button type="submit" name="user" value="{u}">Sign in as {u}</button>'
                for u in USERS
            )
            hidden = "".join(
                f'<input type="hidden" name="{k}" value="{html.escape(v)}">'
                for k, v in (
                    ("id", request["id"]),
                    ("acs", request["acs"]),
                    ("sp", request["issuer"]),
                    ("relay", relay),
                )
            )
            return page(
                start_response,
                f"<!doctype html><title>Test IdP</title><h1>Test IdP</h1>"
                f'<form method="post" action="/login">{hidden}{buttons}</form>',
            )
        if path == "/login" and environ["REQUEST_METHOD"] == "POST":
            size = int(environ.get("CONTENT_LENGTH") or 0)
            form = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(size).decode()).items()}
            email, name = USERS[form["user"]]
            saml_response = signed_response(
                server,
                email=email,
                name=name,
                in_response_to=form["id"],
                acs_url=form["acs"],
                audience=form["sp"],
            )
            return page(
                start_response,
                f'<!doctype html><title>Test IdP</title><form method="post" '
                f'action="{html.escape(form["acs"])}"><input type="hidden" name="SAMLResponse" '
                f'value="{saml_response}"><input type="hidden" name="RelayState" '
                f'value="{html.escape(form.get("relay", ""))}">'
                f'<button type="submit">Continue to the application</button></form>',
            )
        if path == "/slo":
            return page(
                start_response,
                "<!doctype html><title>Test IdP</title><p>Logged out of the test IdP</p>",
            )
        return page(start_response, "not found", "404 Not Found", "text/plain")

    return app


def main() -> None:
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    folder, port = Path(sys.argv[1]), int(sys.argv[2])
    server = make_idp(f"http://127.0.0.1:{port}", folder / "idp.key", folder / "idp.crt")

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    with make_server("127.0.0.1", port, app_for(server), handler_class=Quiet) as httpd:
        print("ready", flush=True)
        httpd.serve_forever()


if __name__ == "__main__":
    main()
