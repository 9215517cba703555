"""Celery tasks for the core. Tasks are thin: they take ids, reload, call a service."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from culture import jobs, notifications, retention
from culture.models import Heartbeat

log = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True, max_retries=5, default_retry_delay=30)
def send_delivery(delivery_id: int) -> bool:
    # Exactly-once comes from the ledger's conditional claim, so acks_late is safe here:
    # a redelivered message finds the row sent (or claimed) and does nothing.
    return notifications.send(delivery_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_deliveries(delivery_ids: list[int]) -> int:
    # As send_delivery: each row is claimed before it is sent, so redelivery is harmless.
    return notifications.send_batch(delivery_ids)


@shared_task
def sweep_deliveries() -> int:
    """Re-send anything whose task was lost (broker down, worker killed)."""
    count = 0
    for delivery_id in notifications.due_for_sweep().values_list("pk", flat=True)[:1000]:
        try:
            notifications.send(delivery_id)
            count += 1
        except Exception:  # noqa: BLE001 - recorded on the row; next sweep retries
            log.warning("delivery %s failed; will retry", delivery_id)
    return count


@shared_task
def heartbeat() -> None:
    Heartbeat.objects.update_or_create(name="beat", defaults={"at": timezone.now()})


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_job(job_id: int) -> bool:
    # Exactly-once comes from the job's conditional claim (culture.jobs.run), so acks_late
    # is safe: a redelivered message finds the job running or done and does nothing.
    return jobs.run(job_id)


@shared_task
def sweep_jobs() -> int:
    """Hand over again deferred work whose message was lost (broker down, worker killed)."""
    return jobs.sweep()


@shared_task
def sweep_retention() -> dict:
    """Daily: forget what is kept no longer than its retention (culture.retention)."""
    return retention.sweep()
