"""Celery tasks of the pay app. Thin: they take ids, reload, call a service."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from culture.models import CompanySettings
from pay import services


@shared_task
def sweep_pay_review() -> int:
    """Idempotent sweeper: in the review month, remind every manager once (keyed per year)."""
    today = timezone.now().astimezone(CompanySettings.load().tz).date()
    return services.do_send_review_reminders(today=today)
