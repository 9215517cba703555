"""Celery tasks: thin, idempotent sweepers (exactly-once comes from notification keys)."""

from celery import shared_task

from freedom import services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_time_off_nudges() -> dict:
    return services.sweep_time_off_nudges()
