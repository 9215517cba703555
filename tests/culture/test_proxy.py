"""deploy/Caddyfile run by a real Caddy in front of real web processes: the production shape of
docker-compose.yml's `proxy` and `web` services, without Docker.

The one difference from compose: there, Caddy finds the web containers by looking up the name
`web` (`dynamic a web 8000`); here the same Caddyfile lists the test's uvicorn ports instead.
Everything else (headers, load balancing, retries, the unbuffered stream) is the file as
shipped. Needs the `caddy` binary (`apt-get install caddy`; .ci/run installs it).
"""

from __future__ import annotations

import contextlib
import http.client
import http.server
import json
import os
import re
import shutil
import subprocess
import time

import psutil
import pytest
from django.urls import reverse

from culture.models import AuditEvent
from tests.conftest import build_world, make_person, require_service
from tests.faults.procs import port_open, wait_until
from tests.feedback.factories import make_circle
from tests.feedback.servers import (
    ROOT,
    RawClient,
    StreamReader,
    free_port,
    session_cookie_for,
    uvicorn_server,
)
from tests.standins import serve_in_thread

CLIENT_ADDRESS = "127.0.0.2"  # the test's "browser" connects from here; Caddy from 127.0.0.1
FORGED = "203.0.113.9"


@pytest.fixture(scope="module")
def caddy_binary():
    path = shutil.which("caddy")
    if not path:
        require_service("caddy", "not installed (apt-get install caddy)")
    return path


def caddyfile_for(upstreams: list[str]) -> str:
    """deploy/Caddyfile with the compose DNS lookup replaced by these host:port upstreams,
    and no admin endpoint (two test runs must not fight over port 2019)."""
    text = (ROOT / "deploy" / "Caddyfile").read_text()
    text, n = re.subn(r"dynamic a web 8000 \{[^}]*\}", "to " + " ".join(upstreams), text)
    assert n == 1, "the Caddyfile's web upstreams changed shape; update this test"
    text, n = re.subn(r"^\{\n", "{\n\tadmin off\n", text, count=1, flags=re.M)
    assert n == 1
    return text


@contextlib.contextmanager
def caddy(binary, upstreams: list[str], tmp_path):
    port = free_port()
    config = tmp_path / "Caddyfile"
    config.write_text(caddyfile_for(upstreams))
    env = {
        **os.environ,
        "SITE_URL": f"http://127.0.0.1:{port}",
        "HTTP_PORT": str(port),
        "HTTPS_PORT": str(free_port()),
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    log = (tmp_path / "caddy.log").open("w")
    process = subprocess.Popen(
        [binary, "run", "--config", str(config), "--adapter", "caddyfile"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until(
            lambda: process.poll() is not None or port_open(port), 20, what="caddy listening"
        )
        assert process.poll() is None, (tmp_path / "caddy.log").read_text()
        yield port
    finally:
        # Caddy's graceful shutdown waits for open connections without end by default.
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def get_from(port: int, path: str, headers: dict, source: str = CLIENT_ADDRESS):
    """A request that comes from `source`, as a browser on another machine would."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20, source_address=(source, 0))
    conn.request("GET", path, headers={"Host": f"127.0.0.1:{port}", **headers})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


# --- The headers the app receives ------------------------------------------------------------


class _Echo(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        body = json.dumps(dict(self.headers.items())).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_caddy_hands_the_app_the_clients_address_and_drops_a_forged_one(caddy_binary, tmp_path):
    echo = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    serve_in_thread(echo)
    try:
        with caddy(caddy_binary, [f"127.0.0.1:{echo.server_port}"], tmp_path) as port:
            status, body = get_from(
                port, "/people/", {"X-Forwarded-For": FORGED, "X-Forwarded-Proto": "https"}
            )
    finally:
        echo.shutdown()
    assert status == 200
    seen = json.loads(body)
    # Exactly one address, the connection's: what PROXY_COUNT=1 reads.
    assert seen["X-Forwarded-For"] == CLIENT_ADDRESS
    # The scheme the client really used (a client cannot claim https), and its Host.
    assert seen["X-Forwarded-Proto"] == "http"
    assert seen["Host"] == f"127.0.0.1:{port}"


# --- Two web processes behind it --------------------------------------------------------------


def established(port: int) -> int:
    return sum(
        1
        for c in psutil.net_connections(kind="tcp")
        if c.laddr and c.laddr.port == port and c.status == psutil.CONN_ESTABLISHED
    )


@pytest.mark.django_db(transaction=True)
def test_behind_caddy_two_web_processes_audit_the_browsers_address_and_share_the_streams(
    caddy_binary, redis_url, tmp_path
):
    world = build_world()
    extra = make_person(name="Fay Fourth", manager=world.manager)
    circle = make_circle(facilitator=world.manager, people=[world.employee, world.peer, extra])
    env = {"PROXY_COUNT": "1", "BEHIND_PROXY": "true"}
    with contextlib.ExitStack() as stack:
        web_a = stack.enter_context(uvicorn_server(redis_url=redis_url, extra_env=env))
        web_b = stack.enter_context(uvicorn_server(redis_url=redis_url, extra_env=env))
        ports = [int(w.rsplit(":", 1)[1]) for w in (web_a, web_b)]
        proxy = stack.enter_context(
            caddy(caddy_binary, [f"127.0.0.1:{p}" for p in ports], tmp_path)
        )
        base = f"http://127.0.0.1:{proxy}"

        # The audit log records the browser's address: not Caddy's, not a forged header.
        admin = session_cookie_for(world.people_admin)
        status, _ = get_from(
            proxy,
            reverse("people:export"),
            {"Cookie": f"sessionid={admin}", "X-Forwarded-For": FORGED},
        )
        assert status == 200
        row = AuditEvent.objects.filter(action="people.exported").latest("at")
        assert row.ip == CLIENT_ADDRESS

        # Live streams through Caddy land on both processes (least_conn) and every one of
        # them gets an event posted through Caddy at once: unbuffered, across Redis.
        path = reverse("feedback:stream", args=[circle.pk])
        viewers = [world.employee, world.peer, extra] * 2
        streams = [StreamReader(RawClient(base, session_cookie_for(p)), path) for p in viewers]
        try:
            for s in streams:
                assert s.status == 200
                s.wait_for(lambda e: e[1] == "changed")
            assert all(established(p) >= 2 for p in ports), [established(p) for p in ports]
            facilitator = RawClient(base, session_cookie_for(world.manager))
            facilitator.get(reverse("feedback:room", args=[circle.pk]))
            sent = time.monotonic()
            status, _ = facilitator.post(
                reverse("feedback:step", args=[circle.pk]),
                {"action": "start", "expect": "lobby:-1"},
            )
            assert status == 302
            for s in streams:
                arrived = s.wait_for(lambda e: e[1] == "changed" and e[0] > sent, timeout=5)
                assert arrived[0] - sent < 2.0
        finally:
            for s in streams:
                s.close()


@pytest.mark.django_db(transaction=True)
def test_when_one_web_process_stops_caddy_sends_every_request_to_the_other(caddy_binary, tmp_path):
    with uvicorn_server() as web_b:
        port_b = int(web_b.rsplit(":", 1)[1])
        port_a = free_port()
        with uvicorn_server(port=port_a):
            pass  # started and stopped: a process that is gone, its port refusing
        assert not port_open(port_a)
        with caddy(caddy_binary, [f"127.0.0.1:{port_a}", f"127.0.0.1:{port_b}"], tmp_path) as p:
            answers = [get_from(p, "/readyz", {})[0] for _ in range(8)]
    assert answers == [200] * 8


@pytest.mark.parametrize(
    ("site_url", "http_port", "listen"),
    [
        ("https://culture.example.com", "80", ":443"),  # automatic HTTPS (and :80 redirects)
        ("http://localhost", "80", ":80"),  # the plain-HTTP try-out
        ("http://localhost:8080", "8080", ":8080"),  # a port in SITE_URL = HTTP_PORT
    ],
)
def test_the_shipped_caddyfile_serves_site_url_on_the_ports_compose_publishes(
    caddy_binary, tmp_path, site_url, http_port, listen
):
    env = {
        **os.environ,
        "SITE_URL": site_url,
        "HTTP_PORT": http_port,
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path),
    }
    result = subprocess.run(
        [caddy_binary, "adapt", "--config", str(ROOT / "deploy" / "Caddyfile")],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert "not formatted" not in result.stderr  # caddy fmt --overwrite deploy/Caddyfile
    config = json.loads(result.stdout)
    http = config["apps"]["http"]
    assert http["http_port"] == int(http_port)
    (server,) = http["servers"].values()
    assert server["listen"] == [listen]
    assert server["routes"][0]["match"] == [{"host": [site_url.split("//")[1].split(":")[0]]}]
