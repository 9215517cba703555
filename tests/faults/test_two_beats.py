"""Two beat schedulers running at once (a second beat started by mistake, or an old one
not yet gone during a deploy), each firing every periodic task every 2 seconds into two
real workers: every reminder is still sent exactly once.

The short schedule comes from tests/faults/worker_settings.py (FAULTS_BEAT_EVERY); the
tasks, workers, Redis and database are the real ones.
"""

from __future__ import annotations

import collections
import time

import pytest
import redis
from django.utils import timezone

from culture.models import Delivery, Notification, Person
from keeper.models import KeeperCycle, KeeperPolicy, KeeperTest
from keeper.services import sweep as sweep_services
from tests.conftest import a_zone_in_its_morning, build_world, celery_queue
from tests.faults import procs

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.celery,
    pytest.mark.xdist_group("faults"),
]

RUN_FOR = 10.0


def test_two_beats_at_once_send_every_reminder_once(redis_url, tmp_path):
    world = build_world()
    # Daily reminders (time to look again) wait for their reader's morning: make it morning
    # for everyone, whatever the time of this run (the workers' clock is the real one).
    Person.objects.update(time_zone=a_zone_in_its_morning())
    # The keeper cycle of the current month is due now, whatever today is.
    policy = KeeperPolicy.load()
    policy.cadence = 2
    policy.opening_month = timezone.localdate().month
    policy.opening_hour = 0
    policy.due_days = 30
    policy.save()
    redis.Redis.from_url(redis_url).delete(celery_queue())
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = procs.worker_env(redis_url=redis_url, mail_dir=mail_dir, FAULTS_BEAT_EVERY=2)

    beats = []
    try:
        with procs.worker(env, name="w1"), procs.worker(env, name="w2"):
            for n in (1, 2):
                beats.append(
                    procs.celery(
                        ["beat", "--loglevel=WARNING", "-s", str(tmp_path / f"beat{n}")], env
                    )
                )
            # Four processes start at once: on a busy 2-core machine, most of a minute.
            procs.wait_until(lambda: KeeperCycle.objects.exists(), 90, what="a cycle opened")
            # A reminder that every sweep looks at again: "time to look again" is due today.
            KeeperTest.objects.filter(report=world.employee).update(
                look_again_on=timezone.localdate()
            )
            time.sleep(RUN_FOR)
            for beat in beats:
                procs.stop(beat)
            procs.wait_until(
                lambda: not Delivery.objects.exclude(status=Delivery.Status.SENT).exists(),
                30,
                what="every delivery sent",
            )
            time.sleep(1)  # the queue drains: a late duplicate would land now
    finally:
        for beat in beats:
            procs.stop(beat)

    assert KeeperCycle.objects.count() == 1
    deliveries = Delivery.objects.count()
    assert deliveries >= 5  # five managers to remind, and their reports' "you may ask" notes
    assert Delivery.objects.filter(key__startswith="keeper:lookagain:").count() == 1
    ids = procs.message_ids(mail_dir)
    duplicates = [i for i, n in collections.Counter(ids).items() if n > 1]
    assert not duplicates, f"sent more than once: {duplicates}"
    assert len(ids) == deliveries
    # ...and nothing was left out: one more sweep has nothing to send.
    before = Notification.objects.count()
    sweep_services.sweep()
    assert Notification.objects.count() == before
    print(f"two beats for {RUN_FOR:.0f}s: {deliveries} reminders, {len(ids)} emails")
