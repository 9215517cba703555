"""Real uvicorn processes against the test database, and a tiny raw HTTP/SSE client.

Used by the live tests (two processes fanned out through Redis, Redis down) and the browser
test. Data must be committed (transactional tests): the server is another process.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def db_url_for_tests() -> str:
    from django.db import connection

    s = connection.settings_dict
    return (
        f"postgres://{s['USER'] or 'postgres'}"
        + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
        + f"@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    )


# The process behind each running server's base URL (see server_threads).
_pids: dict[str, int] = {}


def server_threads(base: str) -> int:
    """How many threads the uvicorn process serving `base` has now (Linux's /proc)."""
    with open(f"/proc/{_pids[base]}/status") as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    raise RuntimeError("no thread count")


@contextlib.contextmanager
def uvicorn_server(*, redis_url: str = "", extra_env: dict | None = None, port: int = 0):
    """Start `uvicorn culture.asgi:application` on a free port; yields its base URL."""
    port = port or free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "culture.test_settings",
        "DATABASE_URL": db_url_for_tests(),
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url or "memory://",
        "CONN_MAX_AGE": "0",
        "LOG_LEVEL": "WARNING",
        "DJANGO_ALLOW_ASYNC_UNSAFE": "",
        **(extra_env or {}),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "culture.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
            "--timeout-graceful-shutdown",
            "1",
        ],
        env=env,
        cwd=str(ROOT),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        # It imports every URL module before it listens (culture/asgi.py): seconds of CPU,
        # which on a 2-core machine running two test workers can take most of a minute.
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError("uvicorn did not start") from None
                time.sleep(0.1)
        _pids[base] = process.pid
        yield base
    finally:
        _pids.pop(base, None)
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def session_cookie_for(person) -> str:
    """A committed session for `person` (as a login would create)."""
    from django.test import Client

    client = Client()
    client.force_login(person)
    return client.cookies["sessionid"].value


class RawClient:
    """Just enough HTTP for the tests: cookies, CSRF, and reading an SSE stream."""

    def __init__(self, base_url: str, sessionid: str | None):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.cookies = {"sessionid": sessionid} if sessionid else {}
        self.csrf = ""

    def _headers(self, extra=None):
        headers = {"Host": f"{self.host}:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        headers.update(extra or {})
        return headers

    def _remember(self, response):
        for key, value in response.getheaders():
            if key.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";")[0]

    def request(self, method, path, body=None, headers=None, timeout=10):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        conn.request(method, path, body=body, headers=self._headers(headers))
        response = conn.getresponse()
        data = response.read().decode()
        self._remember(response)
        conn.close()
        return response.status, data

    def get(self, path, headers=None):
        status, data = self.request("GET", path, headers=headers)
        match = re.search(r'"X-CSRFToken": "([^"]+)"', data)
        if match:
            self.csrf = match.group(1)
        return status, data

    def post(self, path, data: dict, headers=None):
        from urllib.parse import urlencode

        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-CSRFToken": self.csrf,
            **(headers or {}),
        }
        return self.request("POST", path, body=urlencode(data), headers=headers)

    def open_stream(self, path, headers=None, timeout=30):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        conn.request(
            "GET", path, headers=self._headers({"Accept": "text/event-stream", **(headers or {})})
        )
        return conn, conn.getresponse()


class StreamReader:
    """Reads SSE events in a thread; `events` is a list of (monotonic time, name, data)."""

    def __init__(self, client: RawClient, path: str, headers=None):
        self.conn, self.response = client.open_stream(path, headers=headers)
        self.status = self.response.status
        self.events: list[tuple[float, str, str]] = []
        self.raw: list[str] = []
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, daemon=True)
        if self.status == 200:
            self._thread.start()

    def _run(self):
        name, data = "message", ""
        try:
            while True:
                line = self.response.fp.readline()
                if not line:
                    break
                text = line.decode()
                self.raw.append(text)
                text = text.rstrip("\r\n")
                if text == "":
                    if data or name != "message":
                        with self._cond:
                            self.events.append((time.monotonic(), name, data))
                            self._cond.notify_all()
                    name, data = "message", ""
                elif text.startswith("event:"):
                    name = text[6:].strip()
                elif text.startswith("data:"):
                    data = text[5:].strip()
        except OSError:
            pass

    def wait_for(self, predicate, timeout=10.0):
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for event in self.events:
                    if predicate(event):
                        return event
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no matching event; got {self.events}")
                self._cond.wait(left)

    def close(self):
        with contextlib.suppress(Exception):
            self.conn.sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(Exception):
            self.conn.close()
