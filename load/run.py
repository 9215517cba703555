"""`make load`: the app in production's shape on 127.0.0.1, locust against it, the check.

    python load/run.py            # LOAD_USERS=400 LOAD_DURATION=600 by default
    LOAD_DRILLS=true python load/run.py   # and kill a web process, a worker, PgBouncer

Needs DATABASE_URL (a database of your own: it is seeded with the 10,000-person company,
flushed first if it holds another company) and REDIS_URL. Starts the shape (Shape below:
nginx, 3 uvicorn processes, 2 Celery workers, beat, PgBouncer in transaction mode, each
from its template in deploy/ and with DEBUG=false, HTTPS=false, DB_POOL=true, static files
from the manifest after collectstatic), runs locust headless from this process's child,
stops everything (always, also on Ctrl-C or a timeout), then runs load/verify.py.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from string import Template
from urllib.parse import urlsplit

BASE = Path(__file__).resolve().parent.parent
BIN = BASE / ".venv" / "bin"
PY = str(BIN / "python")
OUT = BASE / "var" / "load"
PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def say(msg: str) -> None:
    print(f"load | {msg}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pids) -> float:
    """User+system CPU of these processes and their children that have exited."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    return total / tick


def tree(pid: int) -> list[int]:
    """pid and every descendant (uvicorn's and celery's worker processes)."""
    kids: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            kids.setdefault(ppid, []).append(int(d.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def machine_busy() -> tuple[int, int]:
    cpu = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = cpu[3] + cpu[4]
    return sum(cpu) - idle, sum(cpu)


def stop(proc: subprocess.Popen | None, name: str) -> None:
    if proc is None or proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        say(f"{name} did not stop in 15 s: killing it")
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def env_true(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def env_false(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"0", "false", "no", "off"}


class AtTemplate(Template):
    """ "@{name}" placeholders: nginx's configuration has $variables of its own."""

    delimiter = "@"


def render(template: str, kind: type[Template] = Template, **values) -> str:
    """deploy/<template> with its placeholders filled in."""
    return kind((BASE / "deploy" / template).read_text()).substitute(**values)


def wait_for(what: str, ready, proc: subprocess.Popen | None, timeout: float = 60) -> None:
    until = time.monotonic() + timeout
    while not ready():
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}; see var/load/")
        if time.monotonic() > until:
            raise RuntimeError(f"{what} not ready in {timeout:.0f} s; see var/load/")
        time.sleep(0.2)


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), 0.5):
            return True
    except OSError:
        return False


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:  # noqa: S310 - 127.0.0.1 only
            return r.status == 200
    except OSError:
        return False


class Shape:
    """Production's shape on this machine, every part a real process on a free port of
    127.0.0.1 with its configuration under var/load/ (README, "Scaling out"):

        nginx -> N uvicorn processes --\
                 M Celery workers ------> PgBouncer (transaction mode) -> PostgreSQL
                 one Celery beat ------/
                 (and Redis, REDIS_URL: cache, broker, the live events)

    Each process is its own process group, stopped by stop() whatever happened."""

    def __init__(self, env: dict, *, webs: int, workers: int, sso: bool):
        self.webs, self.workers, self.sso = webs, workers, sso
        self.oidc_port = free_port()
        self.oidc_users = OUT / "oidc-users.json"
        self.run = OUT / "run"
        self.bouncer_port = free_port()
        self.web_ports = [free_port() for _ in range(webs)]
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        db = urlsplit(env["DATABASE_URL"])
        self.db = db
        user = db.username or "postgres"
        auth = user + (f":{db.password}" if db.password else "")
        self.env = dict(
            env,
            DATABASE_URL=f"postgres://{auth}@127.0.0.1:{self.bouncer_port}{db.path}",
            DB_PGBOUNCER="true",
            BEHIND_PROXY="true",
            PROXY_COUNT="1",
        )
        self.procs: dict[str, subprocess.Popen] = {}
        self.logs: list = []
        self.spent: dict[str, float] = {}  # CPU of processes stopped during the run

    def prepare_args(self) -> list[str]:
        """load/prepare.py's arguments: the identity provider the SSO users log in at."""
        if not self.sso:
            return []
        return [
            "--oidc-issuer",
            f"http://127.0.0.1:{self.oidc_port}",
            "--oidc-users",
            str(self.oidc_users),
        ]

    # --- the parts ----------------------------------------------------------------------

    def _popen(self, name: str, args: list[str], env: dict | None = None) -> subprocess.Popen:
        log = open(OUT / f"{name}.log", "a")  # noqa: SIM115 - closed in stop()
        self.logs.append(log)
        proc = subprocess.Popen(
            args,
            cwd=BASE,
            env=env or self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs[name] = proc
        return proc

    def start_pgbouncer(self) -> None:
        ini = render(
            "pgbouncer.ini",
            listen_addr="127.0.0.1",
            port=self.bouncer_port,
            run_dir=self.run,
            db_host=self.db.hostname or "127.0.0.1",
            db_port=self.db.port or 5432,
            dbname=self.db.path.lstrip("/"),
            db_user=self.db.username or "postgres",
            max_client_conn=500,
            # PostgreSQL connections for the whole app: more than its two cores can keep
            # busy, fewer than max_connections (100) minus everyone else's.
            pool_size=int(os.environ.get("LOAD_PG_POOL", "12")),
            # PostgreSQL here trusts 127.0.0.1: so does PgBouncer (deploy/pgbouncer.ini).
            auth_type="any",
            auth_file=self.run / "userlist.txt",
        )
        if os.geteuid() == 0:
            ini += "user = postgres\n"  # PgBouncer refuses to run as root
        (self.run / "pgbouncer.ini").write_text(ini)
        proc = self._popen("pgbouncer", [PGBOUNCER, str(self.run / "pgbouncer.ini")])
        wait_for("pgbouncer", lambda: port_open(self.bouncer_port), proc, 15)

    def start_web(self, i: int) -> None:
        port = self.web_ports[i]
        proc = self._popen(
            f"web{i + 1}",
            [
                str(BIN / "uvicorn"),
                "culture.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--lifespan",
                "off",
                "--no-server-header",
                "--timeout-graceful-shutdown",
                "5",
                # Longer than a user's pause between clicks (see README: keep-alive).
                "--timeout-keep-alive",
                "75",
            ],
        )
        self.wait_web(i, proc)

    def wait_web(self, i: int, proc: subprocess.Popen | None = None) -> None:
        url = f"http://127.0.0.1:{self.web_ports[i]}/login/"
        wait_for(f"web{i + 1}", lambda: http_ok(url), proc or self.procs[f"web{i + 1}"], 90)

    def start_worker(self, i: int) -> None:
        self._popen(
            f"worker{i + 1}",
            [
                str(BIN / "celery"),
                "-A",
                "culture",
                "worker",
                "--loglevel=WARNING",
                "--hostname",
                f"load{i + 1}@%h",
                "--concurrency",
                "1",
            ],
        )

    def start_beat(self) -> None:
        self._popen(
            "beat",
            [
                str(BIN / "celery"),
                "-A",
                "culture",
                "beat",
                "--loglevel=WARNING",
                "--schedule",
                str(self.run / "celerybeat-schedule"),
            ],
        )

    def start_nginx(self) -> None:
        conf = render(
            "nginx.conf",
            AtTemplate,
            port=self.port,
            run_dir=self.run,
            servers="\n".join(
                f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;"
                for p in self.web_ports
            ),
        )
        (self.run / "nginx.conf").write_text(conf)
        proc = self._popen(
            "nginx",
            [
                NGINX,
                "-p",
                str(self.run),
                "-e",
                str(self.run / "nginx-error.log"),
                "-c",
                str(self.run / "nginx.conf"),
                "-g",
                "daemon off;",
            ],
        )
        wait_for("nginx", lambda: http_ok(self.url + "/login/"), proc, 15)

    def start(self) -> None:
        if self.run.exists():
            shutil.rmtree(self.run)
        self.run.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.run, "postgres")  # PgBouncer's socket, as the postgres user
        for name in ["pgbouncer", "nginx", "beat", "oidc-provider"] + [
            f"{kind}{i + 1}"
            for kind, n in (("web", self.webs), ("worker", self.workers))
            for i in range(n)
        ]:
            (OUT / f"{name}.log").write_text("")
        self.start_pgbouncer()
        for i in range(self.workers):
            self.start_worker(i)
        self.start_beat()
        # One at a time: each process compiles and imports the app on start.
        for i in range(self.webs):
            self.start_web(i)
        self.start_nginx()
        if self.sso:
            self.start_identity_provider()

    def start_identity_provider(self) -> None:
        """The company's OpenID provider: oidc-provider-mock, the real provider (discovery,
        authorization form, token endpoint, JWKS) tests/sso logs in through, knowing each SSO
        user of the plan by address. Not part of the shape measured: the app calls its token
        endpoint on each SSO login, as it would the company's provider."""
        proc = self._popen(
            "oidc-provider",
            [
                PY,
                "-m",
                "oidc_provider_mock",
                "--port",
                str(self.oidc_port),
                "--user-claims-file",
                str(self.oidc_users),
            ],
        )
        url = f"http://127.0.0.1:{self.oidc_port}/.well-known/openid-configuration"
        wait_for("oidc-provider", lambda: http_ok(url), proc, 30)

    def cpu(self) -> dict[str, float]:
        """CPU seconds so far of each kind of part (web, worker, beat, pgbouncer, nginx),
        those stopped during the run included."""
        out = dict(self.spent)
        for name, proc in self.procs.items():
            kind = name.rstrip("0123456789")
            out[kind] = out.get(kind, 0.0) + cpu_seconds(tree(proc.pid))
        return out

    def kill(self, name: str) -> None:
        """SIGKILL a part, as a crash or the out-of-memory killer would."""
        proc = self.procs[name]
        kind = name.rstrip("0123456789")
        self.spent[kind] = self.spent.get(kind, 0.0) + cpu_seconds(tree(proc.pid))
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def restart_pgbouncer(self) -> None:
        """Restart PgBouncer as for an upgrade or a changed setting. LOAD_DRILL_PGBOUNCER=
        online (the default): its online restart (`pgbouncer -R`), where the new process
        takes the sockets of the old one over its unix socket, clients and server
        connections included. hard: SIGINT (its safe shutdown, which waits for the
        transactions in progress and then closes every client connection), then started
        again on the same port."""
        old = self.procs["pgbouncer"]
        self.spent["pgbouncer"] = self.spent.get("pgbouncer", 0.0) + cpu_seconds([old.pid])
        if os.environ.get("LOAD_DRILL_PGBOUNCER", "online") == "hard":
            old.send_signal(signal.SIGINT)
            old.wait(timeout=30)
            self.start_pgbouncer()
            return
        new = self._popen("pgbouncer", [PGBOUNCER, "-R", str(self.run / "pgbouncer.ini")])
        old.wait(timeout=30)  # told to shut down by the new one once it holds the sockets
        wait_for("pgbouncer (restarted)", lambda: port_open(self.bouncer_port), new, 15)

    def drills(self, started: float, ramp: float, duration: float) -> list[dict]:
        """In a thread, during the steady state: at a quarter, kill one web process; at a
        half, one worker; at three quarters, restart PgBouncer. A killed process is started
        again 5 s later, as systemd's or compose's restart policy would."""
        steady = started + ramp
        log: list[dict] = []

        def at(fraction: float, name: str, action) -> None:
            delay = steady + fraction * duration - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            t0 = time.monotonic()
            try:
                action()
                log.append({"drill": name, "at_s": round(t0 - started, 1)})
                say(f"drill at {t0 - started:.0f} s: {name}")
            except Exception as exc:
                log.append({"drill": name, "at_s": round(t0 - started, 1), "error": repr(exc)})
                say(f"drill {name} failed: {exc!r}")

        def kill_web() -> None:
            self.kill("web1")
            time.sleep(5)
            self.start_web(0)

        def kill_worker() -> None:
            self.kill("worker1")
            time.sleep(5)
            self.start_worker(0)

        def run() -> None:
            at(0.25, "killed web process 1 (SIGKILL), started again 5 s later", kill_web)
            at(0.5, "killed Celery worker 1 (SIGKILL), started again 5 s later", kill_worker)
            how = os.environ.get("LOAD_DRILL_PGBOUNCER", "online")
            at(0.75, f"restarted PgBouncer ({how})", self.restart_pgbouncer)

        threading.Thread(target=run, daemon=True).start()
        return log

    def stop(self) -> None:
        # nginx first (no new requests), then the web processes, workers and beat, then
        # the pooler they talk to, then anything else (the identity provider).
        order = ["nginx"] + [n for n in self.procs if n.startswith("web")]
        order += [n for n in self.procs if n.startswith(("worker", "beat"))] + ["pgbouncer"]
        order += [n for n in self.procs if n not in order]
        for name in order:
            if name in self.procs:
                stop(self.procs[name], name)
        for log in self.logs:
            log.close()


def manage(*args: str, env) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=BASE, env=env, check=True, timeout=600)


def main() -> int:
    users = int(os.environ.get("LOAD_USERS", "400"))
    duration = int(os.environ.get("LOAD_DURATION", "600"))
    people = int(os.environ.get("LOAD_PEOPLE", "10000"))
    rate = float(os.environ.get("LOAD_SPAWN_RATE", "2"))
    webs = int(os.environ.get("LOAD_WEB", "3"))  # uvicorn processes behind nginx
    workers = int(os.environ.get("LOAD_WORKERS", "2"))  # Celery worker processes
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        print(
            "make load needs DATABASE_URL (a database of your own; it is seeded with the "
            f"{people}-person company) and REDIS_URL",
            file=sys.stderr,
        )
        return 2
    missing = [p for p in (PGBOUNCER, NGINX) if not Path(p).exists()]
    if missing:
        print(
            f"make load needs {', '.join(missing)}: sudo apt-get install -y nginx pgbouncer",
            file=sys.stderr,
        )
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    env = dict(
        os.environ,
        DEBUG="false",
        HTTPS="false",
        DB_POOL="true",
        STATIC_MANIFEST="true",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        # All 200 virtual users log in from 127.0.0.1: one address, unlike any real company's
        # (README, Rate limits). The other limits stay on; no user of the plan reaches them.
        RATE_LIMITS=os.environ.get("RATE_LIMITS", "login.ip=off"),
    )
    env.pop("BENCH_FLOOR", None)

    manage("migrate", "-v0", env=env)
    count = subprocess.run(
        [
            PY,
            "manage.py",
            "shell",
            "-c",
            "from culture.models import Person;"
            " print(Person.objects.filter(is_active=True).count())",
        ],
        cwd=BASE,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout.split()[-1]
    if int(count) < people:
        say(f"database has {count} active people: seeding the {people}-person company")
        manage("seed_demo", "--people", str(people), "--flush", env=env)
    manage("collectstatic", "--noinput", "-v0", env=env)

    plan, sent, stats = OUT / "plan.json", OUT / "sent.jsonl", OUT / "stats.json"
    stats.unlink(missing_ok=True)
    sent.write_text("")
    shape = Shape(env, webs=webs, workers=workers, sso=not env_false("LOAD_SSO"))
    subprocess.run(
        [PY, "load/prepare.py", str(plan), "--users", str(users), *shape.prepare_args()],
        cwd=BASE,
        env=env,
        check=True,
        timeout=300,
    )

    # Fresh planner statistics, as autovacuum keeps them in production: earlier runs'
    # writes (and, where autovacuum is off, the seed) would otherwise leave them stale.
    manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.db import connection; connection.cursor().execute('ANALYZE')",
        env=env,
    )

    locust = None
    try:
        shape.start()
        host = shape.url
        think = os.environ.get("LOAD_THINK", "2-6")
        say(
            f"up at {host}: nginx -> {webs} uvicorn processes ({os.environ.get('WEB_THREADS', '2')}"
            f" page threads each), {workers} Celery workers and beat -> PgBouncer (transaction"
            f" mode) -> PostgreSQL; {users} users for {duration} s, think time {think} s"
        )

        ramp = users / rate
        run_time = int(ramp + duration)
        busy0, all0 = machine_busy()
        cpu0 = shape.cpu()
        started = time.monotonic()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        locust = subprocess.Popen(
            [
                str(BIN / "locust"),
                "-f",
                "load/locustfile.py",
                "--headless",
                "-u",
                str(users),
                "-r",
                str(rate),
                "-t",
                f"{run_time}s",
                "--host",
                host,
                "--only-summary",
                "--stop-timeout",
                "5",
                "--loglevel",
                "WARNING",
            ],
            cwd=BASE,
            env=dict(
                env,
                LOAD_PLAN=str(plan),
                LOAD_SENT=str(sent),
                LOAD_STATS=str(stats),
            ),
            start_new_session=True,
        )
        drills = []
        if env_true("LOAD_DRILLS"):
            drills = shape.drills(started, ramp, duration)
        try:
            locust.wait(timeout=run_time + 120)
        except subprocess.TimeoutExpired:
            say("locust overran its time: stopping it")
        elapsed = time.monotonic() - started
        stop(locust, "locust")
        after = resource.getrusage(resource.RUSAGE_CHILDREN)  # only locust was reaped
        locust_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        cpu1 = shape.cpu()
        busy1, all1 = machine_busy()
        figures = {
            "seconds": round(elapsed, 1),
            "machine_busy_pct": round(100 * (busy1 - busy0) / max(1, all1 - all0), 1),
            **{f"{k}_cpu_s": round(cpu1[k] - cpu0.get(k, 0), 1) for k in cpu1},
            "locust_cpu_s": round(locust_cpu, 1),
            "shape": {"web": webs, "workers": workers, "proxy": "nginx", "pooler": "pgbouncer"},
            "drills": [d for d in drills if d.get("at_s") is not None],
        }
        (OUT / "cpu.json").write_text(json.dumps(figures))
        say(
            f"CPU over {elapsed:.0f} s on {os.cpu_count()} cores: machine"
            f" {figures['machine_busy_pct']}% busy; CPU seconds: "
            + ", ".join(f"{k} {cpu1[k] - cpu0.get(k, 0):.0f}" for k in cpu1)
            + f", locust {locust_cpu:.0f}"
        )
    finally:
        stop(locust, "locust")
        shape.stop()
    return subprocess.run(
        [PY, "load/verify.py", str(plan), str(sent), str(stats), str(OUT / "cpu.json")],
        cwd=BASE,
        env=env,
        timeout=300,
    ).returncode


if __name__ == "__main__":
    sys.exit(main())
