"""Notifications: the one mechanism every reminder in the product uses.

    notify(recipient, key="keeper:open:2027Q1:42", kind="keeper.opened",
           title="Keeper test, Q1 2027 is open", url="/keeper/",
           template="emails/keeper_opened", context={...})

- `key` is unique per event per person. Calling notify() again with the same key does
  nothing: no second in-app notification, no second email. Retried, re-queued and
  duplicated callers are therefore harmless.
- The email is rendered now (templates/<template>.txt and, if present, .html) and stored
  in the Delivery ledger; a Celery task sends it after the transaction commits. A crashed
  or lost task is picked up again by `sweep_deliveries` (every minute).
- Attachments: a list of (filename, text content, mimetype), e.g. an .ics invite.
"""

from __future__ import annotations

import email.policy
import logging
from dataclasses import dataclass
from datetime import timedelta
from email.message import MIMEPart

from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import timezone

from culture import clock, jobs, ledger
from culture.models import Delivery, Notification, Person

log = logging.getLogger(__name__)

# A claimed delivery whose worker has not finished within the lease is considered crashed.
# DELIVERY_SEND_LEASE_SECONDS (a setting, not read from the environment) lets the fault
# tests use a short lease with real worker processes.
SEND_LEASE = timedelta(seconds=getattr(settings, "DELIVERY_SEND_LEASE_SECONDS", 300))
MAX_ATTEMPTS = 8


def notify(
    recipient: Person,
    *,
    key: str,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    email: bool = True,
    in_app: bool = True,
    template: str | None = None,
    context: dict | None = None,
    attachments: list[tuple[str, str, str]] | None = None,
) -> Notification | Delivery | None:
    """Create the in-app notification and queue its email, exactly once per key.

    Returns what was created (the Notification, or the Delivery when in_app=False), or
    None when this key was already notified (or the recipient is inactive).
    """
    if not recipient.is_active:
        return None
    with transaction.atomic():
        notification = None
        if in_app:
            try:
                with transaction.atomic():
                    notification = Notification.objects.create(
                        key=key,
                        recipient=recipient,
                        kind=kind,
                        title=title[:200],
                        body=body,
                        url=url,
                    )
            except IntegrityError:
                return None
        delivery = None
        if email and recipient.email:
            subject, text, html = render_email(
                recipient, title=title, body=body, url=url, template=template, context=context
            )
            try:
                with transaction.atomic():
                    delivery = Delivery.objects.create(
                        key=key,
                        notification=notification,
                        recipient=recipient,
                        to_email=recipient.email,
                        subject=subject,
                        text_body=text,
                        html_body=html,
                        attachments=[list(a) for a in (attachments or [])],
                    )
            except IntegrityError:
                if notification is None:
                    return None
            else:
                enqueue_delivery(delivery.pk)
    return notification or delivery


def render_email(recipient, *, title, body, url, template=None, context=None, company=None):
    from culture.models import CompanySettings

    company = company or CompanySettings.load()
    full_url = f"{settings.SITE_URL}{url}" if url.startswith("/") else url
    ctx = {
        "recipient": recipient,
        "title": title,
        "body": body,
        "url": full_url,
        "company": company,
        "site_url": settings.SITE_URL,
        **(context or {}),
    }
    base = template or "emails/notification"
    # Times in the message are the recipient's, whoever or whatever sends it.
    with timezone.override(clock.zone_for(recipient)):
        text = render_to_string(f"{base}.txt", ctx)
        try:
            html_template = get_template(f"{base}.html")
        except TemplateDoesNotExist:
            html_template = get_template("emails/notification.html")
        html = html_template.render(ctx)
    subject = f"[{company.name}] {title}"[:250]
    return subject, text, html


@dataclass
class Message:
    """One notification for notify_many(); the same fields as notify()."""

    recipient: Person
    key: str
    kind: str
    title: str
    body: str = ""
    url: str = ""
    email: bool = True
    template: str | None = None
    context: dict | None = None
    attachments: list | None = None


_INSERT_NOTIFICATIONS = """
INSERT INTO culture_notification (key, recipient_id, kind, title, body, url, created_at)
SELECT * FROM unnest(
    %s::varchar[], %s::bigint[], %s::varchar[], %s::varchar[], %s::text[], %s::varchar[],
    %s::timestamptz[]
)
ON CONFLICT (key) DO NOTHING
RETURNING id, key
"""


def notify_many(messages: list[Message]) -> int:
    """notify() for many people at once: one INSERT for the in-app notifications, one for
    the emails, one task per chunk of emails. Exactly once per key, like notify(): keys
    that exist already (or that a racing caller inserts first) are skipped.

    Returns how many notifications this call created.
    """
    messages = [m for m in messages if m.recipient.is_active]
    if not messages:
        return 0
    from culture.models import CompanySettings

    now = timezone.now()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                _INSERT_NOTIFICATIONS,
                [
                    [m.key for m in messages],
                    [m.recipient.pk for m in messages],
                    [m.kind for m in messages],
                    [m.title[:200] for m in messages],
                    [m.body for m in messages],
                    [m.url for m in messages],
                    [now] * len(messages),
                ],
            )
            created = {key: pk for pk, key in cursor.fetchall()}
        company = CompanySettings.load()
        deliveries = []
        for m in messages:
            if m.key not in created or not m.email or not m.recipient.email:
                continue
            subject, text, html = render_email(
                m.recipient,
                title=m.title,
                body=m.body,
                url=m.url,
                template=m.template,
                context=m.context,
                company=company,
            )
            deliveries.append(
                Delivery(
                    key=m.key,
                    notification_id=created[m.key],
                    recipient=m.recipient,
                    to_email=m.recipient.email,
                    subject=subject,
                    text_body=text,
                    html_body=html,
                    attachments=[list(a) for a in (m.attachments or [])],
                    created_at=now,
                )
            )
        Delivery.objects.bulk_create(deliveries, ignore_conflicts=True, batch_size=500)
        ids = list(
            Delivery.objects.filter(
                key__in=[d.key for d in deliveries], status=Delivery.Status.PENDING
            ).values_list("pk", flat=True)
        )
        enqueue_batches(ids)
    return len(created)


def enqueue_batches(delivery_ids: list[int], size: int = 100) -> None:
    """Queue the sends after commit, a task per chunk (culture.jobs.after_commit: a broker
    outage never fails the caller; the sweeper finds the pending rows)."""
    chunks = [[delivery_ids[i : i + size]] for i in range(0, len(delivery_ids), size)]
    jobs.after_commit_each("culture.tasks.send_deliveries", chunks)


def enqueue_delivery(delivery_id: int) -> None:
    """Queue the send after commit (as enqueue_batches)."""
    jobs.after_commit("culture.tasks.send_delivery", delivery_id)


def claim(delivery_id: int) -> Delivery | None:
    """Claim a delivery for sending with a conditional UPDATE; None if someone else has it
    (or it is already sent). The discipline is culture.ledger's, shared with webhooks."""
    return ledger.claim(
        Delivery.objects.filter(attempts__lt=MAX_ATTEMPTS), delivery_id, lease=SEND_LEASE
    )


def _message(delivery: Delivery) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=delivery.subject,
        body=delivery.text_body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.to_email],
        headers={"Message-ID": f"<{delivery.pk}.{delivery.key.replace(':', '.')}@culture>"},
    )
    if delivery.html_body:
        message.attach_alternative(delivery.html_body, "text/html")
    for filename, content, mimetype in delivery.attachments:
        message.attach(_part(filename, content, mimetype))
    return message


def _part(filename: str, content: str, mimetype: str) -> MIMEPart:
    """An attachment whose content type may carry parameters (a calendar file says
    `text/calendar; method=REQUEST`, which calendar clients read to offer the invitation)."""
    maintype, _, rest = mimetype.partition("/")
    subtype, *pairs = [p.strip() for p in rest.split(";")]
    params = dict(pair.split("=", 1) for pair in pairs if "=" in pair)
    if maintype == "text":
        params.setdefault("charset", "utf-8")
    part = MIMEPart(policy=email.policy.default)
    # As bytes, so that the content travels exactly (a calendar file's lines end in CRLF).
    part.set_content(
        content.encode(),
        maintype,
        subtype,
        params=params,
        disposition="attachment",
        filename=filename,
    )
    return part


def send(delivery_id: int) -> bool:
    """Send one delivery if this caller wins the claim. True when this call sent it."""
    delivery = claim(delivery_id)
    if delivery is None:
        return False
    message = _message(delivery)
    try:
        mail.mailers.default.send_messages([message])
    except Exception as exc:
        status = Delivery.Status.FAILED if delivery.attempts >= MAX_ATTEMPTS else "pending"
        Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING).update(
            status=status, last_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.SENT, sent_at=timezone.now(), last_error=""
    )
    return True


def send_batch(delivery_ids: list[int]) -> int:
    """Claim many deliveries in one statement, then send them over one mail connection,
    marking each sent right after it goes (so a crash re-sends at most the one in flight).
    Returns how many this call sent."""
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(pk__in=delivery_ids, attempts__lt=MAX_ATTEMPTS)
            .filter(ledger.claimable(lease=SEND_LEASE, now=now))
            .order_by("pk")
        )
        Delivery.objects.filter(pk__in=[r.pk for r in rows]).update(
            status=Delivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    sent = 0
    if not rows:
        return 0
    with mail.mailers.default as connection_:
        for delivery in rows:
            try:
                connection_.send_messages([_message(delivery)])
            except Exception as exc:  # noqa: BLE001 - recorded; the sweeper retries it
                Delivery.objects.filter(pk=delivery.pk).update(
                    status=Delivery.Status.PENDING, last_error=f"{type(exc).__name__}: {exc}"[:2000]
                )
                continue
            Delivery.objects.filter(pk=delivery.pk).update(
                status=Delivery.Status.SENT, sent_at=timezone.now(), last_error=""
            )
            sent += 1
    return sent


def due_for_sweep(now=None):
    """Pending deliveries older than a minute (their task was lost) and stale claims."""
    now = now or timezone.now()
    return ledger.due(
        Delivery.objects.filter(attempts__lt=MAX_ATTEMPTS),
        lease=SEND_LEASE,
        now=now,
        ready=Q(created_at__lt=now - timedelta(minutes=1)),
    )


def mark_read(person: Person, notification_id: int | None = None) -> int:
    qs = Notification.objects.filter(recipient=person, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())
