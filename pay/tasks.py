"""Celery tasks of the pay app. Thin: they take ids, reload, call a service."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from culture.models import CompanySettings


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_import(job_id: int) -> None:
    # Exactly-once: the job is claimed by a conditional UPDATE (queued -> running).
    from pay import services

    services.run_import_job(job_id)


@shared_task
def sweep_pay_review() -> int:
    """Idempotent sweeper: in the review month, remind every manager once (keyed per year)."""
    from pay import services

    today = timezone.now().astimezone(CompanySettings.load().tz).date()
    return services.do_send_review_reminders(today=today)
