"""The chat ledger: queue, send, settle and sweep Slack and Teams messages exactly once.

Rows are written in the transaction of the change (culture.notifications.notify, the Teams
posts of chat.teams), handed to a worker after commit, claimed by a conditional UPDATE
(culture.ledger) and settled by what the channel's sender said (chat.outcome.Outcome):

- sent: the row is sent; the email that stood in for a Slack message is skipped.
- retry: tried again after Retry-After or a backoff (30 s doubling, at most 15 min); when
  the whole channel is limited or down it is paused, so one failing channel costs one
  request per wait, not one per message, and never delays email or another channel.
- fallback: Slack cannot take it (not connected, token revoked, person not in Slack) or it
  has waited past `give_up_at`: its email is released and sent instead.
- failed: a Teams post that will never go (the URL answers 4xx, or 24 hours of failures).

A worker that dies mid-send leaves a claim past its lease: the sweeper (every minute)
hands it over again, as it does rows whose hand-over was lost in a broker outage.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from chat.models import ChatDelivery, SlackInstallation, TeamsChannel
from chat.outcome import Outcome
from chat.routing import SLACK_GIVE_UP  # noqa: F401 - re-exported for the senders
from culture import jobs, ledger
from culture.models import Delivery

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=getattr(settings, "CHAT_SEND_LEASE_SECONDS", 120))
# A Slack message not sent within SLACK_GIVE_UP falls back to its email; a Teams post
# not sent within TEAMS_GIVE_UP fails.
TEAMS_GIVE_UP = timedelta(hours=24)
BACKOFF_FIRST = 30.0
BACKOFF_MAX = 15 * 60.0


def backoff(attempts: int) -> float:
    return min(BACKOFF_FIRST * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


def ready(now) -> Q:
    return Q(send_after__lte=now)


def enqueue(ids: list[int], size: int = 100) -> None:
    """Hand rows to the workers after commit, a task per chunk (a broker outage fails
    nobody: the sweeper finds the rows)."""
    chunks = [[ids[i : i + size]] for i in range(0, len(ids), size)]
    jobs.after_commit_each("chat.tasks.send_chat_deliveries", chunks)


# --- sending ---------------------------------------------------------------------------------


# The channels' senders, registered by chat.apps when Django starts: "slack" -> a factory
# of objects with send(row) -> Outcome (one per batch, so a client and its lookups are
# reused) and send_each(rows, paused), which sends several at once and answers in waves
# (lists of (row, Outcome, or None for "not tried: paused")); "teams" -> send only.
# Registered, not imported here, because the senders use this module (to fall back, to
# queue) and the import graph has no cycles.
SENDERS: dict = {}


def send_batch(ids: list[int]) -> int:
    """Claim the ready rows of `ids` in one transaction (culture.ledger.claim_many), send
    each, settle each right after it goes (a crash re-sends at most those in flight: one,
    or chat.slack.POSTS_IN_FLIGHT). How many this call sent."""
    now = timezone.now()
    rows = ledger.claim_many(
        ChatDelivery.objects.all(),
        ids,
        lease=LEASE,
        now=now,
        ready=lambda row: row.send_after <= now,
    )
    return _send_rows(rows)


def _send_rows(rows: list[ChatDelivery]) -> int:
    if not rows:
        return 0
    sent = 0
    paused: set[tuple[str, int | None]] = set()

    def is_paused(row: ChatDelivery) -> bool:
        return (row.channel, row.teams_channel_id) in paused

    by_channel: dict[str, list[ChatDelivery]] = {}
    for row in rows:
        by_channel.setdefault(row.channel, []).append(row)
    for channel, group in by_channel.items():
        sender = SENDERS[channel]()
        each = getattr(sender, "send_each", None)
        waves = (
            each(group, is_paused)
            if each is not None
            else ([(r, None if is_paused(r) else sender.send(r))] for r in group)
        )
        for wave in waves:
            # What went in this wave is settled in one transaction, before anything more goes.
            went = [
                row for row, outcome in wave if outcome is not None and outcome.status == "sent"
            ]
            settle_sent(went)
            sent += len(went)
            for row, outcome in wave:
                if outcome is None:
                    # Its channel paused earlier in this batch: give the claim back, untried.
                    _release(row, reason="channel paused")
                elif outcome.status != "sent":
                    settle(row, outcome)
                    if outcome.status == "retry" and outcome.pause_channel:
                        paused.add((row.channel, row.teams_channel_id))
    return sent


def send(chat_delivery_id: int) -> bool:
    now = timezone.now()
    row = ledger.claim(ChatDelivery.objects.all(), chat_delivery_id, lease=LEASE, ready=ready(now))
    if row is None:
        return False
    return _send_rows([row]) == 1


def _release(row: ChatDelivery, *, reason: str) -> None:
    """Give a claim back untried (its channel is paused): pending again, not counted."""
    until = paused_until(row) or timezone.now()
    ChatDelivery.objects.filter(pk=row.pk, status=ChatDelivery.Status.SENDING).update(
        status=ChatDelivery.Status.PENDING, attempts=F("attempts") - 1, send_after=until
    )


def paused_until(row: ChatDelivery):
    if row.channel == ChatDelivery.Channel.SLACK:
        return SlackInstallation.objects.filter(pk=1).values_list("paused_until", flat=True).first()
    return (
        TeamsChannel.objects.filter(pk=row.teams_channel_id or 0)
        .values_list("paused_until", flat=True)
        .first()
    )


def settle_sent(rows: list[ChatDelivery]) -> None:
    """Rows that went: sent, their stand-in emails skipped, their Teams channels no longer
    failing, in one transaction however many."""
    if not rows:
        return
    now = timezone.now()
    emails = [row.email_id for row in rows if row.email_id]
    teams = {
        row.teams_channel_id
        for row in rows
        if row.channel == ChatDelivery.Channel.TEAMS and row.teams_channel_id
    }
    with transaction.atomic():
        # Still this sender's: locked and checked by primary key, then marked (a condition
        # on status in the UPDATE lets the planner pick the open rows' partial index:
        # culture.ledger.claim_many says why that is slow).
        mine = [
            pk
            for pk, status in ChatDelivery.objects.select_for_update()
            .filter(pk__in=[row.pk for row in rows])
            .values_list("pk", "status")
            if status == ChatDelivery.Status.SENDING
        ]
        ChatDelivery.objects.filter(pk__in=mine).update(
            status=ChatDelivery.Status.SENT, sent_at=now, last_error=""
        )
        if emails:
            Delivery.objects.filter(
                pk__in=emails, status=Delivery.Status.HELD, held_for="slack"
            ).update(status=Delivery.Status.SKIPPED, last_error="Sent on Slack instead.")
        if teams:
            TeamsChannel.objects.filter(pk__in=teams).exclude(failing_since=None).update(
                failing_since=None, last_error=""
            )


def settle(row: ChatDelivery, outcome: Outcome) -> None:
    if outcome.status == "sent":
        settle_sent([row])
        return
    now = timezone.now()
    mine = ChatDelivery.objects.filter(pk=row.pk, status=ChatDelivery.Status.SENDING)
    with transaction.atomic():
        error = outcome.error[:2000]
        if outcome.status == "retry" and now < row.give_up_at:
            wait = outcome.retry_after if outcome.retry_after is not None else backoff(row.attempts)
            after = now + timedelta(seconds=max(wait, 1.0))
            mine.update(status=ChatDelivery.Status.PENDING, send_after=after, last_error=error)
            if outcome.pause_channel:
                _pause(row, after)
            _note_failing(row, error, now)
            return
        if outcome.status == "retry":
            error = f"Gave up after {row.attempts} tries: {error}"
        if row.email_id:
            mine.update(status=ChatDelivery.Status.FELL_BACK, last_error=error)
            release_email(row.email_id)
        else:
            mine.update(status=ChatDelivery.Status.FAILED, last_error=error)
            _note_failing(row, error, now)


def _pause(row: ChatDelivery, until) -> None:
    if row.channel == ChatDelivery.Channel.SLACK:
        SlackInstallation.objects.filter(pk=1).update(paused_until=until)
    else:
        TeamsChannel.objects.filter(pk=row.teams_channel_id or 0).update(paused_until=until)


def _note_failing(row: ChatDelivery, error: str, now) -> None:
    if row.channel == ChatDelivery.Channel.TEAMS and row.teams_channel_id:
        TeamsChannel.objects.filter(pk=row.teams_channel_id).update(last_error=error[:500])
        TeamsChannel.objects.filter(pk=row.teams_channel_id, failing_since=None).update(
            failing_since=now
        )


def release_email(delivery_id: int) -> bool:
    """Send the email a Slack message stood in for (after commit). Once: only a held email
    is released."""
    released = Delivery.objects.filter(
        pk=delivery_id, status=Delivery.Status.HELD, held_for="slack"
    ).update(status=Delivery.Status.PENDING, send_after=timezone.now())
    if released:
        jobs.after_commit("culture.tasks.send_delivery", delivery_id)
    return bool(released)


def fall_back_all(reason: str) -> int:
    """Slack is gone (uninstalled, revoked, disconnected): every Slack message not yet sent
    goes by email instead. How many."""
    count = 0
    open_rows = ChatDelivery.objects.filter(
        channel=ChatDelivery.Channel.SLACK, status=ChatDelivery.Status.PENDING
    )
    for row_id, email_id in open_rows.values_list("pk", "email_id"):
        with transaction.atomic():
            changed = ChatDelivery.objects.filter(
                pk=row_id, status=ChatDelivery.Status.PENDING
            ).update(status=ChatDelivery.Status.FELL_BACK, last_error=reason[:2000])
            if changed and email_id:
                release_email(email_id)
                count += 1
    return count


# --- sweeping --------------------------------------------------------------------------------


def due(now=None):
    """Rows to hand over again: pending and ready for over a minute (their hand-over was
    lost, or their wait is over) and claims past the lease. Paused channels wait."""
    now = now or timezone.now()
    rows = ledger.due(ChatDelivery.objects.all(), lease=LEASE, now=now, ready=ready(now))
    slack_paused = SlackInstallation.objects.filter(pk=1, paused_until__gt=now).exists()
    if slack_paused:
        rows = rows.exclude(channel=ChatDelivery.Channel.SLACK)
    paused_teams = TeamsChannel.objects.filter(paused_until__gt=now).values("pk")
    return rows.exclude(teams_channel__in=paused_teams)


def sweep(limit: int = 2000) -> int:
    ids = list(due().order_by("send_after", "pk").values_list("pk", flat=True)[:limit])
    sent = 0
    for i in range(0, len(ids), 100):
        try:
            sent += send_batch(ids[i : i + 100])
        except Exception:  # noqa: BLE001 - the rows stay claimable; the next sweep retries
            log.exception("chat sweep batch failed")
    return sent
