"""The app behind PgBouncer in transaction mode (deploy/pgbouncer.ini, DB_PGBOUNCER=true):
writes, the keeper sweep's advisory transaction lock raced from two threads, a rollback and
a streamed read (QuerySet.iterator(), as the people export uses) all behave as on a direct
connection, through Django's psycopg pool. Without DB_PGBOUNCER the streamed read breaks:
the proof that the pooler really hands each transaction its own server connection.
Needs the `pgbouncer` binary (`apt-get install pgbouncer`; .ci/run installs it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.db import connection

from tests.faults.pgbouncer import PgBouncer
from tests.feedback.servers import ROOT

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("faults")]

SCRIPT = """
import json, sys, threading
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from culture.models import Person
from keeper.models import KeeperCycle, KeeperTest
from keeper.services import sweep
from tests.conftest import make_person

lead = make_person(name="Lee Lead", email="lead@example.test")
for n in range(4):
    make_person(name=f"Report {n}", email=f"report{n}@example.test", manager=lead)

try:
    with transaction.atomic():
        make_person(name="Never Saved", email="never@example.test")
        raise RuntimeError("roll back")
except RuntimeError:
    pass

now = timezone.now()
created, failed = [], []


def open_cycle():
    try:
        cycle, new = sweep.open_cycle(opening=now, closes_at=now + timedelta(days=30), now=now)
        created.append(new)
    except Exception as exc:
        failed.append(repr(exc))
    finally:
        connection.close()


threads = [threading.Thread(target=open_cycle) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()

streamed = [
    email
    for (email,) in Person.objects.order_by("email").values_list("email").iterator(chunk_size=2)
]
print(json.dumps({
    "created": sorted(created),
    "failed": failed,
    "cycles": KeeperCycle.objects.count(),
    "tests": KeeperTest.objects.count(),
    "streamed": streamed,
    "server_side_cursors": not connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"],
}))
"""


def run_through(bouncer: PgBouncer, redis_url: str, pgbouncer: str):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "culture.test_settings",
        "DATABASE_URL": bouncer.url,
        "REDIS_URL": redis_url,
        "DB_POOL": "true",
        "DB_PGBOUNCER": pgbouncer,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", SCRIPT],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def bouncer():
    s = connection.settings_dict
    with PgBouncer(
        host=s["HOST"] or "127.0.0.1",
        port=int(s["PORT"] or 5432),
        dbname=s["NAME"],
        user=s["USER"] or "postgres",
    ) as b:
        yield b


def test_behind_pgbouncer_in_transaction_mode_writes_locks_and_streamed_reads_work(
    bouncer, redis_url
):
    result = run_through(bouncer, redis_url, "true")

    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["failed"] == []
    assert out["created"] == [False, True]  # the lock let exactly one sweep open the cycle
    assert out["cycles"] == 1
    assert out["tests"] == 4  # the lead's keeper test of each report, once
    assert out["streamed"] == ["lead@example.test"] + [f"report{n}@example.test" for n in range(4)]
    assert out["server_side_cursors"] is False


def test_without_db_pgbouncer_a_streamed_read_breaks_behind_the_pooler(bouncer, redis_url):
    result = run_through(bouncer, redis_url, "false")

    assert result.returncode != 0
    assert "does not exist" in result.stderr  # the cursor, declared on another server connection
