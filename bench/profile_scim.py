"""Time and profile SCIM provisioning in-process: POST /scim/v2/Users, then a manager PATCH
for each person made, through the Django test client (DEBUG off, the same middleware), with
the bodies bench/scim.py sends.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/culture_bench REDIS_URL=... \
      .venv/bin/python bench/profile_scim.py [--n 500] [--profile post|patch] [--top 40] [--cpu]

Prints, for each half, the median, p95 and best time a request (the wall clock, or this
process's CPU with --cpu) and the queries a request (counted on a few requests apart from
the timed ones), and the CPU time the connection's Postgres backend spent a request (when
the database runs on this machine); `--queries` prints one request's SQL. `--profile` adds the cProfile
functions with the most cumulative time for that half (PROFILE_SORT=tottime sorts by self
time). The people, teams and token it made are deleted afterwards (their audit rows stay).
A tool for finding where a request spends its time; bench/scim.py gives the figures
against a real server.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--profile", choices=["post", "patch"])
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--cpu", action="store_true")
    parser.add_argument("--queries", action="store_true", help="print one request's SQL")
    options = parser.parse_args()

    from bench.profile_page import setup_in_process

    setup_in_process(SCIM_RATE_LIMIT="12000/m")
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench import scim as bench_scim
    from bench.run import cpu_seconds
    from culture.models import Person, ScimToken, Team
    from culture.scim import tokens

    run = uuid.uuid4().hex[:6]
    domain = f"{run}.{bench_scim.DOMAIN}"

    def body(i: int) -> dict:
        out = bench_scim.user_body(i)
        out["userName"] = out["emails"][0]["value"] = f"person{i}@{domain}"
        out["externalId"] = f"{run}-{i}"
        out[bench_scim.ENTERPRISE]["employeeNumber"] = f"{run}{i:06d}"
        return out

    clock = time.process_time if options.cpu else time.perf_counter
    _row, token = tokens.do_create_token(by=None, name=f"profile {run}")
    client = Client(
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_ACCEPT="application/scim+json",
    )
    ids: dict[int, str] = {}

    def post(i: int):
        response = client.post(
            "/scim/v2/Users", json.dumps(body(i)), content_type="application/scim+json"
        )
        assert response.status_code == 201, response.content
        ids[i] = json.loads(response.content)["id"]
        return response

    def patch(i: int):
        manager = ids[(i - 1) // bench_scim.FAN_OUT]
        operation = {
            "op": "replace",
            "path": f"{bench_scim.ENTERPRISE}:manager",
            "value": {"value": manager},
        }
        response = client.patch(
            f"/scim/v2/Users/{ids[i]}",
            json.dumps({"schemas": [bench_scim.PATCH], "Operations": [operation]}),
            content_type="application/scim+json",
        )
        assert response.status_code == 200, response.content
        return response

    def backend_cpu() -> float | None:
        """The CPU seconds this connection's Postgres backend has used (when it runs on
        this machine)."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        try:
            return cpu_seconds(pid)
        except OSError:
            return None

    def half(name: str, call, indexes: list[int]) -> None:
        # A few requests apart from the timed ones: their queries.
        counts = []
        for i in indexes[:5]:
            with CaptureQueriesContext(connection) as captured:
                call(i)
            counts.append(len(captured))
            if options.queries and len(counts) == 3:
                for query in captured.captured_queries:
                    print(f"  [{query['time']}] {query['sql'][:300]}")
        timed = indexes[5:]
        profiler = (
            (cProfile.Profile(time.process_time) if options.cpu else cProfile.Profile())
            if options.profile == name
            else None
        )
        times = []
        backend_before = backend_cpu()
        for i in timed:
            if profiler:
                profiler.enable()
            started = clock()
            call(i)
            times.append((clock() - started) * 1000)
            if profiler:
                profiler.disable()
        backend_after = backend_cpu()
        backend = (
            f"{(backend_after - backend_before) * 1000 / len(timed):.2f} ms"
            if backend_before is not None and backend_after is not None
            else "not on this machine"
        )
        times.sort()
        print(
            f"{name}: {len(times)} requests, median {statistics.median(times):.2f} ms, "
            f"p95 {times[int(len(times) * 0.95) - 1]:.2f} ms, best {times[0]:.2f} ms, "
            f"queries a request {sorted(set(counts))}, Postgres CPU a request {backend} "
            f"({'CPU' if options.cpu else 'wall'}; "
            f"load {os.getloadavg()[0]:.2f})"
        )
        if profiler:
            if os.environ.get("PROFILE_DUMP"):
                profiler.dump_stats(os.environ["PROFILE_DUMP"])
            stats = pstats.Stats(profiler)
            stats.sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(options.top)

    try:
        half("post", post, list(range(options.n + 5)))
        half("patch", patch, list(range(1, options.n + 5)))
    finally:
        Person.objects.filter(email__endswith=f"@{domain}").delete()
        Team.objects.filter(name__startswith=bench_scim.TEAM_PREFIX).delete()
        ScimToken.objects.filter(name=f"profile {run}").delete()


if __name__ == "__main__":
    main()
