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

import logging
from datetime import timedelta

from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import timezone

from culture.models import Delivery, Notification, Person

log = logging.getLogger(__name__)

# A claimed delivery whose worker has not finished within the lease is considered crashed.
SEND_LEASE = timedelta(minutes=5)
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


def render_email(recipient, *, title, body, url, template=None, context=None):
    from culture.models import CompanySettings

    company = CompanySettings.load()
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
    text = render_to_string(f"{base}.txt", ctx)
    try:
        html_template = get_template(f"{base}.html")
    except TemplateDoesNotExist:
        html_template = get_template("emails/notification.html")
    html = html_template.render(ctx)
    subject = f"[{company.name}] {title}"[:250]
    return subject, text, html


def enqueue_delivery(delivery_id: int) -> None:
    """Queue the send after commit. A broker outage never fails the caller: the sweeper
    finds the pending row and queues it again."""
    from culture.tasks import send_delivery

    def _send():
        try:
            send_delivery.apply_async(args=[delivery_id], retry=False)
        except Exception:  # broker down: the row stays pending for the sweeper
            log.warning(
                "could not enqueue delivery %s; the sweeper will retry", delivery_id, exc_info=True
            )

    transaction.on_commit(_send)


def claim(delivery_id: int) -> Delivery | None:
    """Claim a delivery for sending with a conditional UPDATE; None if someone else has it
    (or it is already sent)."""
    now = timezone.now()
    claimed = (
        Delivery.objects.filter(pk=delivery_id, attempts__lt=MAX_ATTEMPTS)
        .filter(
            Q(status=Delivery.Status.PENDING)
            | Q(status=Delivery.Status.SENDING, claimed_at__lt=now - SEND_LEASE)
        )
        .update(status=Delivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return None
    return Delivery.objects.get(pk=delivery_id)


def send(delivery_id: int) -> bool:
    """Send one delivery if this caller wins the claim. True when this call sent it."""
    delivery = claim(delivery_id)
    if delivery is None:
        return False
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
        message.attach(filename, content, mimetype)
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


def due_for_sweep(now=None):
    """Pending deliveries older than a minute (their task was lost) and stale claims."""
    now = now or timezone.now()
    return Delivery.objects.filter(attempts__lt=MAX_ATTEMPTS).filter(
        Q(status=Delivery.Status.PENDING, created_at__lt=now - timedelta(minutes=1))
        | Q(status=Delivery.Status.SENDING, claimed_at__lt=now - SEND_LEASE)
    )


def mark_read(person: Person, notification_id: int | None = None) -> int:
    qs = Notification.objects.filter(recipient=person, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())
