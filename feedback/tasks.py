"""Celery tasks for feedback. Thin: they take ids and call a service."""

from __future__ import annotations

from celery import shared_task

from feedback import invitations
from feedback.services import cadence, written


@shared_task
def remind_circles() -> int:
    return invitations.remind_upcoming()


@shared_task
def remind_feedback_requests() -> int:
    return written.remind_open_requests()


@shared_task
def remind_due_circles() -> int:
    return cadence.remind_due_circles()


@shared_task
def sweep_campaigns() -> dict[str, int]:
    return written.sweep_campaigns()
