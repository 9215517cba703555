"""What chat holds about a person, for culture.privacy (registered in ChatConfig).

Their delivery preferences, who they are in Slack, and the chat messages sent to them (the
same text as the in-app notifications). Erasing someone deletes all three: a message not
yet sent is never sent, and what was sent is in Slack, under the company's Slack retention.

The daily retention sweep (culture.retention) blanks the text of chat messages as it does
emails' bodies, KEEP_EMAIL_BODIES after they were settled; the ledger row and its key stay.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from chat.models import ChatDelivery, DeliveryPreference, SlackUser


def export(person, *, viewer) -> dict[str, Any]:
    """Three queries."""
    preference = DeliveryPreference.objects.filter(person=person).first()
    slack = SlackUser.objects.filter(person=person).first()
    return {
        "delivery_preferences": None
        if preference is None
        else {
            "channels": preference.channels,
            "quiet_from": preference.quiet_from,
            "quiet_until": preference.quiet_until,
            "digest": preference.digest,
            "digest_at": preference.digest_at,
        },
        "slack_user_id": slack.slack_user_id if slack else None,
        "chat_messages": list(
            ChatDelivery.objects.filter(recipient=person)
            .order_by("created_at", "id")
            .values("created_at", "channel", "kind", "text", "status", "sent_at")
        ),
    }


def erase(person, *, old_name: str, old_email: str) -> None:
    ChatDelivery.objects.filter(recipient=person).delete()
    SlackUser.objects.filter(person=person).delete()
    DeliveryPreference.objects.filter(person=person).delete()


def sweep(now) -> int:
    from culture.retention import KEEP_EMAIL_BODIES

    cutoff = now - KEEP_EMAIL_BODIES
    settled = Q(status=ChatDelivery.Status.SENT, sent_at__lt=cutoff) | Q(
        status__in=[
            ChatDelivery.Status.FAILED,
            ChatDelivery.Status.FELL_BACK,
            ChatDelivery.Status.DIGESTED,
        ],
        created_at__lt=cutoff,
    )
    return (
        ChatDelivery.objects.filter(settled)
        .exclude(text="", payload={})
        .update(text="", payload={})
    )
