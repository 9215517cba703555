"""Celery tasks for chat. Thin: they take ids and call chat.delivery / chat.digest."""

from __future__ import annotations

from celery import shared_task

from chat import delivery, digest


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_chat_deliveries(ids: list[int]) -> int:
    # Exactly-once comes from each row's conditional claim (culture.ledger), so acks_late
    # is safe: a redelivered message finds the rows sent or claimed and does nothing.
    return delivery.send_batch(ids)


@shared_task
def sweep() -> int:
    """Retries whose time has come, the end of quiet hours, lost hand-overs, crashed claims."""
    return delivery.sweep()


@shared_task
def send_digests() -> int:
    """Every quarter of an hour: the daily digests whose time has come, in each zone."""
    return digest.send_due()


@shared_task
def sync_slack_users() -> int:
    """After an install and daily: match people to Slack users by email (chat.slack)."""
    from chat import slack
    from chat.models import SlackInstallation

    installation = SlackInstallation.active()
    return slack.sync_users(installation) if installation is not None else 0


@shared_task
def slack_revoked(reason: str, revoked_at: str) -> int:
    """Slack said the token is gone: pending Slack messages go by email, admins are told."""
    from chat import slack_admin

    return slack_admin.after_revocation(reason, revoked_at)
