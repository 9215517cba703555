"""Circle invitations (email + in-app, with an .ics calendar invite) and the reminder an
hour before. Both go through culture.notifications.notify: the key makes each exactly-once."""

from __future__ import annotations

from datetime import UTC, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from culture.notifications import Message, notify_many
from feedback.models import Circle, Participant

REMINDER_BEFORE = timedelta(hours=1)


def _ics_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def ics_for(circle: Circle, participant_count: int) -> str:
    start = circle.scheduled_at.astimezone(UTC)
    end = start + timedelta(minutes=circle.minutes_per_person * max(participant_count, 1))
    fmt = "%Y%m%dT%H%M%SZ"
    url = f"{settings.SITE_URL}{circle.get_absolute_url()}"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Culture//Feedback circles//EN",
        "METHOD:REQUEST",
        "BEGIN:VEVENT",
        f"UID:circle-{circle.pk}@culture",
        f"DTSTAMP:{timezone.now().astimezone(UTC).strftime(fmt)}",
        f"DTSTART:{start.strftime(fmt)}",
        f"DTEND:{end.strftime(fmt)}",
        f"SUMMARY:{_ics_escape('Feedback circle: ' + circle.title)}",
        f"DESCRIPTION:{_ics_escape('Join the room: ' + url)}",
        f"URL:{url}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"


def send_invitations(circle_id: int) -> int:
    circle = Circle.objects.select_related("facilitator").get(pk=circle_id)
    seats = list(Participant.objects.filter(circle=circle).select_related("person"))
    ics = ics_for(circle, len(seats))
    return notify_many(
        [
            Message(
                recipient=seat.person,
                key=f"feedback:circle:{circle.pk}:invite:{seat.person_id}",
                kind="feedback.circle_invite",
                title=f"You are invited to the feedback circle “{circle.title}”",
                url=circle.get_absolute_url(),
                template="emails/feedback_circle_invite",
                context={"circle": circle, "count": len(seats)},
                attachments=[("circle.ics", ics, "text/calendar")],
            )
            for seat in seats
        ]
    )


def on_commit_invite(circle_id: int) -> None:
    from feedback import tasks

    transaction.on_commit(lambda: tasks.invite_circle.delay(circle_id))


def remind_upcoming(now=None) -> int:
    """Idempotent sweeper: a reminder to each participant of circles starting within the
    hour (once each: the notify key)."""
    now = now or timezone.now()
    seats = Participant.objects.filter(
        circle__phase=Circle.Phase.LOBBY,
        circle__scheduled_at__gt=now,
        circle__scheduled_at__lte=now + REMINDER_BEFORE,
        left_at__isnull=True,
    ).select_related("person", "circle")
    return notify_many(
        [
            Message(
                recipient=seat.person,
                key=f"feedback:circle:{seat.circle_id}:reminder:{seat.person_id}",
                kind="feedback.circle_reminder",
                title=f"The feedback circle “{seat.circle.title}” starts within the hour",
                url=seat.circle.get_absolute_url(),
                template="emails/feedback_circle_reminder",
                context={"circle": seat.circle},
            )
            for seat in seats[:5000]
        ]
    )
