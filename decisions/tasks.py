"""Celery tasks: thin, idempotent sweepers (exactly-once comes from notification keys)."""

from celery import shared_task

from decisions import services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_reminders() -> dict:
    return services.sweep_reminders()
