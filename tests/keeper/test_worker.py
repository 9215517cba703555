"""A real Celery worker against Redis runs the keeper sweep and delivers a reminder email."""

from __future__ import annotations

import pytest
from django.utils import timezone

from culture.models import Delivery
from keeper.models import KeeperCycle, KeeperPolicy, KeeperTest
from keeper.tasks import sweep

pytestmark = [pytest.mark.celery]


def test_a_real_worker_runs_the_sweep_and_delivers_the_opening_reminder(world, celery_worker):
    # Open the cycle of the current month, whatever today is, so the worker's real clock
    # (which time_machine cannot reach) is inside it.
    policy = KeeperPolicy.load()
    policy.cadence = 2
    policy.opening_month = timezone.localdate().month
    policy.opening_hour = 0
    policy.due_days = 30
    policy.save()

    sweep.delay()
    celery_worker.wait_for(lambda: KeeperCycle.objects.exists(), timeout=30)
    key = f"keeper:{KeeperCycle.objects.get().period_key}:open:manager:{world.manager.pk}"
    celery_worker.wait_for(
        lambda: Delivery.objects.filter(key=key, status=Delivery.Status.SENT).exists(), timeout=30
    )
    # Mia gets two emails: her people to answer for, and (as Sam's report) the note that
    # she may ask her own manager. The first, once: read decoded (in December the cycle's
    # en dash made the subject fold between "2 to" and "answer" in the raw file).
    opening = celery_worker.wait_for(
        lambda: [
            m
            for m in celery_worker.sent_emails()
            if m["To"] == "manager@example.test" and "2 to answer" in m["Subject"]
        ]
    )
    assert len(opening) == 1
    body = opening[0].get_body(("plain",)).get_content()
    assert "- Eli Employee" in body and "- Pat Peer" in body
    assert KeeperTest.objects.filter(manager=world.manager).count() == 2
