"""A local HTTP server standing in for Slack: the OAuth v2 authorize page and the Web API
methods Culture calls, on 127.0.0.1 and a random port.

It records every request (method, path, query, headers, form or JSON body) and can be told
to misbehave: answer 429 with a Retry-After, 500, an error code such as `token_revoked`, or
be stopped altogether (connection refused) and started again on the same port.

    standin = SlackStandIn(users={"ada@example.test": "U0ADA"}).start()
    settings.SLACK_API_URL = standin.api_url
    ...
    standin.fail("chat.postMessage", status=429, headers={"Retry-After": "7"})
    [r.json for r in standin.calls("chat.postMessage")]
"""

from __future__ import annotations

import base64
import html
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.standins import serve_in_thread

TEAM_ID = "T0CULTURE"
TEAM_NAME = "Culture Test Workspace"
APP_ID = "A0CULTURE"
BOT_USER_ID = "U0BOT"
BOT_TOKEN = "xoxb-1111-2222-standintoken"
CLIENT_ID = "1234567890.9876543210"
CLIENT_SECRET = "standin-client-secret"
SIGNING_SECRET = "standin-signing-secret"
CODE = "standin-oauth-code"


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    form: dict[str, str] = field(default_factory=dict)
    json: dict | None = None

    @property
    def api_method(self) -> str:
        return self.path.removeprefix("/api/")

    @property
    def params(self) -> dict:
        """Query and body parameters together (slack-sdk puts some in each)."""
        return {**self.query, **self.form, **(self.json or {})}


@dataclass
class Failure:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: dict | None = None
    times: int | None = 1  # None: until told otherwise


class SlackStandIn:
    def __init__(self, users: dict[str, str] | None = None, port: int | None = None):
        # While it is not serving, the port is held by a bound socket that does not listen:
        # calls are refused, and no other process (a server of the other test worker) can
        # take the port and answer in Slack's place.
        self._hold: socket.socket | None = None
        self.port = self._reserve(port or 0)
        # email (lower case) -> Slack user id
        self.users: dict[str, str] = {k.lower(): v for k, v in (users or {}).items()}
        self.requests: list[Recorded] = []
        self.failures: dict[str, list[Failure]] = {}
        self.revoked = False
        self.lock = threading.Lock()
        # Seconds each API answer takes (Slack is a round trip away), and the most calls
        # it has been answering at the same time.
        self.latency = 0.0
        self.answering = 0
        self.most_at_once = 0
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    # --- control ------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    @property
    def authorize_url(self) -> str:
        return f"{self.base_url}/oauth/v2/authorize"

    def start(self) -> SlackStandIn:
        standin = self

        class Handler(_Handler):
            pass

        Handler.standin = standin
        if self._hold is not None:
            self._hold.close()
            self._hold = None
        self.server = _Server(("127.0.0.1", self.port), Handler)
        self.thread = serve_in_thread(self.server)
        return self

    def stop(self) -> None:
        """Close the port: every call is refused until start()."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
            self._reserve(self.port)

    def _reserve(self, port: int) -> int:
        """Hold `port` (0: any free one) without listening; returns it."""
        hold = socket.socket()
        hold.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        hold.bind(("127.0.0.1", port))
        self._hold = hold
        return hold.getsockname()[1]

    def fail(self, method: str, *, status: int = 200, headers=None, error=None, times=1):
        """The next `times` calls of `method` (None: all) answer this instead."""
        body = {"ok": False, "error": error} if error else None
        with self.lock:
            self.failures.setdefault(method, []).append(
                Failure(status=status, headers=headers or {}, body=body, times=times)
            )

    def heal(self) -> None:
        with self.lock:
            self.failures.clear()
            self.revoked = False

    def calls(self, method: str | None = None) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if method is None or r.api_method == method]

    def posted_to(self) -> list[str]:
        """The channel (user id) of every chat.postMessage received, in order."""
        return [r.params["channel"] for r in self.calls("chat.postMessage")]

    def _next_failure(self, method: str) -> Failure | None:
        with self.lock:
            queue = self.failures.get(method) or []
            if not queue:
                return None
            failure = queue[0]
            if failure.times is not None:
                failure.times -= 1
                if failure.times <= 0:
                    queue.pop(0)
            return failure

    # --- Slack's answers ----------------------------------------------------------------------

    def answer(self, request: Recorded) -> tuple[int, dict[str, str], dict]:
        method = request.api_method
        failure = self._next_failure(method)
        if failure is not None:
            body = failure.body if failure.body is not None else {"ok": False}
            return failure.status, failure.headers, body
        if method == "oauth.v2.access":
            return 200, {}, self._oauth_access(request)
        if request.headers.get("authorization") != f"Bearer {BOT_TOKEN}":
            return 200, {}, {"ok": False, "error": "not_authed"}
        if self.revoked:
            return 200, {}, {"ok": False, "error": "token_revoked"}
        params = request.params
        if method == "auth.test":
            return (
                200,
                {},
                {
                    "ok": True,
                    "team": TEAM_NAME,
                    "team_id": TEAM_ID,
                    "user": "culture",
                    "user_id": BOT_USER_ID,
                },
            )
        if method == "auth.revoke":
            self.revoked = True
            return 200, {}, {"ok": True, "revoked": True}
        if method == "users.lookupByEmail":
            user_id = self.users.get(str(params.get("email", "")).lower())
            if user_id is None:
                return 200, {}, {"ok": False, "error": "users_not_found"}
            return 200, {}, {"ok": True, "user": {"id": user_id, "team_id": TEAM_ID}}
        if method == "users.list":
            return 200, {}, self._users_list(params)
        if method == "chat.postMessage":
            channel = params.get("channel", "")
            if channel not in self.users.values():
                return 200, {}, {"ok": False, "error": "channel_not_found"}
            return 200, {}, {"ok": True, "channel": f"D{channel}", "ts": "1700000000.000100"}
        return 404, {}, {"ok": False, "error": "unknown_method"}

    def _oauth_access(self, request: Recorded) -> dict:
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return {"ok": False, "error": "invalid_client"}
        if request.params.get("code") != CODE:
            return {"ok": False, "error": "invalid_code"}
        self.revoked = False
        return {
            "ok": True,
            "access_token": BOT_TOKEN,
            "token_type": "bot",
            "scope": "chat:write,im:write,users:read,users:read.email",
            "bot_user_id": BOT_USER_ID,
            "app_id": APP_ID,
            "team": {"name": TEAM_NAME, "id": TEAM_ID},
            "enterprise": None,
            "authed_user": {"id": "U0ADMIN"},
        }

    def _users_list(self, params: dict) -> dict:
        limit = int(params.get("limit") or 100)
        start = int(params.get("cursor") or 0)
        everyone = [
            {"id": BOT_USER_ID, "is_bot": True, "deleted": False, "profile": {}},
            *(
                {"id": uid, "is_bot": False, "deleted": False, "profile": {"email": email}}
                for email, uid in sorted(self.users.items())
            ),
        ]
        page = everyone[start : start + limit]
        more = start + limit < len(everyone)
        return {
            "ok": True,
            "members": page,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }


class _Server(ThreadingHTTPServer):
    allow_reuse_address = True
    daemon_threads = True
    # A worker posts several messages at once (chat.slack.POSTS_IN_FLIGHT): the default
    # backlog of 5 could reset connections that Slack would take.
    request_queue_size = 64


class _Handler(BaseHTTPRequestHandler):
    standin: SlackStandIn

    def log_message(self, *args):  # quiet
        pass

    def _record(self) -> Recorded:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        content_type = self.headers.get("Content-Type", "")
        form: dict[str, str] = {}
        data = None
        if "application/json" in content_type and body:
            data = json.loads(body)
        elif "x-www-form-urlencoded" in content_type and body:
            form = {k: v[-1] for k, v in parse_qs(body.decode()).items()}
        recorded = Recorded(
            method=self.command,
            path=parts.path,
            query={k: v[-1] for k, v in parse_qs(parts.query).items()},
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            form=form,
            json=data,
        )
        with self.standin.lock:
            self.standin.requests.append(recorded)
        return recorded

    def _send(self, status: int, headers: dict[str, str], body: bytes, content_type: str):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        request = self._record()
        if request.path == "/oauth/v2/authorize":
            return self._authorize_page(request)
        if request.path == "/oauth/v2/authorize/allow":
            q = request.query
            target = q["redirect_uri"]
            sep = "&" if "?" in target else "?"
            query = {"code": CODE, "state": q.get("state", "")}
            if q.get("deny"):
                query = {"error": "access_denied", "state": q.get("state", "")}
            return self._send(
                302, {"Location": f"{target}{sep}{urlencode(query)}"}, b"", "text/plain"
            )
        return self._send(404, {}, b"not here", "text/plain")

    def do_POST(self):
        request = self._record()
        if not request.path.startswith("/api/"):
            return self._send(404, {}, b"not here", "text/plain")
        standin = self.standin
        with standin.lock:
            standin.answering += 1
            standin.most_at_once = max(standin.most_at_once, standin.answering)
        try:
            if standin.latency:
                time.sleep(standin.latency)
            status, headers, body = standin.answer(request)
        finally:
            with standin.lock:
                standin.answering -= 1
        self._send(status, headers, json.dumps(body).encode(), "application/json; charset=utf-8")

    def _authorize_page(self, request: Recorded):
        q = request.query
        fields = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(q.get(k, ""))}">'
            for k in ("redirect_uri", "state")
        )
        page = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            "<title>Slack (stand-in): allow Culture?</title></head><body><main>"
            f"<h1>Culture is asking to join {html.escape(TEAM_NAME)}</h1>"
            f"<p>Scopes: <code>{html.escape(q.get('scope', ''))}</code></p>"
            f'<form method="get" action="/oauth/v2/authorize/allow">{fields}'
            '<button type="submit">Allow</button> '
            '<button type="submit" name="deny" value="1">Cancel</button></form>'
            "</main></body></html>"
        )
        self._send(200, {}, page.encode(), "text/html; charset=utf-8")


def serving(settings):
    """For a test module's `standin` fixture (`yield from serving(settings)`): a running
    stand-in with SLACK_API_URL and SLACK_AUTHORIZE_URL pointing at it, stopped after."""
    server = SlackStandIn().start()
    settings.SLACK_API_URL = server.api_url
    settings.SLACK_AUTHORIZE_URL = server.authorize_url
    yield server
    server.stop()
