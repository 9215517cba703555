"""Measure the live room against a real uvicorn (not part of the test suite).

    DATABASE_URL=... REDIS_URL=... DJANGO_SETTINGS_MODULE=culture.test_settings \\
        .venv/bin/python -m tests.feedback.measure_live latency --clients 20 --rounds 15
    ... -m tests.feedback.measure_live idle --connections 1000

latency: 20 participants each hold one SSE connection; on every event each client fetches
its own fragment (as the browser does). Reported: time from sending the facilitator's POST
to each client having the fragment with the new version (median and worst over all
clients x rounds).
idle: opens N idle SSE connections to one uvicorn process, then checks that a POST still
reaches all of them, and reports the process's RSS and Postgres connections.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import threading
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "culture.test_settings")
django.setup()

from django.db import connection  # noqa: E402

from culture.models import Person  # noqa: E402
from feedback.models import Circle, Participant  # noqa: E402
from tests.feedback.servers import (  # noqa: E402
    RawClient,
    StreamReader,
    session_cookie_for,
    uvicorn_server,
)

VERSION = re.compile(r'data-version="(\d+)"')


def make_room(n: int) -> tuple[Circle, list[Person]]:
    tag = int(time.time())
    people = [
        Person.objects.create(name=f"Bench {tag} {i:02d}", email=f"bench{tag}-{i}@example.test")
        for i in range(n)
    ]
    circle = Circle.objects.create(
        title="Bench", created_by=people[0], facilitator=people[0], scheduled_at=django_now()
    )
    Participant.objects.bulk_create(
        Participant(circle=circle, person=p, position=i) for i, p in enumerate(people)
    )
    return circle, people


def django_now():
    from django.utils import timezone

    return timezone.now()


class Participant_:
    def __init__(self, base, person, circle):
        self.client = RawClient(base, session_cookie_for(person))
        self.state_path = f"/feedback/circles/{circle.pk}/state/"
        self.stream = StreamReader(self.client, f"/feedback/circles/{circle.pk}/stream/")
        assert self.stream.status == 200, self.stream.status
        self.seen: dict[int, float] = {}
        self.handled = 0
        self._stop = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self._stop:
            try:
                self.stream.wait_for(lambda e: True, timeout=1)
            except TimeoutError:
                continue
            while self.handled < len(self.stream.events):
                self.handled += 1
                status, html = self.client.get(self.state_path)
                match = VERSION.search(html)
                if match:
                    self.seen.setdefault(int(match.group(1)), time.monotonic())
            time.sleep(0.001)


def latency(args):
    circle, people = make_room(args.clients + 1)
    facilitator = RawClient("", None)
    with uvicorn_server(redis_url=os.environ.get("REDIS_URL", "")) as base:
        facilitator = RawClient(base, session_cookie_for(people[0]))
        facilitator.get(f"/feedback/circles/{circle.pk}/")
        clients = [Participant_(base, p, circle) for p in people[1:]]
        time.sleep(1.5)
        samples = []
        event_samples = []
        facilitator.post(f"/feedback/circles/{circle.pk}/step/", {"action": "start"})
        time.sleep(1)
        for _ in range(args.rounds):
            version = Circle.objects.get(pk=circle.pk).version + 1
            sent = time.monotonic()
            status, _ = facilitator.post(
                f"/feedback/circles/{circle.pk}/step/", {"action": "extend", "minutes": 1}
            )
            assert status == 302, status
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not all(
                any(v >= version for v in c.seen) for c in clients
            ):
                time.sleep(0.002)
            for c in clients:
                got = min((t for v, t in c.seen.items() if v >= version), default=None)
                samples.append((got - sent) if got else float("inf"))
                ev = [
                    t
                    for t, name, data in c.stream.events
                    if name == "changed" and data.isdigit() and int(data) >= version
                ]
                event_samples.append((min(ev) - sent) if ev else float("inf"))
            time.sleep(0.3)
        for c in clients:
            c._stop = True
            c.stream.close()
    ev = sorted(s * 1000 for s in event_samples)
    print(f"event only: median {statistics.median(ev):.0f} ms, worst {ev[-1]:.0f} ms")
    ms = sorted(s * 1000 for s in samples)
    print(
        f"{args.clients} clients x {args.rounds} POSTs: median {statistics.median(ms):.0f} ms, "
        f"p95 {ms[int(len(ms) * 0.95) - 1]:.0f} ms, worst {ms[-1]:.0f} ms"
    )


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1])
    return 0


def idle(args):
    import subprocess

    circle, people = make_room(2)
    cookie = session_cookie_for(people[1])
    with uvicorn_server(redis_url=os.environ.get("REDIS_URL", "")) as base:
        port = base.rsplit(":", 1)[1]
        pid = int(
            subprocess.check_output(["pgrep", "-f", "--", f"--port {port}"]).split()[0]  # noqa: S607
        )
        base_rss = rss_kb(pid)
        streams = []
        started = time.monotonic()
        for i in range(args.connections):
            s = StreamReader(RawClient(base, cookie), f"/feedback/circles/{circle.pk}/stream/")
            if s.status != 200:
                print(f"connection {i} refused with {s.status}")
                break
            streams.append(s)
        opened = time.monotonic() - started
        time.sleep(12)  # one heartbeat round (presence touch + version check) for all
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
            pg = cur.fetchone()[0]
        facilitator = RawClient(base, session_cookie_for(people[0]))
        facilitator.get(f"/feedback/circles/{circle.pk}/")
        before = Circle.objects.get(pk=circle.pk).version
        sent = time.monotonic()
        facilitator.post(f"/feedback/circles/{circle.pk}/step/", {"action": "start"})
        reached = 0
        for s in streams:
            try:
                s.wait_for(lambda e: e[1] == "changed" and int(e[2]) > before, timeout=15)
                reached += 1
            except TimeoutError:
                pass
        fanout = time.monotonic() - sent
        print(
            f"{len(streams)} idle SSE connections opened in {opened:.1f}s; "
            f"uvicorn RSS {base_rss / 1024:.0f} -> {rss_kb(pid) / 1024:.0f} MB; "
            f"Postgres connections to the test DB: {pg}; "
            f"a POST reached {reached}/{len(streams)} in {fanout * 1000:.0f} ms"
        )
        for s in streams:
            s.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["latency", "idle"])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=500)
    args = parser.parse_args()
    {"latency": latency, "idle": idle}[args.mode](args)


if __name__ == "__main__":
    sys.exit(main())
