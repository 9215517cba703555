"""What `make bench` needs besides the Python packages, settled before anything is measured.

- Programs: `wrk` (throughput), Chromium (first load; `CHROMIUM`, default /usr/bin/chromium)
  and, when REDIS_URL is unset, `redis-server`. Missing ones are installed with apt-get when
  the bench runs as root on a Debian-like machine; otherwise the run stops at once with the
  one command that installs them (not ten minutes later, at the first measurement that
  needs them).
- Redis: production always has one (cache, Celery broker, live-update fan-out between web
  processes), so the benchmark measures with one too. With REDIS_URL unset it starts its own
  private redis-server on a free port for the whole run and stops it at the end; no figure
  comes from the embedded stand-ins (file cache, folder queue, in-process fan-out) that only
  `make run` uses.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable

DEFAULT_CHROMIUM = "/usr/bin/chromium"


def chromium_path(environ=os.environ) -> str:
    return environ.get("CHROMIUM") or DEFAULT_CHROMIUM


def missing_packages(
    *,
    redis_url: str,
    chromium: str = DEFAULT_CHROMIUM,
    which: Callable[[str], str | None] = shutil.which,
    exists: Callable[[str], bool] = os.path.exists,
) -> list[str]:
    """The Debian packages of the programs this run needs and cannot find."""
    missing = []
    if not which("wrk"):
        missing.append("wrk")
    if not exists(chromium):
        missing.append("chromium")
    if not redis_url and not which("redis-server"):
        missing.append("redis-server")
    return missing


def install_command(packages: list[str]) -> str:
    return "sudo apt-get install -y " + " ".join(packages)


def ensure_tools(
    *,
    redis_url: str,
    chromium: str = DEFAULT_CHROMIUM,
    which: Callable[[str], str | None] = shutil.which,
    exists: Callable[[str], bool] = os.path.exists,
    euid: Callable[[], int] = os.geteuid,
    run: Callable = subprocess.run,
    say: Callable[[str], None] = print,
) -> None:
    """Return when every program is there; install what is missing as root with apt-get;
    else raise SystemExit (exit status 1) naming the command that installs them."""

    def missing():
        return missing_packages(redis_url=redis_url, chromium=chromium, which=which, exists=exists)

    packages = missing()
    if not packages:
        return
    if euid() == 0 and which("apt-get"):
        say(f"[bench] installing {' '.join(packages)} with apt-get")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run(["apt-get", "update", "-q"], env=env, check=False)
        run(
            ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages],
            env=env,
            check=False,
        )
        packages = missing()
        if not packages:
            return
    raise SystemExit(
        f"make bench needs {', '.join(packages)}, which this machine lacks. Install with:\n"
        f"    {install_command(packages)}"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pong(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class PrivateRedis:
    """A redis-server of the benchmark's own, on a free port, nothing written to disk."""

    def __init__(self):
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> PrivateRedis:
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
            ],
            stdout=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches the bench, which stops it
        )
        deadline = time.monotonic() + 10
        while not _pong(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def redis_for_bench(environ=os.environ, start=lambda: PrivateRedis().start()):
    """REDIS_URL when set (left as is); else a private redis-server, whose URL is put into
    `environ` for everything the run starts. Returns (description, private server or None)."""
    if environ.get("REDIS_URL"):
        return "REDIS_URL", None
    private = start()
    environ["REDIS_URL"] = private.url
    return f"private redis-server on port {private.port} (REDIS_URL was unset)", private
