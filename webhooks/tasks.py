"""Celery tasks for webhooks. Thin: they take ids and call webhooks.delivery."""

from __future__ import annotations

from celery import shared_task

from webhooks import delivery


@shared_task(acks_late=True, reject_on_worker_lost=True)
def deliver_endpoint(endpoint_id: int) -> int:
    # Exactly-once comes from each row's conditional claim (culture.ledger), so acks_late
    # is safe: a redelivered message finds the rows sent or claimed and does nothing.
    return delivery.deliver_endpoint(endpoint_id)


@shared_task
def sweep() -> int:
    """Retries whose time has come, lost hand-overs, crashed claims; failing endpoints."""
    return delivery.sweep()
