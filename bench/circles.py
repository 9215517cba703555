"""A hundred live circles at once, then 5,000 idle streams through a deploy (issue 26).

    # alone, on DATABASE_URL (migrated) and REDIS_URL, with its own two uvicorn processes:
    .venv/bin/python bench/circles.py [--circles 100] [--size 10] [--seconds 90] [--idle 5000]
    # from bench/run.py, once Django is set up (bench.run.django_setup):
    from bench.circles import measure; results["circles"] = measure()

Two web processes (one uvicorn worker each, on their own ports, as two machines behind a
proxy) with Redis pub/sub between them, and one asyncio client in this process playing
every browser over raw HTTP/1.1 (the venv has no async HTTP client, and 5,000 threads of
tests.feedback.servers.StreamReader would measure the client).

1. **A hundred circles**: `--circles` circles of `--size` people, each person's browser
   holding the room's stream. A third of the circles have all their browsers on the first
   process, a third on the second, a third split between both, so each process has circles
   it has no stream for. Each facilitator extends the timer every 15 to 45 s, each other
   person writes an item every 30 to 90 s (uniformly drawn), for `--seconds`; browsers
   re-fetch the room fragment as static/js/feedback.js does (not on an "N/M" count they
   can apply in place). The POSTs of one circle are sent one at a time (the client then
   knows the version each makes: the run checks no other change moved a circle's version).
   Figures: per POST, the time from sending it to the *last* browser of that circle having
   the event (p50/p95/p99: the target is p99 <= 50 ms), and per browser; per process, the
   Redis messages its listener received and how many were for a circle it had no stream in
   (`/bench/live/`, BENCH_FLOOR only: the target is 0), cross-checked with PUBSUB NUMSUB.
2. **5,000 idle streams** (the same people, several tabs each, spread over both processes,
   the processes restarted first so that the baseline is clean): each process's RSS growth
   per stream after a heartbeat round (target <= 60 KB). Then a **deploy**: both processes
   get SIGTERM (graceful shutdown 5 s, as the Dockerfile) and start again on the same
   ports. Each browser behaves as EventSource and feedback.js: it reconnects after the
   stream's `retry:` delay while refused, after 5 to 15 s when a stream is answered with
   an error status, and polls the room fragment every 3 s meanwhile (at once after an error
   status, after 10 s without a stream after a drop). Figures: the time from
   the SIGTERM to every browser having a stream again (target <= 30 s), and the errors on
   the way (refused connections while no process listened, error statuses, failed polls).

The people and circles it makes are deleted afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import random
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DOMAIN = "circlesbench.example.com"
TITLE = "Circles bench"
STEP_EVERY = (15.0, 45.0)  # a facilitator's step: seconds between two, drawn uniformly
WRITE_EVERY = (30.0, 90.0)  # a participant's item
OPEN_CONCURRENCY = 100  # streams opened at once while ramping up
# static/js/feedback.js RECONNECT_GRACE_MS: a dropped stream polls only if not back by then.
RECONNECT_GRACE_SECONDS = 25.0
VERSION = re.compile(rb'data-version="(\d+)"')


def log(message: str) -> None:
    print(f"[bench circles] {message}", flush=True)


# --- the web processes -------------------------------------------------------------------------


class Web:
    """One uvicorn process (one worker) on a port it keeps across restarts."""

    def __init__(self):
        from bench.run import free_port

        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        from bench.run import PYTHON, server_env

        self.process = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "uvicorn",
                "culture.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                "1",
                "--no-access-log",
                "--log-level",
                "warning",
                "--timeout-keep-alive",
                "75",
                "--timeout-graceful-shutdown",
                "5",
            ],
            cwd=ROOT,
            env=server_env(),
            start_new_session=True,
        )

    def wait_listening(self, timeout: float = 120, *, port_only: bool = False) -> None:
        """Until the process answers a page (or, during a deploy, while thousands of
        browsers reconnect to it, until it accepts connections)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {self.process.returncode}")
            try:
                if port_only:
                    socket.create_connection(("127.0.0.1", self.port), timeout=2).close()
                else:
                    urllib.request.urlopen(f"http://127.0.0.1:{self.port}/login/", timeout=2)  # noqa: S310
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def signal_stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)

    def wait_stopped(self) -> None:
        if self.process is not None:
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def rss_kb(self) -> int:
        from bench.pages import _rss_kb

        assert self.process is not None
        return _rss_kb(self.process.pid)


def start_all(webs: list[Web], *, port_only: bool = False) -> None:
    for web in webs:
        web.start()
    for web in webs:
        web.wait_listening(port_only=port_only)


def stop_all(webs: list[Web]) -> None:
    for web in webs:
        web.signal_stop()
    for web in webs:
        web.wait_stopped()


# --- the company -------------------------------------------------------------------------------


def cleanup() -> None:
    from culture.models import Person
    from feedback.models import Circle

    Circle.objects.filter(title__startswith=TITLE).delete()
    Person.objects.filter(email__endswith=f"@{DOMAIN}").delete()


def make_circles(count: int, size: int) -> list[dict]:
    """`count` circles of `size` new people each, the first of each facilitating (and in the
    centre for the first round: the others write to them)."""
    from django.utils import timezone

    from bench.run import session_cookie
    from culture.models import Person
    from feedback.models import Circle, Participant

    cleanup()
    people = Person.objects.bulk_create(
        Person(name=f"Circles Bench {i:05d}", email=f"p{i}@{DOMAIN}") for i in range(count * size)
    )
    circles = []
    for c in range(count):
        seats = people[c * size : (c + 1) * size]
        circle = Circle.objects.create(
            title=f"{TITLE} {c}",
            created_by=seats[0],
            facilitator=seats[0],
            scheduled_at=timezone.now(),
        )
        Participant.objects.bulk_create(
            Participant(circle=circle, person=p, position=i) for i, p in enumerate(seats)
        )
        circles.append(
            {"id": circle.pk, "cookies": [session_cookie(p.email) for p in seats], "index": c}
        )
    return circles


def circle_versions(ids: list[int]) -> dict[int, int]:
    from feedback.models import Circle

    return dict(Circle.objects.filter(pk__in=ids).values_list("pk", "version"))


# --- the browsers ------------------------------------------------------------------------------

CSRF = "circlesbenchcsrfsecret0123456789"  # a CSRF secret of the right length: cookie and header


async def http(port: int, method: str, path: str, cookie: str, body: str = "") -> int:
    """One request on its own connection; its status (the body is read and dropped)."""
    status, _ = await http_body(port, method, path, cookie, body)
    return status


async def http_body(
    port: int, method: str, path: str, cookie: str, body: str = ""
) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        head = [
            f"{method} {path} HTTP/1.1",
            f"Host: 127.0.0.1:{port}",
            f"Cookie: {cookie}; csrftoken={CSRF}",
            "Connection: close",
        ]
        if method == "POST":
            head += [
                "Content-Type: application/x-www-form-urlencoded",
                f"X-CSRFToken: {CSRF}",
                f"Content-Length: {len(body.encode())}",
            ]
        writer.write(("\r\n".join(head) + "\r\n\r\n" + body).encode())
        await writer.drain()
        data = await reader.read()
        status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
        return status, data
    finally:
        writer.close()


@dataclass
class Browser:
    """One browser tab with the room open: its stream, its re-fetches, its reconnects."""

    port: int
    circle_id: int
    cookie: str
    refetch: bool = True
    poll_when_down: bool = True
    seen: list[tuple[float, int]] = field(default_factory=list)  # (time, version) "changed"
    opened_at: float = 0.0  # the last time a stream answered with its first event
    retry: float = 3.0
    shown: int = 0
    refused: int = 0
    error_status: dict[int, int] = field(default_factory=dict)
    polls: int = 0
    poll_errors: int = 0
    refetches: int = 0
    _pending: bool = False
    _again: bool = False
    _wanted: int = 0  # the newest version an event announced (feedback.js `wanted`)
    _must: bool = False  # an event that named no version came during a fetch (`must`)
    _live: bool = False
    _stop: bool = False
    _writer: asyncio.StreamWriter | None = None
    _tasks: set[asyncio.Task] = field(default_factory=set)  # its re-fetches (kept referenced)
    _poller: asyncio.Task | None = None

    @property
    def room(self) -> str:
        return f"/feedback/circles/{self.circle_id}/"

    async def run(self, first: asyncio.Event | None = None) -> None:
        try:
            while not self._stop:
                await self._connect_once(first)
                if self._stop:
                    break
                self._live = False
                # feedback.js: a dropped stream polls only if not back within the grace.
                self._start_polling(grace=RECONNECT_GRACE_SECONDS)
                await asyncio.sleep(self.retry)  # EventSource reconnects after `retry:`
        finally:
            self._stop_polling()

    async def _connect_once(self, first: asyncio.Event | None) -> None:
        """One stream, from connecting to its end; a refused or cut connection returns (the
        caller waits `retry:`), an error status waits as feedback.js's retryLater()."""
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        except OSError:
            self.refused += 1
            return
        self._writer = writer
        try:
            writer.write(
                (
                    f"GET {self.room}stream/ HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
                    f"Cookie: {self.cookie}\r\nAccept: text/event-stream\r\n\r\n"
                ).encode()
            )
            status_line = await reader.readline()
            if not status_line:
                self.refused += 1  # accepted, then closed before answering (shutting down)
                return
            status = int(status_line.split(b" ", 2)[1])
            chunked = False
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"transfer-encoding:") and b"chunked" in line:
                    chunked = True
            if status != 200:
                self.error_status[status] = self.error_status.get(status, 0) + 1
                writer.close()
                self._start_polling()
                await asyncio.sleep(random.uniform(5, 15))
                return
            async for name, data in self._events(reader, chunked):
                if name == "changed":
                    if not self._live:
                        self._live = True
                        self.opened_at = time.monotonic()
                        self._stop_polling()
                        if first is not None and not first.is_set():
                            first.set()
                    self._changed(data)
                elif name in ("fallback", "ended"):
                    return
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()
            self._writer = None

    async def _events(self, reader: asyncio.StreamReader, chunked: bool):
        """The SSE events of the response body, as (name, data)."""
        buffer = b""
        name, data = "message", ""
        while True:
            if chunked:
                size_line = await reader.readline()
                if not size_line:
                    return
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    return
                chunk = await reader.readexactly(size + 2)
                buffer += chunk[:-2]
            else:
                chunk = await reader.read(4096)
                if not chunk:
                    return
                buffer += chunk
            while b"\n" in buffer:
                raw, buffer = buffer.split(b"\n", 1)
                text = raw.decode().rstrip("\r")
                if text == "":
                    if data or name != "message":
                        yield name, data
                    name, data = "message", ""
                elif text.startswith("event:"):
                    name = text[6:].strip()
                elif text.startswith("data:"):
                    data = text[5:].strip()
                elif text.startswith("retry:"):
                    self.retry = int(text[6:].strip()) / 1000

    def _changed(self, data: str) -> None:
        parts = data.split(" ")
        version = int(parts[0] or 0)
        self.seen.append((time.monotonic(), version))
        if not self.refetch or (version and version <= self.shown):
            return
        if len(parts) > 1 and not self._pending and version == self.shown + 1:
            self.shown = version  # "N of M have written", updated in place
            return
        self._refresh(version)

    def _refresh(self, version: int | None = None) -> None:
        if version == 0:
            self._must = True
        self._wanted = max(self._wanted, version or 0)
        if self._pending:
            self._again = True
            return
        self._pending = True
        self._again = False
        self._must = False
        task = asyncio.get_running_loop().create_task(self._fetch())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _fetch(self) -> None:
        try:
            self.refetches += 1
            status, body = await http_body(self.port, "GET", f"{self.room}state/", self.cookie)
            match = VERSION.search(body) if status == 200 else None
            if match:
                self.shown = max(self.shown, int(match.group(1)))
        except OSError:
            pass
        finally:
            self._pending = False
            # As feedback.js: again only if the events heard meanwhile are not all shown.
            if self._again and (self._must or not self._wanted or self.shown < self._wanted):
                self._refresh()

    def _start_polling(self, grace: float = 0.0) -> None:
        if self.poll_when_down and self._poller is None:
            self._poller = asyncio.get_running_loop().create_task(self._poll(grace))

    def _stop_polling(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            self._poller = None

    async def _poll(self, grace: float) -> None:
        await asyncio.sleep(grace + random.uniform(0, 3))
        while True:
            self.polls += 1
            try:
                status = await http(self.port, "GET", f"{self.room}state/", self.cookie)
                if status != 200:
                    self.poll_errors += 1
            except OSError:
                self.poll_errors += 1
            await asyncio.sleep(3)

    def first_at_least(self, version: int) -> float | None:
        return next((t for t, v in self.seen if v >= version), None)

    def close(self) -> None:
        self._stop = True
        for task in self._tasks:
            task.cancel()
        if self._writer is not None:
            self._writer.close()


async def open_browsers(browsers: list[Browser]) -> list[asyncio.Task]:
    """Start every browser, OPEN_CONCURRENCY at a time, each waited for until its stream
    gave its first event."""
    tasks: list[asyncio.Task] = []
    gate = asyncio.Semaphore(OPEN_CONCURRENCY)

    async def one(browser: Browser) -> None:
        async with gate:
            first = asyncio.Event()
            tasks.append(asyncio.get_running_loop().create_task(browser.run(first)))
            await asyncio.wait_for(first.wait(), 60)

    await asyncio.gather(*(one(b) for b in browsers))
    return tasks


async def close_browsers(browsers: list[Browser], tasks: list[asyncio.Task]) -> None:
    for browser in browsers:
        browser.close()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def _pct(samples: list[float], q: float) -> float | None:
    if not samples:
        return None
    from bench.pages import _pct as pct

    return pct(samples, q)


def _summary(samples_ms: list[float]) -> dict:
    finite = [s for s in samples_ms if s != float("inf")]
    return {
        "n": len(samples_ms),
        "missing": len(samples_ms) - len(finite),
        "p50_ms": _pct(finite, 0.50),
        "p95_ms": _pct(finite, 0.95),
        "p99_ms": _pct(finite, 0.99),
        "max_ms": round(max(finite), 1) if finite else None,
    }


class _LoopLag:
    """How late this client's event loop wakes up (a busy client would add its own delay to
    every figure): a 50 ms sleep, again and again, and how much longer each one took."""

    def __init__(self):
        self.samples: list[float] = []
        self.task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            before = time.monotonic()
            await asyncio.sleep(0.05)
            self.samples.append((time.monotonic() - before - 0.05) * 1000)

    def stop(self) -> None:
        self.task.cancel()

    def summary(self) -> dict:
        return _summary(self.samples)


# --- 1. a hundred circles ----------------------------------------------------------------------


def placement(index: int, size: int, seat: int) -> int:
    """Which process a browser is on: a third of the circles on the first, a third on the
    second, a third split between both."""
    return index % 3 if index % 3 < 2 else seat % 2


async def _live_circles(webs: list[Web], circles: list[dict], size: int, seconds: float) -> dict:
    browsers: dict[int, list[Browser]] = {}
    for circle in circles:
        browsers[circle["id"]] = [
            Browser(
                port=webs[placement(circle["index"], size, seat)].port,
                circle_id=circle["id"],
                cookie=circle["cookies"][seat],
            )
            for seat in range(size)
        ]
    every = [b for bs in browsers.values() for b in bs]
    started = time.monotonic()
    tasks = await open_browsers(every)
    log(f"{len(every)} streams open in {time.monotonic() - started:.1f}s")
    await asyncio.sleep(3)  # presence settles (each arrival told the room)

    for circle in circles:  # every circle starts its first round (not measured)
        status = await http(
            webs[0].port,
            "POST",
            f"/feedback/circles/{circle['id']}/step/",
            circle["cookies"][0],
            "action=start",
        )
        assert status in (200, 302), status
    await asyncio.sleep(2)
    versions = await asyncio.to_thread(circle_versions, list(browsers))
    stats_before = [await _live_stats(web, circles[0]["cookies"][0]) for web in webs]

    posts: list[tuple[int, float, float, int]] = []  # (circle, sent, answered, version made)
    errors: dict[str, int] = {}
    locks = {cid: asyncio.Lock() for cid in browsers}
    deadline = time.monotonic() + seconds

    async def actor(circle: dict, seat: int) -> None:
        cid = circle["id"]
        cookie = circle["cookies"][seat]
        web = webs[placement(circle["index"], size, seat)]
        every = STEP_EVERY if seat == 0 else WRITE_EVERY
        await asyncio.sleep(random.uniform(0, every[1]))
        n = 0
        while time.monotonic() < deadline:
            n += 1
            if seat == 0:
                path, body = f"/feedback/circles/{cid}/step/", "action=extend&minutes=1"
            else:
                kind = random.choice(["start", "stop", "continue"])
                path = f"/feedback/circles/{cid}/items/"
                body = f"kind={kind}&text=Bench+item+{n}+from+seat+{seat}"
            async with locks[cid]:
                if time.monotonic() >= deadline:
                    break  # waited past the end for the circle's previous POST
                sent = time.monotonic()
                try:
                    status = await http(web.port, "POST", path, cookie, body)
                except OSError:
                    status = 0
                if status in (200, 302):
                    versions[cid] += 1
                    posts.append((cid, sent, time.monotonic(), versions[cid]))
                else:
                    errors[str(status)] = errors.get(str(status), 0) + 1
            await asyncio.sleep(min(random.uniform(*every), max(0, deadline - time.monotonic())))

    lag = _LoopLag()
    await asyncio.gather(*(actor(c, seat) for c in circles for seat in range(size)))
    lag.stop()
    await asyncio.sleep(3)  # the last events arrive

    last_browser, per_browser, answered, after_answer = [], [], [], []
    for cid, sent, done, version in posts:
        got = [b.first_at_least(version) for b in browsers[cid]]
        delays = [((t - sent) * 1000 if t is not None else float("inf")) for t in got]
        per_browser += delays
        last_browser.append(max(delays))
        answered.append((done - sent) * 1000)
        after_answer.append(max(delays) - (done - sent) * 1000)
    final = await asyncio.to_thread(circle_versions, list(browsers))
    drift = sum(1 for cid in browsers if final[cid] != versions[cid])
    stats = [await _live_stats(web, circles[0]["cookies"][0]) for web in webs]
    numsub = await asyncio.to_thread(_numsub, [c["id"] for c in circles])
    expected_subs = {
        c["id"]: len({placement(c["index"], size, seat) for seat in range(size)}) for c in circles
    }
    refetches = sum(b.refetches for b in every)
    await close_browsers(every, tasks)

    processes = []
    for i, (before, after) in enumerate(zip(stats_before, stats, strict=True)):
        listened = sum(
            1 for c in circles if any(placement(c["index"], size, s) == i for s in range(size))
        )
        processes.append(
            {
                "circles_with_streams": listened,
                "circles_without": len(circles) - listened,
                "redis_channels_subscribed": after["channels"],
                "messages_received": after["received"] - before["received"],
                "messages_for_circles_without_stream": after["unheard"] - before["unheard"],
            }
        )
    return {
        "circles": len(circles),
        "people_per_circle": size,
        "streams": len(every),
        "processes": len(webs),
        "seconds": seconds,
        "posts": len(posts),
        "posts_per_second": round(len(posts) / seconds, 1),
        "post_errors": errors,
        "fragment_refetches": refetches,
        "circles_whose_version_moved_otherwise": drift,
        "post_to_last_browser_of_circle": _summary(last_browser),
        "post_to_each_browser": _summary(per_browser),
        "post_answered": _summary(answered),
        "answer_to_last_browser": _summary(after_answer),
        "client_loop_lag": lag.summary(),
        "per_process": processes,
        "numsub_mismatches": sum(1 for cid, n in numsub.items() if n != expected_subs[cid]),
    }


async def _live_stats(web: Web, cookie: str) -> dict:
    status, body = await http_body(web.port, "GET", "/bench/live/", cookie)
    assert status == 200, status
    return json.loads(body.split(b"\r\n\r\n", 1)[1])


def _numsub(circle_ids: list[int]) -> dict[int, int]:
    """How many Redis connections are subscribed to each circle's channel."""
    import redis
    from django.conf import settings

    from culture.live import _channel_prefix

    prefix = _channel_prefix(settings.REDIS_URL)
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        counts = client.pubsub_numsub(*(f"{prefix}circle:{cid}" for cid in circle_ids))
    finally:
        client.close()
    return {int(name.decode().rsplit(":", 1)[1]): n for name, n in counts}


# --- 2. idle streams and a deploy --------------------------------------------------------------


async def _idle_and_deploy(webs: list[Web], circles: list[dict], idle: int) -> dict:
    seats = [(c["id"], cookie) for c in circles for cookie in c["cookies"]]
    # Warm each process up (its first stream, a room page) before the baseline.
    for i, web in enumerate(webs):
        cid, cookie = seats[i]
        await http(web.port, "GET", f"/feedback/circles/{cid}/", cookie)
        warm = Browser(port=web.port, circle_id=cid, cookie=cookie, refetch=False)
        tasks = await open_browsers([warm])
        await close_browsers([warm], tasks)
    await asyncio.sleep(2)
    base = [web.rss_kb() for web in webs]

    browsers = [
        Browser(
            port=webs[i % len(webs)].port,
            circle_id=seats[i % len(seats)][0],
            cookie=seats[i % len(seats)][1],
            refetch=False,
        )
        for i in range(idle)
    ]
    started = time.monotonic()
    tasks = await open_browsers(browsers)
    opened = time.monotonic() - started
    log(f"{idle} idle streams open in {opened:.1f}s")
    await asyncio.sleep(12)  # one heartbeat round (presence touch + version check) for all
    rss = [web.rss_kb() for web in webs]
    per_process = [sum(1 for b in browsers if b.port == web.port) for web in webs]
    kb_per_stream = [
        round((after - before) / n, 1)
        for before, after, n in zip(base, rss, per_process, strict=True)
    ]
    log(f"RSS {base} -> {rss} KB: {kb_per_stream} KB a stream")

    # The deploy: both processes stop (every stream is cut) and start again.
    for b in browsers:
        b.opened_at = 0.0
    for b in browsers:  # the counts from here on are the deploy's
        b.refused, b.error_status, b.polls, b.poll_errors = 0, {}, 0, 0
    dropped = time.monotonic()
    await asyncio.to_thread(stop_all, webs)
    down = time.monotonic() - dropped
    await asyncio.to_thread(functools.partial(start_all, webs, port_only=True))
    up = time.monotonic() - dropped
    log(f"deploy: stopped after {down:.1f}s, listening again after {up:.1f}s")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not all(b.opened_at > dropped for b in browsers):
        await asyncio.sleep(0.2)
    back = sorted(b.opened_at - dropped for b in browsers if b.opened_at > dropped)
    error_status: dict[str, int] = {}
    for b in browsers:
        for status, n in b.error_status.items():
            error_status[str(status)] = error_status.get(str(status), 0) + n
    result = {
        "idle_streams": idle,
        "idle_streams_per_process": per_process,
        "idle_open_seconds": round(opened, 1),
        "idle_rss_base_mb": [round(kb / 1024, 1) for kb in base],
        "idle_rss_mb": [round(kb / 1024, 1) for kb in rss],
        "idle_kb_per_stream": kb_per_stream,
        "deploy_stopped_seconds": round(down, 1),
        "deploy_listening_seconds": round(up, 1),
        "deploy_reconnected": len(back),
        "deploy_all_reconnected_seconds": round(back[-1], 1) if len(back) == idle else None,
        "deploy_reconnect_p50_seconds": round(statistics.median(back), 1) if back else None,
        "deploy_refused_connections": sum(b.refused for b in browsers),
        "deploy_error_statuses": error_status,
        "deploy_polls": sum(b.polls for b in browsers),
        "deploy_failed_polls": sum(b.poll_errors for b in browsers),
    }
    await close_browsers(browsers, tasks)
    return result


# --- the whole -----------------------------------------------------------------------------------


def measure(circles: int = 100, size: int = 10, seconds: float = 90, idle: int = 5000) -> dict:
    """Both measurements on their own two web processes; Django must be set up (bench.run's
    django_setup) with DATABASE_URL and REDIS_URL. Returns the figures (bench/circles.json)."""
    from django.conf import settings
    from django.db import close_old_connections

    if not settings.REDIS_URL:
        raise RuntimeError("bench/circles.py needs REDIS_URL: two processes fan out through it")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < idle + 1000:
        raise RuntimeError(f"{idle} streams need more file descriptors than ulimit -n {hard}")
    made = make_circles(circles, size)
    close_old_connections()
    webs = [Web(), Web()]
    result: dict = {"load_average_before": os.getloadavg()}
    try:
        start_all(webs)
        result["live_circles"] = asyncio.run(_live_circles(webs, made, size, seconds))
        log(f"live circles: {result['live_circles']}")
        if idle:
            stop_all(webs)  # a clean baseline for the idle streams
            start_all(webs)
            result["idle"] = asyncio.run(_idle_and_deploy(webs, made, idle))
            log(f"idle and deploy: {result['idle']}")
    finally:
        stop_all(webs)
        close_old_connections()
        cleanup()
    result["load_average_after"] = os.getloadavg()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--circles", type=int, default=100)
    parser.add_argument("--size", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=90)
    parser.add_argument("--idle", type=int, default=5000)
    parser.add_argument("--out", default=str(ROOT / "bench" / "circles.json"))
    options = parser.parse_args()

    from bench.run import django_setup, machine, manage

    manage("migrate", "--noinput")
    manage("collectstatic", "--noinput")
    django_setup()
    result = {
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine(),
        **measure(options.circles, options.size, options.seconds, options.idle),
    }
    Path(options.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
