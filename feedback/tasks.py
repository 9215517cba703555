"""Celery tasks for feedback. Thin: they take ids and call a service."""

from __future__ import annotations

from celery import shared_task


@shared_task
def remind_circles() -> int:
    from feedback import invitations

    return invitations.remind_upcoming()


@shared_task
def remind_feedback_requests() -> int:
    from feedback import services

    return services.remind_open_requests()
