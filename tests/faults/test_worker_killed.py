"""A worker killed with SIGKILL in the middle of sending a batch: after a restart and the
sweeper, every message is sent exactly once and nothing is lost.

The mail backend is slowed down (tests/faults/slowmail.py) and the worker is killed while
a known message is in flight, before the mail server has it. The send lease is shortened
(DELIVERY_SEND_LEASE_SECONDS in the worker's settings) so the sweeper may take the stale
claims back after 2 seconds instead of 5 minutes.
"""

from __future__ import annotations

import collections
import signal
import time

import pytest
import redis

from culture.models import Delivery
from culture.notifications import Message, notify_many
from culture.tasks import sweep_deliveries
from tests.conftest import build_world, celery_queue, make_person
from tests.faults import procs

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.celery,
    pytest.mark.xdist_group("faults"),
]

LEASE = 2.0


def test_a_worker_killed_mid_batch_loses_nothing_and_sends_each_message_once(redis_url, tmp_path):
    world = build_world()
    people = [world.employee, world.peer, world.manager, world.skip_level, world.outsider]
    people += [make_person(manager=world.manager) for _ in range(3)]
    redis.Redis.from_url(redis_url).delete(celery_queue())
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()

    # One batch of 8 emails, queued for the worker (one send_deliveries task).
    created = notify_many(
        [
            Message(recipient=p, key=f"faults:kill:{p.pk}", kind="test", title="Batch")
            for p in people
        ]
    )
    assert created == 8

    env = procs.worker_env(
        redis_url=redis_url, mail_dir=mail_dir, FAULTS_MAIL_DELAY=0.4, FAULTS_SEND_LEASE=LEASE
    )
    with procs.worker(env, name="doomed") as doomed:
        # Kill it while the 4th message is in flight (3 handed over, 5 still to go).
        procs.wait_until(lambda: (mail_dir / "sending-4").exists(), 40, what="4th in flight")
        doomed.send_signal(signal.SIGKILL)
        doomed.wait()

    statuses = collections.Counter(Delivery.objects.values_list("status", flat=True))
    assert statuses == {Delivery.Status.SENT: 3, Delivery.Status.SENDING: 5}
    assert len(procs.message_ids(mail_dir)) == 3

    # A new worker, and the sweeper (beat runs it every minute) once the lease is over.
    env["FAULTS_MAIL_DELAY"] = "0"
    with procs.worker(env, name="fresh") as fresh:
        procs.wait_until(
            lambda: (
                Delivery.objects.filter(
                    status=Delivery.Status.SENDING, claimed_at__isnull=False
                ).count()
                == 5
            ),
            5,
        )
        time.sleep(LEASE + 0.2)
        sweep_deliveries.delay()
        procs.wait_until(
            lambda: (
                Delivery.objects.filter(status=Delivery.Status.SENT).count() == 8
                or fresh.poll() is not None
            ),
            40,
            what="all sent",
        )

    assert Delivery.objects.filter(status=Delivery.Status.SENT).count() == 8
    ids = procs.message_ids(mail_dir)
    counts = collections.Counter(ids)
    assert len(counts) == 8, f"lost: {8 - len(counts)}"
    assert max(counts.values()) == 1, f"sent twice: {[i for i, n in counts.items() if n > 1]}"
    assert len(ids) == 8
