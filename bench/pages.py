"""The practice pages and the extra measurements of the benchmark (imported by bench/run.py).

practice_pages(): each key page of the four practices as the persona who uses it, plus the
htmx fragments those pages fetch (fragments have their own target: 0.5 x H).

extra_measurements(server=..., options=...):
  live_room    50 SSE clients in one circle over two uvicorn processes (25 each, events
               fanned out through Redis): POST to every client having the event, median/p99;
               idle connections one process holds and the memory each costs. Two processes
               only with Redis between them (bench/run.py always has one: REDIS_URL or its
               own); without, one process, and the result says so (live_room_shape).
  keeper_cycle opening a keeper cycle for the whole company with a real Celery worker and
               Redis, file mail backend: sweep start to the last message handed to the
               backend; duplicate messages counted from the mail files.
"""

from __future__ import annotations

import contextlib
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIVE_CLIENTS = 50
LIVE_ROUNDS = 30
IDLE_CONNECTIONS = 1000
SWEEP_TIMEOUT = 900  # seconds: 100,000 people's reminders are due in 300
# How often the keeper cycle's watcher asks the database whether the cycle is done (the
# figure's resolution). Each question counts the open rows of two tables as large as the
# company, so asking often takes the cores the cycle and the pages are measured on
# (bench/README.md, "eleventh round").
WATCH_EVERY = 1.0


def log(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def practice_pages() -> list[dict]:
    from culture.models import Person
    from decisions.models import Memo
    from feedback.models import Circle

    employee = Person.objects.get(email="employee@example.com")
    circle = Circle.objects.filter(title="Bench live room").order_by("-id").first()
    if circle is None:  # without bench volumes: the demo's upcoming circle
        circle = Circle.objects.exclude(phase=Circle.Phase.ENDED).order_by("-id").first()
    big = Memo.objects.filter(state=Memo.State.OPEN).order_by("-rating_count", "id").first()
    hx_feed = {"HX-Request": "true", "HX-Target": "feed-results"}
    pages = [
        {"name": "keeper manager page", "persona": "manager@example.com", "path": "/keeper/"},
        {"name": "keeper rollup", "persona": "director@example.com", "path": "/keeper/rollup/"},
        {
            "name": "circle room",
            "persona": "manager@example.com",
            "path": f"/feedback/circles/{circle.pk}/",
        },
        {
            "name": "circle room state (htmx)",
            "persona": "employee@example.com",
            "path": f"/feedback/circles/{circle.pk}/state/",
            "fragment": True,
            "headers": {"HX-Request": "true", "HX-Target": "room-live"},
        },
        {"name": "feedback inbox", "persona": "employee@example.com", "path": "/feedback/inbox/"},
        {
            "name": "feedback inbox filter (htmx)",
            "persona": "employee@example.com",
            "path": "/feedback/inbox/?kind=stop",
            "fragment": True,
            "headers": {"HX-Request": "true", "HX-Target": "inbox-results"},
        },
        {"name": "memo feed", "persona": "employee@example.com", "path": "/decisions/"},
        {
            "name": "memo feed page 2 (htmx)",
            "persona": "employee@example.com",
            "path": "/decisions/?page=2",
            "fragment": True,
            "headers": hx_feed,
        },
        {
            "name": "memo (most rated: 500)",
            "persona": "employee@example.com",
            "path": f"/decisions/{big.pk}/",
        },
        {"name": "memo search", "persona": "employee@example.com", "path": "/decisions/?q=launch"},
        {
            "name": "memo search (htmx)",
            "persona": "employee@example.com",
            "path": "/decisions/?q=billing+service",
            "fragment": True,
            "headers": hx_feed,
        },
        {"name": "pay team", "persona": "director@example.com", "path": "/pay/team/"},
        {
            "name": "pay person",
            "persona": "manager@example.com",
            "path": f"/pay/people/{employee.pk}/",
        },
    ]
    return pages


# --- the pages and API lists issues 18-25 added ----------------------------------------------

TOKEN_NAME = "bench pages"
ADMIN = "admin@example.com"


def bench_tokens() -> dict[str, str]:
    """A service API token (a people admin's, every scope) and a SCIM token for the key API
    lists, made afresh (the tokens themselves are never stored): drop_bench_tokens() after."""
    from api import tokens as api_tokens
    from api.models import SCOPES
    from culture.models import Person
    from culture.scim import tokens as scim_tokens

    drop_bench_tokens()
    admin = Person.objects.get(email=ADMIN)
    _row, api = api_tokens.do_create_token(
        by=admin, name=TOKEN_NAME, scopes=list(SCOPES), days=1, kind="service"
    )
    _row, scim = scim_tokens.do_create_token(by=admin, name=TOKEN_NAME)
    return {"api": api, "scim": scim}


def drop_bench_tokens() -> None:
    from api.models import ApiToken
    from culture.models import ScimToken

    ApiToken.objects.filter(name=TOKEN_NAME).delete()
    ScimToken.objects.filter(name=TOKEN_NAME).delete()


def integration_pages(tokens: dict[str, str]) -> list[dict]:
    """What people and integrations hit often among the pages of issues 18-25 (context,
    guides, away, notifications, account and chat settings, API tokens, webhooks, SSO and
    SCIM settings, the audit log) and the API and SCIM lists an integration polls."""
    from culture.models import Person

    employee = Person.objects.get(email="employee@example.com")
    api = {"Authorization": f"Bearer {tokens['api']}"}
    scim = {"Authorization": f"Bearer {tokens['scim']}"}
    pages = [
        {"name": "context", "persona": "employee@example.com", "path": "/context/"},
        {"name": "company context", "persona": "employee@example.com", "path": "/context/company/"},
        {"name": "guides", "persona": "employee@example.com", "path": "/guides/"},
        {"name": "away", "persona": "employee@example.com", "path": "/away/"},
        {"name": "notifications", "persona": "employee@example.com", "path": "/notifications/"},
        {"name": "account settings", "persona": "employee@example.com", "path": "/account/"},
        {"name": "chat settings", "persona": "employee@example.com", "path": "/settings/chat/"},
        {"name": "API tokens", "persona": "employee@example.com", "path": "/account/api-tokens/"},
        {"name": "service tokens", "persona": ADMIN, "path": "/settings/api-tokens/"},
        {"name": "webhooks", "persona": ADMIN, "path": "/settings/webhooks/"},
        {"name": "SSO settings", "persona": ADMIN, "path": "/settings/sso/"},
        {"name": "SCIM tokens", "persona": ADMIN, "path": "/settings/scim/"},
        {"name": "audit log", "persona": ADMIN, "path": "/audit/"},
    ]
    api_lists = [
        ("API people", "/api/v1/people/?limit=25"),
        ("API people search", "/api/v1/people/?q=an&limit=25"),
        ("API teams", "/api/v1/teams/?limit=25"),
        ("API memos", "/api/v1/memos/?limit=25"),
        ("API circles", "/api/v1/circles/?limit=25"),
        ("API feedback received", "/api/v1/feedback/received/?limit=25"),
        ("API keeper tests", "/api/v1/keeper/tests/"),
    ]
    pages += [
        {"name": name, "persona": ADMIN, "path": path, "headers": api} for name, path in api_lists
    ]
    pages += [
        {
            "name": "SCIM Users userName eq",
            "persona": ADMIN,
            "path": f"/scim/v2/Users?filter=userName%20eq%20%22{employee.email}%22",
            "headers": scim,
        },
        {
            "name": "SCIM Users page",
            "persona": ADMIN,
            "path": "/scim/v2/Users?startIndex=1&count=100",
            "headers": scim,
        },
    ]
    return pages


# --- live room ---------------------------------------------------------------------------------


def _start_server():
    from bench.run import Server

    return Server(1)


def _rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1])
    return 0


def _worker_pid(server) -> int:
    """The uvicorn process serving (with --workers 1 it is the process itself)."""
    return server.process.pid


def _pct(samples: list[float], q: float) -> float:
    s = sorted(samples)
    return round(s[min(len(s) - 1, max(0, int(round(len(s) * q)) - 1))], 1)


def live_room_shape(redis_url: str) -> dict:
    """How the live room is served: two web processes with Redis pub/sub between them, as
    production runs. Never two processes without Redis: each would only hear its own
    clients' events, and the others would catch up at the 10 s heartbeat (a p99 of 9.9 s
    measured a shape nobody deploys). Without Redis: one process, said in the results."""
    if redis_url:
        return {"processes": 2, "fan_out": "Redis pub/sub"}
    return {"processes": 1, "fan_out": "in-process (one web process: no Redis)"}


def live_room() -> dict:
    from django.db import close_old_connections

    from culture.models import Person
    from feedback.models import Circle, Participant
    from tests.feedback.servers import RawClient, StreamReader, session_cookie_for

    circle = Circle.objects.filter(title="Bench live room").order_by("-id").first()
    seats = list(
        Participant.objects.filter(circle=circle).select_related("person").order_by("position")
    )
    facilitator = circle.facilitator
    clients_people = [s.person for s in seats if s.person_id != facilitator.pk][:LIVE_CLIENTS]
    shape = live_room_shape(os.environ.get("REDIS_URL", ""))
    servers = [_start_server() for _ in range(shape["processes"])]
    result: dict = {**shape}
    try:
        fac = RawClient(servers[0].url, session_cookie_for(facilitator))
        status, _ = fac.get(f"/feedback/circles/{circle.pk}/")
        assert status == 200, status
        streams = []
        for i, person in enumerate(clients_people):
            server = servers[i % len(servers)]
            s = StreamReader(
                RawClient(server.url, session_cookie_for(person)),
                f"/feedback/circles/{circle.pk}/stream/",
            )
            assert s.status == 200, s.status
            streams.append(s)
        time.sleep(2)
        step = f"/feedback/circles/{circle.pk}/step/"
        status, _ = fac.post(step, {"action": "start"})
        assert status in (200, 302), status
        time.sleep(1)
        all_clients, per_client = [], []
        for _ in range(LIVE_ROUNDS):
            version = Circle.objects.get(pk=circle.pk).version + 1
            sent = time.monotonic()
            status, _ = fac.post(step, {"action": "extend", "minutes": 1})
            assert status in (200, 302), status
            got = []
            for s in streams:
                event = s.wait_for(
                    lambda e, v=version: e[1] == "changed" and e[2].isdigit() and int(e[2]) >= v,
                    timeout=10,
                )
                got.append((event[0] - sent) * 1000)
            per_client += got
            all_clients.append(max(got))
            time.sleep(0.2)
        for s in streams:
            s.close()
        result.update(
            {
                "clients": len(streams),
                "rounds": LIVE_ROUNDS,
                "all_clients_median_ms": round(statistics.median(all_clients), 1),
                "all_clients_p99_ms": _pct(all_clients, 0.99),
                "per_client_median_ms": round(statistics.median(per_client), 1),
                "per_client_p99_ms": _pct(per_client, 0.99),
            }
        )
        log(f"live room: {result}")
    finally:
        for server in servers:
            server.stop()
    close_old_connections()

    # Idle connections held by one process, and memory per connection.
    server = _start_server()
    try:
        person = Person.objects.get(email="employee@example.com")
        cookie = session_cookie_for(person)
        pid = _worker_pid(server)
        warm = RawClient(server.url, cookie)
        for _ in range(3):
            warm.get(f"/feedback/circles/{circle.pk}/")
        s = StreamReader(warm, f"/feedback/circles/{circle.pk}/stream/")
        time.sleep(1)
        s.close()
        time.sleep(1)
        base = _rss_kb(pid)
        idle = []
        started = time.monotonic()
        for _ in range(IDLE_CONNECTIONS):
            s = StreamReader(
                RawClient(server.url, cookie), f"/feedback/circles/{circle.pk}/stream/"
            )
            if s.status != 200:
                break
            idle.append(s)
        opened = time.monotonic() - started
        time.sleep(12)  # one heartbeat round for every connection
        rss = _rss_kb(pid)
        fac = RawClient(server.url, session_cookie_for(facilitator))
        fac.get(f"/feedback/circles/{circle.pk}/")
        before = Circle.objects.get(pk=circle.pk).version
        sent = time.monotonic()
        fac.post(f"/feedback/circles/{circle.pk}/step/", {"action": "extend", "minutes": 1})
        reached = 0
        for s in idle:
            try:
                s.wait_for(
                    lambda e: e[1] == "changed" and e[2].isdigit() and int(e[2]) > before,
                    timeout=15,
                )
                reached += 1
            except TimeoutError:
                pass
        fanout = (time.monotonic() - sent) * 1000
        for s in idle:
            s.close()
        result.update(
            {
                "idle_connections": len(idle),
                "idle_open_seconds": round(opened, 1),
                "idle_rss_base_mb": round(base / 1024, 1),
                "idle_rss_mb": round(rss / 1024, 1),
                "idle_kb_per_connection": round((rss - base) / max(len(idle), 1), 1),
                "idle_post_reached": reached,
                "idle_post_fanout_ms": round(fanout),
            }
        )
        log(f"live room idle: {result}")
    finally:
        server.stop()
    close_old_connections()
    return result


# --- keeper reminder path ----------------------------------------------------------------------


def time_now():
    from django.utils import timezone

    return timezone.now()


def keeper_cycle(probe: PageProbe | None = None) -> dict:
    """Reopen the current keeper cycle through the real sweep task on a real worker."""
    return _keeper_cycle(slack=None, probe=probe)


def keeper_cycle_slack(probe: PageProbe | None = None) -> dict:
    """keeper_cycle with Slack connected and chosen for keeper messages by everyone: each
    reminder is a Slack message (with its email held behind it) posted to a local server
    standing in for Slack's Web API in a process of its own (bench/slack_fast.py), which
    counts them. BENCH_SLACK_LATENCY: seconds each answer takes (0 by default: the machine's
    own cost of sending; Slack's servers are a round trip of tens to hundreds of ms away)."""
    from django.utils import timezone

    from bench.slack_fast import FastSlack
    from chat.models import ChatSettings, SlackInstallation, SlackUser
    from culture.models import Person
    from sso import crypto
    from tests.chat import slack_standin

    people = list(Person.objects.filter(is_active=True).values_list("pk", "email"))
    standin = FastSlack(
        slack_standin.BOT_TOKEN, latency=float(os.environ.get("BENCH_SLACK_LATENCY", "0"))
    ).start()
    company = ChatSettings.load()
    before = dict(company.default_channels)
    try:
        SlackInstallation.objects.update_or_create(
            pk=1,
            defaults={
                "team_id": slack_standin.TEAM_ID,
                "team_name": slack_standin.TEAM_NAME,
                "bot_user_id": slack_standin.BOT_USER_ID,
                "bot_token_encrypted": crypto.encrypt(slack_standin.BOT_TOKEN),
                "installed_at": timezone.now(),
                "revoked_at": None,
                "paused_until": None,
            },
        )
        # As the user sync leaves them (tests/chat/test_slack_sender.py times the sync).
        SlackUser.objects.all().delete()
        SlackUser.objects.bulk_create(
            [
                SlackUser(person_id=pk, team_id=slack_standin.TEAM_ID, slack_user_id=f"U{pk:07d}")
                for pk, _email in people
            ],
            batch_size=2000,
        )
        company.default_channels = {**before, "keeper": "slack"}
        company.save()
        result = _keeper_cycle(slack=standin, probe=probe)
        result["slack_standin_cpu_seconds"] = round(standin.cpu_seconds(), 1)
        return result
    finally:
        company.default_channels = before
        company.save()
        SlackInstallation.objects.filter(pk=1).delete()
        standin.stop()


class PageProbe:
    """Key pages fetched one after another on the bench server while something else runs
    (the keeper sweep): the wall time each request takes as a browser would see it, and the
    server's own time (Server-Timing), so a sweep that starves the web processes shows."""

    def __init__(self, base_url: str, pages: list[tuple[str, str]], pause: float = 0.1):
        self.base_url, self.pages, self.pause = base_url, pages, pause
        self.walls: list[float] = []
        self.servers: list[float] = []
        self.errors = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        from bench.run import fetch

        n = 0
        while not self._stop.is_set():
            path, cookie = self.pages[n % len(self.pages)]
            n += 1
            started = time.perf_counter()
            try:
                status, server_ms, _size = fetch(self.base_url + path, cookie)
            except Exception:  # noqa: BLE001 - an error under load is a figure, not a crash
                self.errors += 1
            else:
                self.walls.append((time.perf_counter() - started) * 1000)
                self.servers.append(server_ms)
            self._stop.wait(self.pause)

    def __enter__(self) -> PageProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=35)

    def figures(self) -> dict:
        if not self.walls:
            return {"requests": 0, "errors": self.errors}
        return {
            "pages": [path for path, _cookie in self.pages],
            "requests": len(self.walls),
            "errors": self.errors,
            "median_ms": round(statistics.median(self.walls), 1),
            "p95_ms": _pct(self.walls, 0.95),
            "p99_ms": _pct(self.walls, 0.99),
            "server_p95_ms": _pct(self.servers, 0.95),
        }


@contextlib.contextmanager
def _watching_quietly():
    """The watcher's database questions take only CPU that the cycle and the pages leave:
    its PostgreSQL backend runs at the lowest priority (when PostgreSQL runs on this machine
    and we may renice it) and without parallel workers (which would run at the normal one).
    Both are undone after."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET max_parallel_workers_per_gather = 0")
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    before = None
    try:
        # The pid is the server's: renice it only if this machine's process of that pid is
        # PostgreSQL's (a PostgreSQL elsewhere has pids of its own).
        if Path(f"/proc/{pid}/comm").read_text().strip() == "postgres":
            before = os.getpriority(os.PRIO_PROCESS, pid)
            os.setpriority(os.PRIO_PROCESS, pid, 19)
    except OSError:  # no such process here, or not ours to renice
        before = None
    try:
        yield
    finally:
        if before is not None:
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, pid, before)
        with connection.cursor() as cursor:
            cursor.execute("RESET max_parallel_workers_per_gather")


def _keeper_cycle(*, slack, probe: PageProbe | None = None) -> dict:
    import redis
    from django.conf import settings

    from chat.models import ChatDelivery
    from culture.models import Delivery, Job, Notification
    from keeper.models import KeeperCycle, KeeperTest

    def chats_exist(after: int) -> bool:
        return ChatDelivery.objects.filter(id__gt=after).exists()

    # bench/run.py always sets it: the caller's Redis or a private redis-server of its own.
    redis_url = os.environ["REDIS_URL"]
    from culture.models import CompanySettings
    from keeper.models import KeeperPolicy

    # A cycle is due now: cycles open on the 1st of their month, so open one this month and
    # give it the longest due window (60 days) so that "too late for this period" never hits.
    local = time_now().astimezone(CompanySettings.load().tz)
    KeeperPolicy.objects.filter(pk=KeeperPolicy.load().pk).update(
        opening_month=local.month, opening_hour=0, due_days=60
    )
    current = KeeperCycle.objects.current()
    if current is not None:
        # The sweep opens the cycle that is due now: take the seeded one away first.
        # Its reminders are keyed by period: forget them too, or the sweep would skip them all.
        prefix = f"keeper:{current.period_key}:"
        ChatDelivery.objects.filter(key__startswith=prefix).delete()
        Delivery.objects.filter(key__startswith=prefix).delete()
        Notification.objects.filter(key__startswith=prefix).delete()
        current.delete()
    r = redis.Redis.from_url(redis_url)
    r.delete("celery")
    mail_dir = Path(tempfile.mkdtemp(prefix="bench-mail-"))
    env = {
        **os.environ,
        "MAIL_URL": f"file://{mail_dir}",
        "DB_POOL": "false",
        "DEBUG": "false",
        **({"SLACK_API_URL": slack.api_url} if slack is not None else {}),
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "culture",
            "worker",
            "--pool=prefork",  # concurrency: WORKER_CONCURRENCY, else 2 per core
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not r.exists("_kombu.binding.celery"):
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("Celery worker did not start")
            time.sleep(0.2)
        time.sleep(2)
        from keeper.tasks import sweep

        since = Delivery.objects.order_by("-id").values_list("id", flat=True).first() or 0
        chat_since = ChatDelivery.objects.order_by("-id").values_list("id", flat=True).first() or 0
        started = time.monotonic()
        if probe is not None:
            probe.__enter__()
        sweep.apply_async()
        cycle = None
        deadline = time.monotonic() + SWEEP_TIMEOUT
        with _watching_quietly():
            while time.monotonic() < deadline:
                cycle = KeeperCycle.objects.current()
                # The opening is handed over when the sweep marks it; a large company's is
                # written by jobs (keeper.services.sweep.send_opening_messages) after that.
                if (
                    cycle is not None
                    and cycle.opening_sent_at is not None
                    and not Job.objects.filter(status__in=["pending", "running"]).exists()
                ):
                    # Not those deferred past the recipients' quiet hours (chat.DeliveryPreference):
                    # they are not due before the morning, and the run says how many there are.
                    pending = (
                        Delivery.objects.filter(id__gt=since, sent_at__isnull=True)
                        .exclude(status__in=["held", "skipped"])
                        .filter(send_after__lte=time_now())
                        .count()
                    )
                    chat_open = ChatDelivery.objects.filter(
                        id__gt=chat_since,
                        status__in=["pending", "sending"],
                        send_after__lte=time_now(),
                    ).count()
                    if (
                        pending == 0
                        and chat_open == 0
                        and (slack is None or chats_exist(chat_since))
                    ):
                        break
                time.sleep(WATCH_EVERY)
        sweep_done = time.monotonic() - started
        if probe is not None:
            probe.__exit__(None, None, None)
        deliveries = Delivery.objects.filter(id__gt=since)
        total = deliveries.count()
        sent = deliveries.filter(sent_at__isnull=False)
        first = sent.order_by("sent_at").values_list("sent_at", flat=True).first()
        last = sent.order_by("-sent_at").values_list("sent_at", flat=True).first()
        time.sleep(1)
        texts = []
        for path in sorted(mail_dir.glob("*.log")):
            content = path.read_text()
            texts += [m for m in content.split("-" * 79 + "\n") if m.strip()]
        # A message handed over twice is identical but for its Date and Message-ID headers.
        keys = [re.sub(r"^(Date|Message-ID): .*$", "", m, flags=re.M) for m in texts]
        result = {
            "people": KeeperTest.objects.filter(cycle=cycle).count() if cycle else 0,
            "cycle": cycle.label if cycle else None,
            "deliveries": total,
            "sent": sent.count(),
            # Held for a digest, or not due before the end of the recipient's quiet hours.
            "held": deliveries.filter(status="held").count(),
            "deferred": deliveries.filter(sent_at__isnull=True, status="pending")
            .filter(send_after__gt=time_now())
            .count(),
            "mail_files_messages": len(texts),
            "duplicates": len(keys) - len(set(keys)),
            "seconds_to_last_message": round(sweep_done, 1),
            "send_window_seconds": round((last - first).total_seconds(), 1) if first else None,
            "worker": f"celery prefork, {settings.CELERY_WORKER_CONCURRENCY} processes",
            "timed_out": sweep_done >= SWEEP_TIMEOUT,
        }
        if probe is not None:
            result["pages_during_sweep"] = probe.figures()
        if slack is not None:
            chats = ChatDelivery.objects.filter(id__gt=chat_since)
            posts = slack.posts()
            result.update(
                {
                    "slack_messages": chats.count(),
                    "slack_sent": chats.filter(status="sent").count(),
                    "slack_held": chats.filter(status="held").count(),
                    "slack_deferred": chats.filter(
                        status="pending", send_after__gt=time_now()
                    ).count(),
                    "slack_posts": len(posts),
                    "slack_duplicates": len(posts) - len(set(posts)),
                    "emails_skipped": deliveries.filter(status="skipped").count(),
                    "slack_latency_seconds": slack.latency,
                    "slack_most_posts_at_once": slack.most_at_once,
                }
            )
        log(f"keeper cycle{' (Slack)' if slack is not None else ''}: {result}")
        return result
    finally:
        os.killpg(worker.pid, 15)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, 9)


def extra_measurements(*, server, options) -> dict:
    from bench.run import session_cookie

    def probe() -> PageProbe:
        return PageProbe(
            server.url,
            [
                ("/", session_cookie("employee@example.com")),
                ("/keeper/", session_cookie("manager@example.com")),
            ],
        )

    out = {}
    for name, fn in (
        ("live_room", live_room),
        ("keeper_cycle", lambda: keeper_cycle(probe())),
        ("keeper_cycle_slack", lambda: keeper_cycle_slack(probe())),
    ):
        try:
            out[name] = fn()
        except Exception as exc:  # one failed measurement must not lose the rest of the run
            log(f"{name} failed: {exc!r}")
            out[name] = {"error": repr(exc)}
    return out
