"""The ledger discipline, shared by every table that sends something exactly once.

A ledger row has `status` (pending / sending / sent / failed ...), `attempts` and
`claimed_at`. A sender claims a row with one conditional UPDATE (pending -> sending, or a
sending row whose lease has run out: its worker crashed), sends, then marks the row. Two
workers given the same row (a message the broker delivered twice, a sweep racing a task)
cannot both win the claim. A sweeper finds rows whose hand-over was lost and stale claims.
A batch is claimed by `claim_many`, which locks its rows by primary key and decides on them.

The email ledger (culture.notifications, culture.models.Delivery), the chat ledger
(chat.delivery) and the webhook ledger (webhooks.delivery, webhooks.models.WebhookDelivery)
claim and sweep through these functions; each keeps its own table, lease and retry policy.
`ready` narrows which pending rows may be claimed now (a webhook waiting for its next try is
pending but not ready).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

PENDING = "pending"
SENDING = "sending"


def claimable(*, lease: timedelta, now: datetime, ready: Q | None = None) -> Q:
    """Rows a sender may take now: pending (and ready), or sending past the lease.
    (`claim_many` applies the same rule in Python, to rows it has locked by primary key.)"""
    pending = Q(status=PENDING)
    if ready is not None:
        pending &= ready
    return pending | Q(status=SENDING, claimed_at__lt=now - lease)


def claim(
    rows: QuerySet,
    pk: int,
    *,
    lease: timedelta,
    now: datetime | None = None,
    ready: Q | None = None,
    **values,
):
    """Claim row `pk` of `rows` with a conditional UPDATE; the row, or None when another
    sender has it (or it is finished). `values` are written with the claim."""
    now = now or timezone.now()
    claimed = (
        rows.filter(pk=pk)
        .filter(claimable(lease=lease, now=now, ready=ready))
        .update(status=SENDING, claimed_at=now, attempts=F("attempts") + 1, **values)
    )
    if not claimed:
        return None
    return rows.model._default_manager.get(pk=pk)


def claim_many(
    rows: QuerySet,
    pks: list[int],
    *,
    lease: timedelta,
    now: datetime,
    ready: Callable[[Any], bool],
    max_attempts: int | None = None,
) -> list:
    """Claim the claimable rows among `pks` in one transaction: lock them by primary key
    (skipping those another sender holds), decide on the locked rows (pending and
    `ready(row)`, or sending past the lease), mark the chosen ones sending. The rows, by pk.

    Decided on the rows and not in the WHERE clause: a condition on `status` lets
    PostgreSQL's planner choose the table's partial index of open rows, which a VACUUM that
    found none leaves estimated empty; with 100,000 rows just written, every claim then read
    the whole index (200 ms a batch: bench/README.md, "Issue 26, seventh round")."""
    with transaction.atomic():
        locked = list(rows.select_for_update(skip_locked=True).filter(pk__in=pks).order_by("pk"))
        chosen = [
            row
            for row in locked
            if (max_attempts is None or row.attempts < max_attempts)
            and (
                (row.status == PENDING and ready(row))
                or (
                    row.status == SENDING
                    and row.claimed_at is not None
                    and row.claimed_at < now - lease
                )
            )
        ]
        if chosen:
            rows.filter(pk__in=[row.pk for row in chosen]).update(
                status=SENDING, claimed_at=now, attempts=F("attempts") + 1
            )
    for row in chosen:
        row.status, row.claimed_at, row.attempts = SENDING, now, row.attempts + 1
    return chosen


def due(
    rows: QuerySet,
    *,
    lease: timedelta,
    now: datetime | None = None,
    ready: Q | None = None,
) -> QuerySet:
    """Rows the sweeper hands over again: pending and ready (their task was lost, or their
    next try has come) and claims whose worker died (past the lease)."""
    now = now or timezone.now()
    return rows.filter(claimable(lease=lease, now=now, ready=ready))
