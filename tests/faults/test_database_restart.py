"""The database restarted under load (a private PostgreSQL, stopped in fast mode, so every
connection is cut, and started again 2 seconds later): requests fail cleanly (a 5xx page,
answered within a few seconds, never a hang) and the app recovers by itself, with and
without the connection pool (DB_POOL)."""

from __future__ import annotations

import collections
import os
import subprocess
import sys
import threading
import time

import pytest

from tests.faults import procs
from tests.feedback.servers import ROOT, RawClient, uvicorn_server

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("faults")]

LOGIN = """
from django.test import Client
from tests.conftest import make_person
client = Client()
client.force_login(make_person(name="Lee Load", email="load@example.test"))
print(client.cookies["sessionid"].value)
"""


@pytest.fixture(scope="module")
def private_db():
    pg = procs.PrivatePostgres().init()
    try:
        env = {
            **os.environ,
            "DATABASE_URL": pg.url,
            "DJANGO_SETTINGS_MODULE": "culture.test_settings",
        }
        out = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", LOGIN],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        yield pg, out.stdout.strip().splitlines()[-1]
    finally:
        pg.cleanup()


@pytest.mark.parametrize("pool", ["false", "true"])
def test_requests_fail_cleanly_while_the_database_restarts_and_recover_without_a_restart(
    private_db, redis_url, pool
):
    pg, sessionid = private_db
    results: list[tuple[float, float, object]] = []  # (started, took, status or error)
    stop = threading.Event()

    def load(base):
        client = RawClient(base, sessionid)
        while not stop.is_set():
            started = time.monotonic()
            try:
                status, body = client.request("GET", "/", timeout=15)
                outcome = status
                if status >= 500:
                    assert "Traceback" not in body
            except Exception as exc:  # noqa: BLE001 - recorded and asserted on below
                outcome = type(exc).__name__
            results.append((started, time.monotonic() - started, outcome))
            time.sleep(0.02)

    extra = {"DATABASE_URL": pg.url, "DB_POOL": pool, "DB_POOL_MAX": "4", "CONN_MAX_AGE": "60"}
    with uvicorn_server(redis_url=redis_url, extra_env=extra) as base:
        threads = [threading.Thread(target=load, args=(base,)) for _ in range(4)]
        for thread in threads:
            thread.start()
        try:
            # Normal service first: a few answers before the database goes (the first request
            # of a fresh process is slow on a busy machine, so wait for them, not a fixed time).
            procs.wait_until(
                lambda: sum(r[2] == 200 for r in results) >= 8, 30, what="answers before the stop"
            )
            down = time.monotonic()
            pg.stop()
            time.sleep(2)
            pg.start()
            up = time.monotonic()
            time.sleep(4)
        finally:
            stop.set()
            for thread in threads:
                thread.join(20)

    before = [r for r in results if r[0] + r[1] < down]
    during = [r for r in results if down <= r[0] + r[1] and r[0] < up]
    after = [r for r in results if r[0] >= up + 2]
    summary = {
        "before": collections.Counter(r[2] for r in before),
        "during": collections.Counter(r[2] for r in during),
        "after": collections.Counter(r[2] for r in after),
        "slowest": round(max(r[1] for r in results), 2),
    }
    print(f"DB_POOL={pool}: {summary}")
    assert before and set(summary["before"]) == {200}
    # Cleanly: every request got an answer (no dropped connection, no hang), an error page
    # at worst.
    assert all(isinstance(r[2], int) for r in results), summary
    assert set(summary["during"]) <= {200, 500, 503}, summary
    assert any(r[2] >= 500 for r in during), f"the restart was not noticed: {summary}"
    assert summary["slowest"] < 6, summary
    # ...and it recovers without restarting the app: 2 s after the database is back, every
    # request succeeds.
    assert after and set(summary["after"]) == {200}, summary
