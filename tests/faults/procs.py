"""Real processes for the fault tests: a private redis-server, a private PostgreSQL, Celery
workers and a mail backend that is slow on purpose. Everything started here is stopped by
its context manager; the machine's own Postgres (5432) and Redis (6379) are never touched.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.conftest import require_service
from tests.feedback.servers import ROOT, db_url_for_tests, free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def wait_until(predicate, timeout: float = 20.0, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"{what} not met within {timeout:.0f}s")


def port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
        return True
    return False


class PrivateRedis:
    """`redis-server --port N` that a test may kill and start again on the same port."""

    def __init__(self):
        if not shutil.which("redis-server"):
            require_service("redis-server", "not installed (apt-get install redis-server)")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_until(lambda: port_open(self.port), 10, what="redis-server up")
        return self

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class PrivatePostgres:
    """An initdb'd PostgreSQL 15 in a temporary folder, run as the postgres user, with the
    schema migrated. `restart()` stops it (fast mode: every connection is cut) and starts
    it again on the same port."""

    def __init__(self):
        if not (PG_BIN / "initdb").exists() or os.geteuid() != 0:
            require_service("PostgreSQL 15 binaries", f"{PG_BIN} (run as root, as CI does)")
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="faults-pg-"))
        shutil.chown(self.dir, "postgres", "postgres")
        self.data = self.dir / "data"
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/culture"

    def _as_postgres(self, *args, check=True):
        return subprocess.run(
            ["runuser", "-u", "postgres", "--", *map(str, args)],
            check=check,
            capture_output=True,
            cwd=self.dir,
        )

    def init(self):
        self._as_postgres(PG_BIN / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres")
        self.start()
        self._as_postgres(PG_BIN / "createdb", "-h", "127.0.0.1", "-p", self.port, "culture")
        env = {**os.environ, "DATABASE_URL": self.url, "DJANGO_SETTINGS_MODULE": "culture.settings"}
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"], check=True, env=env, cwd=ROOT
        )
        return self

    def start(self):
        self._as_postgres(
            PG_BIN / "pg_ctl",
            "-D",
            self.data,
            "-l",
            self.dir / "log",
            "-w",
            "-o",
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )

    def stop(self):
        self._as_postgres(
            PG_BIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop", check=False
        )

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def celery(args: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "culture", *args], env=env, cwd=ROOT
    )


def worker_env(*, redis_url: str, mail_dir: Path, database_url: str | None = None, **extra):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.faults.worker_settings",
        "DATABASE_URL": database_url or db_url_for_tests(),
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "MAIL_URL": f"file://{mail_dir}",
        "FAULTS_MAIL_DIR": str(mail_dir),
        "CONN_MAX_AGE": "0",
        "LOG_LEVEL": "WARNING",
        **{k: str(v) for k, v in extra.items()},
    }


@contextlib.contextmanager
def worker(env: dict, *, name: str = "w1", queues_ready=None):
    """A solo-pool Celery worker; killed (SIGKILL) or stopped on exit."""
    process = celery(
        [
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"{name}@%h",
        ],
        env,
    )
    try:
        yield process
    finally:
        stop(process)


def stop(process: subprocess.Popen, timeout: float = 10):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def sent_messages(mail_dir: Path) -> list[str]:
    """Every email the file backend wrote (a line of 79 dashes separates them)."""
    messages = []
    for path in sorted(mail_dir.glob("*.log")):
        content = path.read_text()
        messages += [m for m in content.split("-" * 79 + "\n") if m.strip()]
    return messages


def message_ids(mail_dir: Path) -> list[str]:
    ids = []
    for message in sent_messages(mail_dir):
        for line in message.splitlines():
            if line.startswith("Message-ID: "):
                ids.append(line.removeprefix("Message-ID: ").strip())
    return ids
