"""A local receiver that stands in for a customer's webhook endpoint.

It checks every request's Standard Webhooks signature with the endpoint's secret (a bad
signature is recorded as such and answered 401), records what arrived in order, and answers
with whatever the test queued (200 when nothing is queued). It can be stopped (connection
refused) and started again on the same port."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.standins import serve_in_thread


def verify(secret: str, headers, body: bytes) -> bool:
    """How a receiver checks a delivery (the README's five lines)."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        hmac.compare_digest(f"v1,{expected}", s) for s in headers["webhook-signature"].split()
    )


@dataclass
class Received:
    msg_id: str
    timestamp: str
    type: str
    data: dict
    occurred_at: str
    signature_ok: bool
    body: bytes


@dataclass
class Receiver:
    port: int
    secret: str = ""
    received: list[Received] = field(default_factory=list)
    answers: list[tuple[int, dict]] = field(default_factory=list)
    always: tuple[int, dict] | None = None
    delay: float = 0.0
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["content-length"]))
                ok = verify(receiver.secret, self.headers, body)
                envelope = json.loads(body)
                receiver.received.append(
                    Received(
                        msg_id=self.headers["webhook-id"],
                        timestamp=self.headers["webhook-timestamp"],
                        type=envelope["type"],
                        data=envelope["data"],
                        occurred_at=envelope["timestamp"],
                        signature_ok=ok,
                        body=body,
                    )
                )
                if receiver.delay:
                    threading.Event().wait(receiver.delay)
                if not ok:
                    status, headers = 401, {}
                elif receiver.answers:
                    status, headers = receiver.answers.pop(0)
                else:
                    status, headers = receiver.always or (200, {})
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        serve_in_thread(self.server)

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def ids(self) -> list[str]:
        return [r.msg_id for r in self.received if r.signature_ok]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def receiver():
    r = Receiver(port=free_port())
    r.start()
    yield r
    r.stop()


@pytest.fixture
def down_receiver():
    """A receiver that is not listening yet (connection refused until .start())."""
    r = Receiver(port=free_port())
    yield r
    r.stop()


def make_endpoint(*, by, url: str, events=("person.created",), receiver=None):
    from webhooks import services

    endpoint, secret = services.do_create_endpoint(by=by, url=url, events=list(events))
    if receiver is not None:
        receiver.secret = secret
    return endpoint


def drain(now=None) -> int:
    """What beat and a worker do together: the sweeper's due endpoints, each delivered."""
    from webhooks import delivery

    sent = 0
    for endpoint_id in sorted(set(delivery.due(now).values_list("endpoint_id", flat=True))):
        sent += delivery.deliver_endpoint(endpoint_id)
    return sent
