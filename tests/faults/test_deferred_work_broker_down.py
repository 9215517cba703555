"""Work queued while the broker is down is never lost (issue 18, point 3).

With the broker stopped, through a real uvicorn server: a manager creates a circle, a
captain publishes a memo with invitations, an employee requests feedback, a people admin
uploads a people CSV; and a keeper sweep opens a cycle (the command, as a separate process
whose broker is the same stopped one). Every request succeeds. Then the broker starts, with
a worker, and the sweepers run: every invitation, email and import completes exactly once.
"""

from __future__ import annotations

import collections
import subprocess
import sys
import time
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from culture.models import Delivery, ImportJob, Job, Notification, Person
from decisions.models import Invitation, Memo
from keeper.models import KeeperCycle, KeeperPolicy
from tests.conftest import build_world
from tests.decisions.conftest import make_memo
from tests.faults import procs
from tests.feedback.servers import (
    ROOT,
    RawClient,
    db_url_for_tests,
    session_cookie_for,
    uvicorn_server,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.celery,
    pytest.mark.xdist_group("faults"),
]

CSV = (
    "email,name,title,job_family,level,location,team,manager_email,start_date\n"
    "nia.new@example.test,Nia New,Engineer,Engineering,3,London,Platform,"
    "manager@example.test,2026-01-05\n"
)


def _upload(client: RawClient, path: str, filename: str, content: str):
    boundary = uuid.uuid4().hex
    body = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: text/csv\r\n\r\n"
        f"{content}\r\n"
        f"--{boundary}--\r\n"
    )
    return client.request(
        "POST",
        path,
        body=body.encode(),
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "X-CSRFToken": client.csrf,
        },
    )


def test_work_made_while_the_broker_is_down_completes_once_when_it_is_back(tmp_path):
    world = build_world()
    policy = KeeperPolicy.load()  # a keeper cycle is due now, whatever today is
    policy.cadence = 2
    policy.opening_month = timezone.localdate().month
    policy.opening_hour = 0
    policy.due_days = 30
    policy.save()
    memo = make_memo(captain=world.employee, state=Memo.State.DRAFT, title="Four-day week")
    Invitation.objects.create(memo=memo, person=world.peer, invited_by=world.employee)
    Invitation.objects.create(memo=memo, person=world.manager, invited_by=world.employee)

    broker = procs.PrivateRedis()  # not started: the broker is down
    with uvicorn_server(redis_url=broker.url) as base:
        manager = RawClient(base, session_cookie_for(world.manager))
        manager.get(reverse("feedback:circle_new"))
        started = time.monotonic()
        status, _ = manager.post(
            reverse("feedback:circle_new"),
            [
                ("title", "Platform circle"),
                ("people", world.employee.pk),
                ("people", world.peer.pk),
                ("scheduled_at", (timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")),
                ("minutes_per_person", "20"),
                ("reveal_to", "circle"),
            ],
        )
        assert status == 302

        captain = RawClient(base, session_cookie_for(world.employee))
        captain.get(memo.get_absolute_url())
        status, _ = captain.post(reverse("decisions:step", args=[memo.pk, "publish"]), {})
        assert status == 302

        asker = RawClient(base, session_cookie_for(world.peer))
        asker.get(reverse("feedback:ask"))
        status, _ = asker.post(
            reverse("feedback:ask"), [("people", world.outsider.pk), ("question", "How?")]
        )
        assert status == 302

        admin = RawClient(base, session_cookie_for(world.people_admin))
        admin.get(reverse("people:import"))
        status, _ = _upload(admin, reverse("people:import"), "people.csv", CSV)
        assert status == 302
        took = time.monotonic() - started

    sweep = subprocess.run(
        [sys.executable, "manage.py", "keeper_sweep"],
        env=procs.worker_env(redis_url=broker.url, mail_dir=tmp_path),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert sweep.returncode == 0, sweep.stderr
    assert "opened" in sweep.stdout

    print(f"four requests with the broker down: {took:.1f}s")
    # Nothing ran, and nothing is lost: the work waits in the database.
    assert KeeperCycle.objects.count() == 1
    assert Job.objects.filter(status=Job.Status.PENDING).count() == 3  # circle, memo, import
    assert ImportJob.objects.get().status == ImportJob.Status.QUEUED
    assert not Delivery.objects.filter(status=Delivery.Status.SENT).exists()

    # The broker is back; a worker starts; beat's sweepers run (sent here by hand, twice,
    # as two ticks of beat would).
    Job.objects.update(run_after=timezone.now() - timedelta(minutes=2))
    Delivery.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = procs.worker_env(redis_url=broker.url, mail_dir=mail_dir, database_url=db_url_for_tests())
    from culture.celery import app

    with broker, procs.worker(env):
        for _ in range(2):
            with app.connection_for_write(broker.url) as conn:
                app.send_task("culture.tasks.sweep_jobs", connection=conn)
            procs.wait_until(
                lambda: not Job.objects.exclude(status=Job.Status.DONE).exists(),
                60,
                what="every job done",
            )
            Delivery.objects.filter(status=Delivery.Status.PENDING).update(
                created_at=timezone.now() - timedelta(minutes=2)
            )
            with app.connection_for_write(broker.url) as conn:
                app.send_task("culture.tasks.sweep_deliveries", connection=conn)
            procs.wait_until(
                lambda: not Delivery.objects.exclude(status=Delivery.Status.SENT).exists(),
                60,
                what="every email sent",
            )
        time.sleep(1)  # a duplicate, if there were one, would land now

    assert ImportJob.objects.get().status == ImportJob.Status.DONE
    assert Person.objects.filter(email="nia.new@example.test", manager=world.manager).exists()
    kinds = collections.Counter(Notification.objects.values_list("kind", flat=True))
    assert kinds["feedback.circle_invite"] == 3  # manager, employee, peer
    assert kinds["decisions.invited"] == 2
    assert kinds["feedback.requested"] == 1
    assert kinds["keeper.opened"] >= 1
    ids = procs.message_ids(mail_dir)
    assert len(ids) == Delivery.objects.count()
    duplicates = [i for i, n in collections.Counter(ids).items() if n > 1]
    assert not duplicates, f"sent more than once: {duplicates}"
