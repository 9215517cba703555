"""Daily digests: one message a day instead of one each, for the people who asked.

notify() holds a digest-bound message (chat.routing: the person chose the digest and the
message is not urgent): an email Delivery held for "digest", or a Slack ChatDelivery held
with its email held behind it. Every quarter of an hour (chat.tasks.send_digests) this
gathers, per person whose digest time has come in their own zone, what was held before
that time, and writes one digest per channel:

- the held emails -> one email listing them (key "digest:email:<person>:<first id>");
- the held Slack messages -> one Slack message (key "digest:slack:<person>:<first id>")
  with its own email behind it, exactly like any Slack message.

The held rows are marked "digested" in the same transaction that writes the digest, under
row locks (skip locked), so two sweeps racing each other or a crash between the steps can
neither send a message twice nor lose one. The first held row's id is in the key: a
message that arrives after today's digest went waits for tomorrow's, under a new key.
"""

from __future__ import annotations

import logging
from datetime import datetime, time

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import ngettext

from chat import blocks
from chat.models import ChatDelivery, DeliveryPreference
from chat.routing import SLACK_GIVE_UP, last_digest_moment
from culture import clock, jobs
from culture.i18n import as_reader
from culture.models import CompanySettings, Delivery, Person

log = logging.getLogger(__name__)

DEFAULT_AT = time(8, 0)


def _held_emails():
    return Delivery.objects.filter(status=Delivery.Status.HELD, held_for="digest")


def _held_chats():
    return ChatDelivery.objects.filter(
        status=ChatDelivery.Status.HELD, channel=ChatDelivery.Channel.SLACK
    )


def people_with_held() -> set[int]:
    ids = set(_held_emails().values_list("recipient_id", flat=True).distinct())
    ids |= set(_held_chats().values_list("recipient_id", flat=True).distinct())
    return ids


def moment_for(person: Person, preference: DeliveryPreference | None, now: datetime) -> datetime:
    """The latest time at or before `now` when `person`'s digest was due (in their zone)."""
    at = preference.digest_at if preference is not None else DEFAULT_AT
    local = timezone.localtime(now, clock.zone_for(person))
    return last_digest_moment(local, at)


def send_due(now: datetime | None = None) -> int:
    """Write the digests whose time has come. How many digest messages were written."""
    now = now or timezone.now()
    ids = people_with_held()
    if not ids:
        return 0
    people = Person.objects.in_bulk(list(ids))
    preferences = DeliveryPreference.objects.in_bulk(list(ids))
    written = 0
    for person_id, person in people.items():
        moment = moment_for(person, preferences.get(person_id), now)
        try:
            written += digest_for(person, before=moment, now=now)
        except Exception:  # noqa: BLE001 - one person's failure does not stop the others
            log.exception("digest for person %s failed; the next run tries again", person_id)
    return written


def digest_for(person: Person, *, before: datetime, now: datetime | None = None) -> int:
    """One digest per channel of what `person` had held before `before`."""
    now = now or timezone.now()
    written = 0
    with transaction.atomic():
        emails = list(
            _held_emails()
            .select_for_update(skip_locked=True, of=("self",))
            .filter(recipient=person, created_at__lt=before)
            .select_related("notification")
            .order_by("created_at", "pk")
        )
        chats = list(
            _held_chats()
            .select_for_update(skip_locked=True, of=("self",))
            .filter(recipient=person, created_at__lt=before)
            .select_related("notification")
            .order_by("created_at", "pk")
        )
        queued_emails: list[int] = []
        queued_chats: list[int] = []
        if emails:
            items = [_item(d.notification, d.subject) for d in emails]
            digest = _email(person, f"digest:email:{person.pk}:{emails[0].pk}", items, now)
            Delivery.objects.filter(pk__in=[d.pk for d in emails]).update(
                status=Delivery.Status.DIGESTED, last_error=f"In digest {digest.key}."
            )
            queued_emails.append(digest.pk)
            written += 1
        if chats:
            items = [_item(c.notification, c.text) for c in chats]
            key = f"digest:slack:{person.pk}:{chats[0].pk}"
            email = _email(person, key, items, now, status=Delivery.Status.HELD)
            payload = blocks.slack_digest(items, reader=person)
            chat = ChatDelivery.objects.create(
                key=key,
                channel=ChatDelivery.Channel.SLACK,
                recipient=person,
                email=email,
                kind="chat.digest",
                text=payload["text"],
                payload=payload,
                created_at=now,
                send_after=now,
                give_up_at=now + SLACK_GIVE_UP,
            )
            ChatDelivery.objects.filter(pk__in=[c.pk for c in chats]).update(
                status=ChatDelivery.Status.DIGESTED, last_error=f"In digest {key}."
            )
            Delivery.objects.filter(
                pk__in=[c.email_id for c in chats if c.email_id], status=Delivery.Status.HELD
            ).update(status=Delivery.Status.DIGESTED, last_error=f"In digest {key}.")
            queued_chats.append(chat.pk)
            written += 1
        if queued_emails:
            jobs.after_commit_each("culture.tasks.send_deliveries", [[queued_emails]])
        if queued_chats:
            jobs.after_commit_each("chat.tasks.send_chat_deliveries", [[queued_chats]])
    return written


def _item(notification, fallback_title: str) -> tuple[str, str]:
    if notification is None:
        return (fallback_title, "")
    return (notification.title, notification.url)


def _email(person, key, items, now, *, status=Delivery.Status.PENDING) -> Delivery:
    company = CompanySettings.load()
    context = {
        "recipient": person,
        "company": company,
        "items": [(title, blocks.absolute(url) if url else "") for title, url in items],
        "site_url": blocks.absolute("/"),
        "preferences_url": blocks.absolute("/settings/chat/"),
    }
    count = len(items)
    with as_reader(person):
        text = render_to_string("emails/digest.txt", context)
        html = render_to_string("emails/digest.html", context)
        subject = ngettext(
            "[%(company)s] Your daily digest: %(count)s message",
            "[%(company)s] Your daily digest: %(count)s messages",
            count,
        ) % {"company": company.name, "count": count}
    return Delivery.objects.create(
        key=key,
        recipient=person,
        to_email=person.email,
        subject=subject[:250],
        text_body=text,
        html_body=html,
        status=status,
        held_for="slack" if status == Delivery.Status.HELD else "",
        created_at=now,
        send_after=now,
    )
