"""Spoofed client addresses through header names with underscores (issue 19, point 2).

In a WSGI environ `X-Forwarded-For` and `x_forwarded_for` both become HTTP_X_FORWARDED_FOR.
Django's own servers and its ASGI handler drop every header whose name has an underscore for
that reason; the page server (culture/asgi.py) must too, or a client's `x_forwarded_for` is
merged into the proxy's header and the audit log (and the lock-out, and the rate limits)
record whatever address the client chose."""

from __future__ import annotations

import asyncio

import pytest

from culture.models import AuditEvent
from tests.conftest import make_person
from tests.feedback.servers import RawClient, session_cookie_for, uvicorn_server

REAL = "203.0.113.7"  # the client, as the proxy appends it
FORGED = "198.51.100.66"

# Every way a client could try to name an address (or the body's type) with underscores.
SMUGGLED = {
    "x_forwarded_for": FORGED,
    "X_Forwarded_For": FORGED,
    "x-forwarded_for": FORGED,
    "remote_addr": FORGED,
    "x_real_ip": FORGED,
    "client_ip": FORGED,
}


@pytest.mark.django_db(transaction=True)
class TestThroughUvicorn:
    @pytest.fixture
    def server(self, redis_url):
        # Behind one proxy: the client is the last X-Forwarded-For entry.
        with uvicorn_server(redis_url=redis_url, extra_env={"PROXY_COUNT": "1"}) as base:
            yield base

    def test_an_underscore_forwarded_header_cannot_forge_the_audited_address(self, server):
        person = make_person(email="eve@example.test")
        client = RawClient(server, session_cookie_for(person))
        status, _ = client.request(
            "GET", "/pay/", headers={"X-Forwarded-For": REAL, "x_forwarded_for": FORGED}
        )
        assert status == 200
        assert list(
            AuditEvent.objects.filter(action="pay.salary.read").values_list("ip", flat=True)
        ) == [REAL]

    def test_no_underscore_header_reaches_the_client_address(self, server):
        person = make_person(email="eve@example.test")
        client = RawClient(server, session_cookie_for(person))
        for name, value in SMUGGLED.items():
            status, _ = client.request(
                "GET", "/pay/", headers={"X-Forwarded-For": REAL, name: value}
            )
            assert status == 200, name
        ips = list(AuditEvent.objects.filter(action="pay.salary.read").values_list("ip", flat=True))
        assert ips == [REAL] * len(SMUGGLED)

    def test_the_proxys_own_header_still_names_the_client(self, server):
        person = make_person(email="eve@example.test")
        client = RawClient(server, session_cookie_for(person))
        # What the client wrote comes first; the proxy appended the address it saw.
        client.request("GET", "/pay/", headers={"X-Forwarded-For": f"{FORGED}, {REAL}"})
        assert AuditEvent.objects.get(action="pay.salary.read").ip == REAL


def _environ_for(headers: list[tuple[bytes, bytes]], body: bytes = b"") -> dict:
    """The environ the page server hands Django for one request, captured by a stand-in WSGI
    application (no server, no database)."""
    from culture.asgi import Application

    seen = {}

    def wsgi_app(environ, start_response):
        seen.update(environ)
        seen["body"] = environ["wsgi.input"].read()
        start_response("204 No Content", [])
        return [b""]

    app = Application(wsgi_app, threads=1, spool_after=1024, max_body=1024 * 1024)
    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/login/",
        "raw_path": b"/login/",
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("10.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    sent = []

    async def receive():
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 204
    return seen


def test_the_page_server_drops_every_header_name_with_an_underscore():
    environ = _environ_for(
        [
            (b"x-forwarded-for", REAL.encode()),
            (b"x_forwarded_for", FORGED.encode()),
            (b"remote_addr", FORGED.encode()),
            (b"x_real_ip", FORGED.encode()),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content_type", b"multipart/form-data; boundary=evil"),
            (b"content-length", b"3"),
            (b"content_length", b"999"),
        ],
        body=b"a=b",
    )
    assert environ["HTTP_X_FORWARDED_FOR"] == REAL
    assert environ["REMOTE_ADDR"] == "10.0.0.1"
    assert environ["CONTENT_TYPE"] == "application/x-www-form-urlencoded"
    assert environ["CONTENT_LENGTH"] == "3"
    assert "HTTP_REMOTE_ADDR" not in environ
    assert "HTTP_X_REAL_IP" not in environ
    assert FORGED not in repr({k: v for k, v in environ.items() if isinstance(v, str)})


def test_repeated_headers_without_underscores_still_join():
    environ = _environ_for(
        [
            (b"x-forwarded-for", b"192.0.2.1"),
            (b"x-forwarded-for", REAL.encode()),
            (b"cookie", b"a=1"),
            (b"cookie", b"b=2"),
        ]
    )
    assert environ["HTTP_X_FORWARDED_FOR"] == f"192.0.2.1,{REAL}"
    assert environ["HTTP_COOKIE"] == "a=1; b=2"


def test_a_body_reaches_the_application_whole():
    assert _environ_for([(b"content-length", b"5")], body=b"hello")["body"] == b"hello"
