"""Time and profile one page in-process, against the floor view, on the benchmark's data.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/culture_bench \
      .venv/bin/python bench/profile_page.py /decisions/ employee@example.com [--n 40] [--profile]
      [--htmx TARGET] [--post "score=3&reason=Too+early"] [--bearer scim|api]

Prints the median and best render time (wall clock, or this process's CPU with --cpu) of the page and of /bench/floor/ through the Django
test client (DEBUG off, same middleware), the ratio of the two, the SQL queries and their
time, and the body size. `--profile` adds the cProfile functions with the most cumulative
time (PROFILE_SORT=tottime sorts by self time). It is a tool for finding where a page spends its time between full `make bench` runs;
the figures `make bench` reports come from a real server under load, not from this.
"""

from __future__ import annotations

import argparse
import atexit
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_in_process(**env: str) -> None:
    """Django as the server runs it (production settings, DEBUG off), for requests made
    in this process through the test client; `env` adds to the environment first."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "culture.settings")
    os.environ.update({"DEBUG": "false", "HTTPS": "false", "LOG_LEVEL": "WARNING", **env})
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    import django

    django.setup()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("email")
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--htmx", metavar="TARGET", help="send HX-Request with this HX-Target")
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument(
        "--bearer",
        choices=("scim", "api"),
        help="send the benchmark's SCIM or API token (bench.pages.bench_tokens, dropped "
        "after) with each request of the page: for /scim/v2/ and /api/v1/ paths (`email`"
        " still logs in, for the floor)",
    )
    parser.add_argument(
        "--post",
        metavar="DATA",
        help="POST this form data (a=1&b=2) instead of GET: each run writes, as the page does",
    )
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="time this process's CPU, not the wall clock: steadier on a busy machine, "
        "but leaves out the time Postgres spends",
    )
    options = parser.parse_args()

    setup_in_process(BENCH_FLOOR="true")
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from culture.models import Person

    client = Client(HTTP_HOST="127.0.0.1")
    headers = {"HX-Request": "true", "HX-Target": options.htmx} if options.htmx else {}
    if options.bearer:
        from bench.pages import bench_tokens, drop_bench_tokens

        headers["Authorization"] = f"Bearer {bench_tokens()[options.bearer]}"
        atexit.register(drop_bench_tokens)
    client.force_login(Person.objects.get(email=options.email))

    clock = time.process_time if options.cpu else time.perf_counter

    form = dict(parse_qsl(options.post)) if options.post else None

    def run(path, hdrs, n):
        times = []
        for _ in range(n):
            started = clock()
            if form is not None and path == options.path:
                response = client.post(path, form, headers=hdrs)
            else:
                response = client.get(path, headers=hdrs)
            times.append((clock() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        return times, response

    run(options.path, headers, 3)
    run("/bench/floor/", {}, 3)
    floor, _ = run("/bench/floor/", {}, options.n)
    page, response = run(options.path, headers, options.n)
    with CaptureQueriesContext(connection) as ctx:
        run(options.path, headers, 1)
    sql_ms = sum(float(q["time"]) for q in ctx.captured_queries) * 1000
    f_med, p_med = statistics.median(floor), statistics.median(page)
    print(f"floor   median {f_med:7.2f} ms  best {min(floor):7.2f} ms")
    print(
        f"page    median {p_med:7.2f} ms  best {min(page):7.2f} ms  "
        f"(x{p_med / f_med:.1f} the floor, ~{f_med / p_med:.2f} H)"
    )
    print(
        f"SQL     {len(ctx.captured_queries)} queries, {sql_ms:.1f} ms; "
        f"body {len(response.content):,} bytes"
    )
    if options.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        run(options.path, headers, 10)
        profiler.disable()
        order = os.environ.get("PROFILE_SORT", "cumulative")  # or tottime: self time
        pstats.Stats(profiler).sort_stats(order).print_stats(options.top)


if __name__ == "__main__":
    main()
