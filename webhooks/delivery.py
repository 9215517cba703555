"""Sending webhook deliveries: exactly once per (endpoint, event), in event order.

Why a table of its own (webhooks.models.WebhookDelivery) and not a channel column on the
email ledger (culture.models.Delivery): an email row is a rendered message to a person
(recipient, address, subject, bodies, all required); a webhook row is an event for an
endpoint with a retry clock (next try, give-up time, response code). One table for both
would make half of each side's columns nullable, and every email query (the sweeper, the
retention sweep, the partial index) would have to filter on the channel; an endpoint that
fails for a day would sit in the email sweeper's scans. What must be shared is the
discipline, and it is: both ledgers claim and sweep through culture.ledger (a unique key,
claim pending -> sending by conditional UPDATE, a lease after which a crashed claim is
taken again, a sweeper on beat).

Order: an endpoint receives its events in the order they happened. `deliver_endpoint`
walks the endpoint's open rows oldest first and stops at the first one that is not due or
that another worker holds, so a newer event never overtakes an older one that is being
retried (head-of-line, per endpoint: one endpoint's failures never delay another's).

Responses: 2xx is delivered; 410 Gone turns the endpoint off now; 429 waits for
Retry-After; anything else (5xx, other 4xx, timeouts, refused connections) is tried again
with exponential backoff and jitter (1 min, 2, 4, ... capped at 4 h) until 24 h after the
event, then marked failed. An endpoint that has failed for 3 days without one success is
turned off and the people admins are told (in-app and by email, through the email ledger).

A worker that dies after the receiver answered but before the row is marked may send that
event again after the lease: receivers drop repeats by `webhook-id`, as the Standard
Webhooks specification asks.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from culture import jobs, ledger
from culture.i18n import as_reader
from sso import crypto
from webhooks import addresses, signing
from webhooks.models import Endpoint, Event, WebhookDelivery

log = logging.getLogger(__name__)

# A claimed delivery whose worker has not answered within the lease is considered crashed
# (well above the request timeout).
LEASE = timedelta(seconds=getattr(settings, "WEBHOOK_SEND_LEASE_SECONDS", 120))
TIMEOUT = getattr(settings, "WEBHOOK_TIMEOUT_SECONDS", 5)
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=4)
DISABLE_AFTER = timedelta(days=3)
# Finished deliveries (and then their events, which name people) are kept this long, to
# show on the endpoint's page and to send again, then deleted by the sweeper.
KEEP_FINISHED = timedelta(days=30)
USER_AGENT = "Culture-Webhooks/1"

Status = WebhookDelivery.Status


def backoff(attempts: int, rand=None) -> timedelta:
    """The wait after the `attempts`-th failed try: doubling from a minute, capped at 4 h,
    with ±20% jitter so endpoints that failed together do not retry together."""
    base = min(BACKOFF_FIRST * 2 ** max(attempts - 1, 0), BACKOFF_MAX)
    return base * (0.8 + 0.4 * (rand or random.random)())


def retry_after(value: str | None, now: datetime) -> timedelta | None:
    """A Retry-After header (seconds, or an HTTP date) as a wait; None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(when - now, timedelta(0))


def body_of(event) -> str:
    """The JSON body: the same bytes on every try (so a receiver may hash it)."""
    envelope = {
        "type": event.type,
        "timestamp": event.occurred_at.isoformat().replace("+00:00", "Z"),
        "data": event.data,
    }
    return json.dumps(envelope, separators=(",", ":"), sort_keys=True)


def _ready(now: datetime) -> Q:
    # Columns of the row only: a lookup across a join would make Django's UPDATE a
    # `pk IN (subquery)`, which Postgres does not re-check against a racing claim.
    return Q(next_attempt_at__lte=now)


def deliver_endpoint(endpoint_id: int, *, limit: int = 200) -> int:
    """Send this endpoint's due deliveries, oldest event first, until one fails, is not
    due yet, or is held by another worker. Returns how many were delivered."""
    delivered = 0
    for _attempt in range(limit):
        endpoint = Endpoint.objects.filter(pk=endpoint_id, is_active=True).first()
        if endpoint is None:
            return delivered
        head = WebhookDelivery.objects.queue(endpoint_id).values_list("pk", flat=True).first()
        if head is None:
            return delivered
        now = timezone.now()
        row = ledger.claim(
            WebhookDelivery.objects.all(), head, lease=LEASE, now=now, ready=_ready(now)
        )
        if row is None:
            return delivered
        if not attempt(row, endpoint):
            return delivered
        delivered += 1
    # More than `limit` in one go: hand the rest to another task.
    jobs.after_commit("webhooks.tasks.deliver_endpoint", endpoint_id)
    return delivered


def attempt(row: WebhookDelivery, endpoint: Endpoint) -> bool:
    """One try of a claimed row: POST, then record what happened. True if delivered."""
    event = row.event
    body = body_of(event)
    now = timezone.now()
    try:
        secret = crypto.decrypt(endpoint.secret_encrypted)
    except crypto.Unreadable:  # the encryption key changed: nothing can be signed
        error = "The signing secret cannot be read (the key changed): rotate the secret."
        _failed(row, endpoint, now=now, code=None, error=error)
        return False
    if (reason := addresses.refusal(endpoint.url)) is not None:
        _failed(row, endpoint, now=now, code=None, error=reason)
        return False
    headers = signing.headers(secret, event.msg_id, int(now.timestamp()), body)
    headers["user-agent"] = USER_AGENT
    try:
        response = requests.post(
            endpoint.url,
            data=body.encode(),
            headers=headers,
            timeout=TIMEOUT,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        _failed(row, endpoint, now=now, code=None, error=f"{type(exc).__name__}: {exc}")
        return False
    code = response.status_code
    if 200 <= code < 300:
        with transaction.atomic():
            WebhookDelivery.objects.filter(pk=row.pk, status=Status.SENDING).update(
                status=Status.SENT,
                sent_at=timezone.now(),
                last_attempt_at=now,
                response_status=code,
                last_error="",
            )
            Endpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=False).update(
                failing_since=None
            )
        return True
    if code == 410:
        _failed(row, endpoint, now=now, code=code, error="410 Gone", final=True)
        disable(endpoint.pk, reason="The endpoint answered 410 Gone.", now=now)
        return False
    wait = retry_after(response.headers.get("Retry-After"), now) if code == 429 else None
    _failed(row, endpoint, now=now, code=code, error=f"HTTP {code}", wait=wait)
    return False


def _failed(row, endpoint, *, now, code, error, wait=None, final=False) -> None:
    wait = wait if wait is not None else backoff(row.attempts)
    next_at = now + wait
    final = final or next_at > row.give_up_at
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=row.pk, status=Status.SENDING).update(
            status=Status.FAILED if final else Status.PENDING,
            next_attempt_at=next_at,
            last_attempt_at=now,
            response_status=code,
            last_error=error[:500],
        )
        Endpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(
            failing_since=now
        )
    log.info("webhook %s to endpoint %s failed: %s", row.pk, endpoint.pk, error)
    if endpoint.failing_since and now - endpoint.failing_since >= DISABLE_AFTER:
        disable(endpoint.pk, reason="Every delivery failed for 3 days.", now=now)


def disable(endpoint_id: int, *, reason: str, now: datetime | None = None) -> bool:
    """Turn an endpoint off for the system (410 Gone, or failing for 3 days), fail its
    open deliveries and tell the people admins. True if this call turned it off."""
    from culture.models import Person
    from culture.notifications import notify

    now = now or timezone.now()
    with transaction.atomic():
        turned_off = Endpoint.objects.filter(pk=endpoint_id, is_active=True).update(
            is_active=False, disabled_at=now, disabled_reason=reason[:200]
        )
        if not turned_off:
            return False
        fail_open(endpoint_id, "The endpoint was turned off.")
        endpoint = Endpoint.objects.get(pk=endpoint_id)
        url = reverse("webhooks:endpoint", args=[endpoint_id])
        for admin in Person.objects.filter(is_people_admin=True, is_active=True):
            # In the admin's language; the reason is the recorded diagnostic, as it is.
            with as_reader(admin):
                title = _("Webhook to %(host)s was turned off") % {"host": endpoint.host}
                body = _(
                    "%(reason)s Nothing more is sent to %(url)s until someone turns it back on."
                ) % {"reason": reason, "url": endpoint.url}
            notify(
                admin,
                # A key per admin: keys are unique across recipients.
                key=f"webhook:disabled:{endpoint_id}:{now:%Y%m%d%H%M%S}:{admin.pk}",
                kind="webhook.disabled",
                title=title,
                body=body,
                url=url,
            )
    log.warning("webhook endpoint %s turned off: %s", endpoint_id, reason)
    return True


def fail_open(endpoint_id: int, error: str) -> int:
    return WebhookDelivery.objects.filter(
        endpoint_id=endpoint_id, status__in=[Status.PENDING, Status.SENDING]
    ).update(status=Status.FAILED, last_error=error)


def due(now: datetime | None = None):
    """Deliveries the sweeper hands over: due pending rows and crashed claims."""
    now = now or timezone.now()
    return ledger.due(
        WebhookDelivery.objects.filter(endpoint__is_active=True),
        lease=LEASE,
        now=now,
        ready=_ready(now),
    )


def sweep(now: datetime | None = None) -> int:
    """Beat, every minute: hand over each endpoint with something due (a retry whose time
    has come, a hand-over the broker lost, a crashed claim); turn off endpoints failing
    for 3 days. Idempotent. Returns how many endpoints were handed over."""
    now = now or timezone.now()
    for endpoint_id in Endpoint.objects.filter(
        is_active=True, failing_since__lte=now - DISABLE_AFTER
    ).values_list("pk", flat=True):
        disable(endpoint_id, reason="Every delivery failed for 3 days.", now=now)
    ids = sorted(set(due(now).values_list("endpoint_id", flat=True)))
    jobs.after_commit_each("webhooks.tasks.deliver_endpoint", [[pk] for pk in ids])
    forget(now)
    return len(ids)


def forget(now: datetime) -> None:
    """Delete deliveries finished more than KEEP_FINISHED ago, then events nobody is left to
    receive; a few thousand a minute at most, so a backlog never makes one long sweep."""
    old = WebhookDelivery.objects.filter(
        status__in=[Status.SENT, Status.FAILED], created_at__lt=now - KEEP_FINISHED
    )
    WebhookDelivery.objects.filter(pk__in=old.values("pk")[:5000]).delete()
    orphans = Event.objects.filter(
        occurred_at__lt=now - KEEP_FINISHED, deliveries__isnull=True
    ).values("pk")[:5000]
    Event.objects.filter(pk__in=orphans).delete()
