"""Notifications: the one mechanism every reminder in the product uses.

    notify(recipient, key="keeper:open:2027Q1:42", kind="keeper.opened",
           title="Keeper test, Q1 2027 is open", url="/keeper/",
           template="emails/keeper_opened", context={...})

- `key` is unique per event per person. Calling notify() again with the same key does
  nothing: no second in-app notification, no second email. Retried, re-queued and
  duplicated callers are therefore harmless.
- Where it goes is the recipient's choice (chat.routing, their page "How messages reach
  me"): by email, on Slack (with the email held behind it: sent only if Slack cannot take
  the message, chat.delivery), or in the app only; not during their quiet hours; gathered
  into a daily digest if they asked (chat.digest) unless it is urgent. Account messages
  (invitations, password resets) always go by email at once.
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
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from chat import blocks as chat_blocks
from chat import kinds as chat_kinds
from chat.models import ChatDelivery
from chat.routing import SLACK_GIVE_UP, Route, Router, morning_start
from culture import clock, jobs, ledger
from culture.i18n import as_reader
from culture.mail import LedgerEmail
from culture.models import CompanySettings, Delivery, Notification, Person

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
    urgent: bool = False,
    morning: bool = False,
) -> Notification | Delivery | None:
    """Create the in-app notification and queue its email or chat message, exactly once
    per key, where the recipient chose (chat.routing). `email=False`: in the app only.

    Returns what was created (the Notification, or the Delivery when in_app=False), or
    None when this key was already notified (or the recipient is inactive).
    """
    if not recipient.is_active:
        return None
    message = Message(
        recipient=recipient,
        key=key,
        kind=kind,
        title=title,
        body=body,
        url=url,
        email=email,
        template=template,
        context=context,
        attachments=attachments,
        urgent=urgent,
        morning=morning,
    )
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
            outbox = _Outbox([message])
            delivery = outbox.add(message, notification.pk if notification else None)
            if delivery is not None:
                try:
                    with transaction.atomic():
                        outbox.save()
                except IntegrityError:
                    if notification is None:
                        return None
                    delivery = None
    return notification or delivery


def render_email(recipient, *, title, body, url, template=None, context=None, company=None):
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
    # The message is in the recipient's language and zone, whoever or whatever sends it.
    with as_reader(recipient):
        text = render_to_string(f"{base}.txt", ctx)
        try:
            html_template = get_template(f"{base}.html")
        except TemplateDoesNotExist:
            html_template = get_template("emails/notification.html")
        html = html_template.render(ctx)
        subject = (_("[%(company)s] %(title)s") % {"company": company.name, "title": title})[:250]
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
    # Matters on its date (the keeper test due today): never held for a digest.
    urgent: bool = False
    # A daily reminder: its email or chat message reaches the recipient in their morning
    # (chat.routing.morning_start), wherever they are, whenever the sweep that wrote it ran.
    morning: bool = False


class _Outbox:
    """The emails and chat messages of some notifications, routed by each recipient's
    choice (chat.routing), written in one go and handed to the workers after commit.

    - email: a Delivery, pending (not before the end of quiet hours), or held for the
      daily digest;
    - Slack: a ChatDelivery with the email that stands in for it, held until Slack answers;
    - the app only: nothing beyond the in-app notification.
    """

    def __init__(self, messages: list[Message]):
        grouped = [m.recipient for m in messages if chat_kinds.group_of(m.kind)]
        self.router = Router.for_people(grouped) if grouped else None
        self.company = CompanySettings.load()
        self.now = timezone.now()
        self.emails: list[Delivery] = []
        self.chats: list[ChatDelivery] = []

    def route(self, m: Message) -> Route:
        if self.router is None or not chat_kinds.group_of(m.kind):
            if m.morning:
                local = timezone.localtime(self.now, clock.zone_for(m.recipient))
                return Route(chat_kinds.EMAIL, False, morning_start(local))
            return Route(chat_kinds.EMAIL, False, self.now)
        return self.router.route(m.recipient, m.kind, urgent=m.urgent, morning=m.morning)

    def add(self, m: Message, notification_id: int | None) -> Delivery | None:
        route = self.route(m)
        if route.channel == chat_kinds.APP:
            return None
        subject, text, html = render_email(
            m.recipient,
            title=m.title,
            body=m.body,
            url=m.url,
            template=m.template,
            context=m.context,
            company=self.company,
        )
        delivery = Delivery(
            key=m.key,
            notification_id=notification_id,
            recipient=m.recipient,
            to_email=m.recipient.email,
            subject=subject,
            text_body=text,
            html_body=html,
            attachments=[list(a) for a in (m.attachments or [])],
            created_at=self.now,
            send_after=route.send_after,
        )
        if route.channel == chat_kinds.SLACK:
            delivery.status = Delivery.Status.HELD
            delivery.held_for = chat_kinds.SLACK
            self.chats.append(
                ChatDelivery(
                    key=f"{m.key}:slack",
                    channel=ChatDelivery.Channel.SLACK,
                    recipient=m.recipient,
                    notification_id=notification_id,
                    kind=m.kind,
                    text=m.title,
                    payload=chat_blocks.slack_message(
                        kind=m.kind, title=m.title, body=m.body, url=m.url, reader=m.recipient
                    ),
                    status=ChatDelivery.Status.HELD
                    if route.digest
                    else ChatDelivery.Status.PENDING,
                    created_at=self.now,
                    send_after=route.send_after,
                    give_up_at=route.send_after + SLACK_GIVE_UP,
                )
            )
        elif route.digest:
            delivery.status = Delivery.Status.HELD
            delivery.held_for = "digest"
        self.emails.append(delivery)
        return delivery

    def save(self) -> None:
        """Write the rows (a key written before is skipped: exactly once) and queue what
        may go now."""
        if not self.emails:
            return
        single = len(self.emails) == 1
        if single:
            self.emails[0].save()  # a key written before raises IntegrityError: notify() skips
            created = [self.emails[0]]
        else:
            Delivery.objects.bulk_create(self.emails, ignore_conflicts=True, batch_size=500)
            created = list(
                Delivery.objects.filter(
                    key__in=[d.key for d in self.emails], created_at=self.now
                ).only("pk", "key", "status", "send_after")
            )
        by_key = {d.key: d for d in created}
        chats = []
        for chat in self.chats:
            email = by_key.get(chat.key.removesuffix(":slack"))
            if email is not None:
                chat.email_id = email.pk
                chats.append(chat)
        if chats:
            ChatDelivery.objects.bulk_create(chats, ignore_conflicts=True, batch_size=500)
        now = self.now
        due = [d.pk for d in created if d.status == Delivery.Status.PENDING and d.send_after <= now]
        if single and due:
            enqueue_delivery(due[0])
        else:
            enqueue_batches(due)
        chat_ids = (
            list(
                ChatDelivery.objects.filter(
                    key__in=[c.key for c in chats],
                    status=ChatDelivery.Status.PENDING,
                    send_after__lte=now,
                ).values_list("pk", flat=True)
            )
            if chats
            else []
        )
        chunks = [[chat_ids[i : i + 100]] for i in range(0, len(chat_ids), 100)]
        jobs.after_commit_each("chat.tasks.send_chat_deliveries", chunks)


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
        outbox = _Outbox([m for m in messages if m.key in created and m.email])
        for m in messages:
            if m.key in created and m.email and m.recipient.email:
                outbox.add(m, created[m.key])
        outbox.save()
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
        Delivery.objects.filter(attempts__lt=MAX_ATTEMPTS),
        delivery_id,
        lease=SEND_LEASE,
        ready=Q(send_after__lte=timezone.now()),
    )


def _message(delivery: Delivery) -> LedgerEmail:
    message = LedgerEmail(
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
    maintype, _slash, rest = mimetype.partition("/")
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
    """Claim many deliveries in one transaction (culture.ledger.claim_many), then send them
    over one mail connection, marking each sent right after it goes (so a crash re-sends at
    most the one in flight). Returns how many this call sent."""
    now = timezone.now()
    rows = ledger.claim_many(
        Delivery.objects.all(),
        delivery_ids,
        lease=SEND_LEASE,
        now=now,
        ready=lambda row: row.send_after <= now,
        max_attempts=MAX_ATTEMPTS,
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
    """Pending deliveries older than a minute (their task was lost) whose quiet hours are
    over, and stale claims."""
    now = now or timezone.now()
    return ledger.due(
        Delivery.objects.filter(attempts__lt=MAX_ATTEMPTS),
        lease=SEND_LEASE,
        now=now,
        ready=Q(created_at__lt=now - timedelta(minutes=1), send_after__lte=now),
    )


def mark_read(person: Person, notification_id: int | None = None) -> int:
    qs = Notification.objects.filter(recipient=person, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())
