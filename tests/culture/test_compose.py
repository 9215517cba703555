"""docker-compose.yml and deploy/Caddyfile: the production shape, read from the files, and
each container health check run for real against the processes it checks.

Docker does not run in CI, so nothing here starts a container: the structure is checked by
reading the files, and each health check's own command is run against a real uvicorn, a
real Celery worker (on a private Redis) or the test database, as the container would run it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from django.urls import reverse
from django.utils import timezone

from tests.faults.procs import PrivateRedis, celery, stop, wait_until, worker_env
from tests.feedback.servers import ROOT, db_url_for_tests, free_port, uvicorn_server

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
CADDYFILE = (ROOT / "deploy" / "Caddyfile").read_text()


def compose_default(value: str) -> str:
    """`${NAME:-default}` -> default (what compose uses when .env does not set NAME)."""
    match = re.fullmatch(r"\$\{\w+:-(.*)\}", value)
    return match.group(1) if match else value


def healthcheck(service: str) -> list[str]:
    return SERVICES[service]["healthcheck"]["test"]


def container_env(**extra) -> dict[str, str]:
    """The environment a check runs in: this venv's tools on PATH, as /opt/venv in the image."""
    env = {**os.environ, **extra}
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '')}"
    return env


def run_check(test: list[str], env: dict, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run a compose health check's `test` the way Docker does (after compose's `$$` -> `$`)."""
    kind, *args = test
    args = [a.replace("$$", "$") for a in args]
    if kind == "CMD-SHELL":
        args = ["/bin/sh", "-c", args[0]]
    else:
        assert kind == "CMD", test
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


# --- The shape ----------------------------------------------------------------------------


def test_only_the_proxy_publishes_ports_so_web_can_be_scaled():
    published = sorted(name for name, service in SERVICES.items() if service.get("ports"))
    assert published == ["proxy"]
    assert SERVICES["web"]["expose"] == ["8000"]
    # Caddy listens on the same port numbers it publishes (a SITE_URL with a port included).
    assert SERVICES["proxy"]["ports"][:2] == [
        "${HTTP_PORT:-80}:${HTTP_PORT:-80}",
        "${HTTPS_PORT:-443}:${HTTPS_PORT:-443}",
    ]
    assert SERVICES["proxy"]["depends_on"]["web"]["condition"] == "service_healthy"
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in SERVICES["proxy"]["volumes"]


def test_web_trusts_exactly_the_one_proxy_in_front_of_it():
    env = SERVICES["web"]["environment"]
    assert compose_default(env["PROXY_COUNT"]) == "1"
    assert compose_default(env["BEHIND_PROXY"]) == "true"
    # Caddy passes the client on, to every web replica (one upstream per address of `web`).
    assert re.search(r"dynamic a web 8000\b", CADDYFILE)
    assert "lb_policy least_conn" in CADDYFILE
    assert "{$SITE_URL:http://localhost}" in CADDYFILE
    assert compose_default(SERVICES["proxy"]["environment"]["SITE_URL"]) == (
        compose_default(SERVICES["web"]["environment"]["SITE_URL"])
    )


def go_path_match(pattern: str, path: str) -> bool:
    """Caddy's path matcher with a `*` in the middle: Go's path.Match (no `/` in a `*`)."""
    regex = "".join("[^/]*" if c == "*" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, path) is not None


def test_the_proxy_streams_the_live_room_unbuffered_and_only_the_live_room():
    pattern = re.search(r"@stream path (\S+)", CADDYFILE).group(1)
    assert go_path_match(pattern, reverse("feedback:stream", args=[42]))
    assert not go_path_match(pattern, reverse("feedback:room", args=[42]))
    stream_block = CADDYFILE[CADDYFILE.index("handle @stream {") :].split("\n\t}\n")[0]
    assert "flush_interval -1" in stream_block
    assert CADDYFILE.count("flush_interval") == 1


def test_the_app_reaches_postgresql_through_pgbouncer_in_transaction_mode_and_migrate_directly():
    for name in ("web", "worker", "beat"):
        env = SERVICES[name]["environment"]
        assert "@pgbouncer:6432/culture" in env["DATABASE_URL"], name
        assert env["DB_PGBOUNCER"] == "true", name
        assert SERVICES[name]["depends_on"]["pgbouncer"]["condition"] == "service_healthy", name
    # DDL and the migrations' own bookkeeping go straight to the database.
    migrate = SERVICES["migrate"]["environment"]
    assert "@db:5432/culture" in migrate["DATABASE_URL"]
    assert migrate["DB_PGBOUNCER"] == "false"
    # The service fills in every placeholder of the template make load runs too.
    template = (ROOT / "deploy" / "pgbouncer.ini").read_text()
    assert re.search(r"^pool_mode = transaction$", template, re.M)
    settings_part = template.split("[databases]", 1)[1]
    placeholders = set(re.findall(r"\$\{(\w+)\}", settings_part))
    assert placeholders <= set(SERVICES["pgbouncer"]["environment"])
    assert SERVICES["pgbouncer"]["environment"]["auth_type"] == "scram-sha-256"
    # Reachable from the other containers, and its healthcheck's pg_isready is in its image.
    assert SERVICES["pgbouncer"]["environment"]["listen_addr"] == "*"
    assert "postgresql-client" in SERVICES["pgbouncer"]["build"]["dockerfile_inline"]
    assert "envsubst < /etc/pgbouncer/culture.ini.template" in " ".join(
        SERVICES["pgbouncer"]["command"]
    )
    assert "pgbouncer" not in {n for n, s in SERVICES.items() if s.get("ports")}


def test_readme_tells_how_to_scale_web_and_worker_and_never_beat():
    readme = (ROOT / "README.md").read_text()
    assert "docker compose up -d --scale web=3" in readme
    assert "--scale worker=" in readme
    assert "never scale it" in readme


# --- web: /readyz ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_web_health_check_passes_when_the_database_answers_and_fails_when_not():
    check = healthcheck("web")
    assert "/readyz" in check[-1] and "/healthz" not in check[-1]
    env = container_env(ALLOWED_HOSTS="127.0.0.1,localhost")
    with uvicorn_server() as base:
        port = base.rsplit(":", 1)[1]
        test = [part.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for part in check]
        result = run_check(test, env)
        assert result.returncode == 0, result.stderr
    unreachable = f"postgres://postgres@127.0.0.1:{free_port()}/culture"
    with uvicorn_server(extra_env={"DATABASE_URL": unreachable}) as base:
        port = base.rsplit(":", 1)[1]
        test = [part.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for part in check]
        result = run_check(test, env)
        assert result.returncode != 0
        assert "HTTP Error 503" in result.stderr


# --- worker: a Celery ping of this worker ---------------------------------------------------


@pytest.mark.django_db
def test_the_worker_health_check_pings_this_worker_and_fails_for_another(tmp_path):
    check = healthcheck("worker")
    assert check[0] == "CMD-SHELL" and "inspect ping" in check[1]
    hostname = f"culture-worker-{uuid.uuid4().hex[:8]}"
    with PrivateRedis() as broker:
        env = worker_env(redis_url=broker.url, mail_dir=tmp_path)
        worker = celery(
            ["worker", "--pool=solo", "--loglevel=WARNING", "-n", f"celery@{hostname}"], env
        )
        try:
            import redis

            client = redis.Redis.from_url(broker.url)
            # Ready for remote control once its broadcast queue is bound.
            wait_until(
                lambda: worker.poll() is not None or client.exists("_kombu.binding.celery.pidbox"),
                timeout=60,
                what="the worker's control queue",
            )
            # As in the container: HOSTNAME is the worker's host name, so its node name.
            ours = run_check(check, container_env(**{**env, "HOSTNAME": hostname}))
            assert ours.returncode == 0, ours.stdout + ours.stderr[-2000:]
            # No worker answers for another name, whatever the wait: the command as written
            # would wait its full 10 s for that silence, so this asks with a 2 s wait.
            assert "--timeout 10" in check[1]
            other_check = [check[0], check[1].replace("--timeout 10", "--timeout 2")]
            other = run_check(
                other_check, container_env(**{**env, "HOSTNAME": "another-container"})
            )
            assert other.returncode != 0
        finally:
            stop(worker)


# --- beat: the heartbeat's age --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_beat_health_check_passes_on_a_fresh_heartbeat_and_fails_on_a_stale_one(tmp_path):
    from culture.models import Heartbeat

    check = healthcheck("beat")
    assert check[1:] == ["python", "manage.py", "beat_alive", "--max-age", "180"]
    check = ["CMD", sys.executable, *check[2:]]
    env = container_env(
        DJANGO_SETTINGS_MODULE="culture.settings",
        DATABASE_URL=db_url_for_tests(),
        VAR_DIR=str(tmp_path),
    )
    Heartbeat.objects.create(name="beat", at=timezone.now() - timedelta(seconds=70))
    fresh = run_check(check, env)
    assert fresh.returncode == 0, fresh.stderr
    Heartbeat.objects.filter(name="beat").update(at=timezone.now() - timedelta(minutes=4))
    stale = run_check(check, env)
    assert stale.returncode == 1
    assert "more than 180 s" in stale.stderr
