"""`make load`: the app in production shape on 127.0.0.1, locust against it, then the check.

    python load/run.py            # LOAD_USERS=200 LOAD_DURATION=300 by default

Needs DATABASE_URL (a database of your own: it is seeded with the 10,000-person company,
flushed first if it holds another company) and REDIS_URL. Starts uvicorn (2 workers,
DEBUG=false, HTTPS=false, DB_POOL=true, static files from the manifest after collectstatic)
and one Celery worker, runs locust headless from this process's child, stops everything
(always, also on Ctrl-C or a timeout), then runs load/verify.py.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
BIN = BASE / ".venv" / "bin"
PY = str(BIN / "python")
OUT = BASE / "var" / "load"


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


def manage(*args: str, env) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=BASE, env=env, check=True, timeout=600)


def main() -> int:
    users = int(os.environ.get("LOAD_USERS", "200"))
    duration = int(os.environ.get("LOAD_DURATION", "300"))
    people = int(os.environ.get("LOAD_PEOPLE", "10000"))
    rate = float(os.environ.get("LOAD_SPAWN_RATE", "2"))
    workers = int(os.environ.get("LOAD_WORKERS", "2"))  # uvicorn processes
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        print(
            "make load needs DATABASE_URL (a database of your own; it is seeded with the "
            f"{people}-person company) and REDIS_URL",
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
    subprocess.run(
        [PY, "load/prepare.py", str(plan), "--users", str(users)],
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

    port = free_port()
    host = f"http://127.0.0.1:{port}"
    web = worker = locust = None
    web_log = open(OUT / "web.log", "w")  # noqa: SIM115 - closed in the finally below
    worker_log = open(OUT / "worker.log", "w")  # noqa: SIM115
    try:
        web = subprocess.Popen(
            [
                str(BIN / "uvicorn"),
                "culture.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--lifespan",
                "off",
                "--no-server-header",
                "--timeout-graceful-shutdown",
                "5",
                # Longer than a user's pause between clicks (see README: keep-alive).
                "--timeout-keep-alive",
                "75",
            ],
            cwd=BASE,
            env=env,
            stdout=web_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        worker = subprocess.Popen(
            [
                str(BIN / "celery"),
                "-A",
                "culture",
                "worker",
                "--loglevel=WARNING",
                "--concurrency",
                "2",
            ],
            cwd=BASE,
            env=env,
            stdout=worker_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        until = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(host + "/login/", timeout=5) as r:  # noqa: S310
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > until or web.poll() is not None:
                say("the web server did not come up; see var/load/web.log")
                return 1
            time.sleep(0.5)
        think = os.environ.get("LOAD_THINK", "2-6")
        say(
            f"app up at {host} (uvicorn x{workers}, {os.environ.get('WEB_THREADS', '2')} page"
            f" threads each, Celery worker); {users} users for {duration} s,"
            f" think time {think} s"
        )

        ramp = users / rate
        run_time = int(ramp + duration)
        busy0, all0 = machine_busy()
        web_pids, worker_pids = tree(web.pid), tree(worker.pid)
        web0, worker0 = cpu_seconds(web_pids), cpu_seconds(worker_pids)
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
            env=dict(env, LOAD_PLAN=str(plan), LOAD_SENT=str(sent), LOAD_STATS=str(stats)),
            start_new_session=True,
        )
        try:
            locust.wait(timeout=run_time + 120)
        except subprocess.TimeoutExpired:
            say("locust overran its time: stopping it")
        elapsed = time.monotonic() - started
        stop(locust, "locust")
        after = resource.getrusage(resource.RUSAGE_CHILDREN)  # only locust was reaped
        locust_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        web_cpu = cpu_seconds(web_pids) - web0
        worker_cpu = cpu_seconds(tree(worker.pid)) - worker0
        busy1, all1 = machine_busy()
        figures = {
            "seconds": round(elapsed, 1),
            "machine_busy_pct": round(100 * (busy1 - busy0) / max(1, all1 - all0), 1),
            "web_cpu_s": round(web_cpu, 1),
            "worker_cpu_s": round(worker_cpu, 1),
            "locust_cpu_s": round(locust_cpu, 1),
        }
        (OUT / "cpu.json").write_text(json.dumps(figures))
        say(
            f"CPU over {elapsed:.0f} s on {os.cpu_count()} cores: machine"
            f" {figures['machine_busy_pct']}% busy; CPU seconds: uvicorn {web_cpu:.0f},"
            f" locust {locust_cpu:.0f}, celery {worker_cpu:.0f}"
        )
    finally:
        stop(locust, "locust")
        stop(web, "uvicorn")
        stop(worker, "celery")
        web_log.close()
        worker_log.close()
    return subprocess.run(
        [PY, "load/verify.py", str(plan), str(sent), str(stats), str(OUT / "cpu.json")],
        cwd=BASE,
        env=env,
        timeout=300,
    ).returncode


if __name__ == "__main__":
    sys.exit(main())
