"""A local HTTP server standing in for a Teams Workflows webhook ("Post to a channel when a
webhook request is received"): a threaded http.server on 127.0.0.1 and a random port.

It records every request as it arrived (method, path, headers, body) and answers with what
the test queued, else `always` (202 Accepted, as Workflows answers). It can be down
(connection refused) and started again on the same port."""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.standins import serve_in_thread


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)


@dataclass
class Workflows:
    port: int
    requests: list[Request] = field(default_factory=list)
    answers: list[tuple[int, dict[str, str], str]] = field(default_factory=list)
    always: tuple[int, dict[str, str], str] = (202, {}, "")
    # Seconds to wait before answering (a client's timeout).
    delay: float = 0.0
    server: ThreadingHTTPServer | None = None

    def url(self, path: str = "/workflows/abc/triggers/manual/run?sig=s3cret") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answer(self, status: int, headers: dict[str, str] | None = None, body: str = "") -> None:
        """Answer the next request with this (then the next queued, then `always`)."""
        self.answers.append((status, headers or {}, body))

    def start(self) -> Workflows:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self):
                length = int(self.headers.get("content-length") or 0)
                standin.requests.append(
                    Request(
                        method=self.command,
                        path=self.path,
                        headers={k.lower(): v for k, v in self.headers.items()},
                        body=self.rfile.read(length),
                    )
                )
                if standin.delay:
                    threading.Event().wait(standin.delay)
                status, headers, body = (
                    standin.answers.pop(0) if standin.answers else standin.always
                )
                data = body.encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_POST = _record  # noqa: N815 - http.server's names
            do_GET = _record  # noqa: N815
            do_PUT = _record  # noqa: N815

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        serve_in_thread(self.server)
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def channel_for(team, url: str, *, by, posts=("circles", "memos", "feed")):
    """A team's channel set through the settings service, as a manager would."""
    from chat import teams_settings

    return teams_settings.do_set_channel(by=by, team=team, url=url, posts=list(posts))


def drain(now=None) -> int:
    """What beat and a worker do together: the sweeper's due rows, sent."""
    from chat import delivery

    return delivery.sweep()
