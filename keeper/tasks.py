"""Keeper tasks: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task

from keeper.services import sweep as sweep_services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep() -> str:
    # Every effect of the sweep is exactly-once in the database (unique cycle per period,
    # unique test per cycle x report, notification keys), so a redelivery is harmless.
    return sweep_services.sweep().line()
