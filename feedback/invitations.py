"""Circle invitations, their updates and cancellations (email + in-app, each with an iCalendar
file), and the reminder an hour before.

The calendar files follow RFC 5545 and RFC 5546 (iTIP), written by the `icalendar` library
(line folding, escaping, the VTIMEZONE of the zone used):
- one stable UID per circle, so calendars update the event they already hold;
- SEQUENCE is the circle's `sequence`: 0 for the first invitation, one more for each change of
  time and for the cancellation, so a calendar applies only the newest;
- METHOD:REQUEST with the organiser (the circle's creator) and every participant as
  attendees; METHOD:CANCEL with STATUS:CANCELLED when the circle is cancelled;
- the start and end in the company's zone (TZID with its VTIMEZONE).

Everything goes through culture.notifications with a key per circle, person and sequence,
so each participant gets each version exactly once, whoever runs the job and how often.
The jobs are deferred with culture.jobs by feedback.services.circle.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlparse

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from culture import clock, jobs
from culture.i18n import as_reader
from culture.models import Notification
from culture.notifications import Message, notify_many
from feedback.models import Circle, Participant

REMINDER_BEFORE = timedelta(hours=1)
PRODID = "-//Culture//Feedback circles//EN"
REQUEST, CANCEL = "REQUEST", "CANCEL"


def uid_for(circle: Circle) -> str:
    return f"circle-{circle.pk}@{urlparse(settings.SITE_URL).hostname or 'culture'}"


def _address(person, **params) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    address.params["CN"] = vText(person.name or person.email)
    for name, value in params.items():
        address.params[name.upper().replace("_", "-")] = vText(value)
    return address


def calendar_for(circle: Circle, seats: list[Participant], *, method: str = REQUEST) -> str:
    """The iCalendar text for this version of the circle (see the module doc). Its summary
    and description are in the active language: build it as its reader (as_reader)."""
    zone = clock.company_zone()
    start = circle.scheduled_at.astimezone(zone)
    end = start + timedelta(minutes=circle.minutes_per_person * max(len(seats), 1))
    url = f"{settings.SITE_URL}{circle.get_absolute_url()}"

    event = Event()
    event.add("uid", uid_for(circle))
    event.add("sequence", circle.sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", _("Feedback circle: %(title)s") % {"title": circle.title})
    event.add("description", _("Join the room: %(url)s") % {"url": url})
    event.add("url", url)
    event.add("status", "CANCELLED" if method == CANCEL else "CONFIRMED")
    event.add("organizer", _address(circle.created_by))
    for seat in seats:
        event.add(
            "attendee",
            _address(
                seat.person,
                role="REQ-PARTICIPANT",
                partstat="NEEDS-ACTION",
                rsvp="FALSE",
                cutype="INDIVIDUAL",
            ),
        )

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical().decode()


def _attachment(ics: str, method: str) -> tuple[str, str, str]:
    name = "cancel.ics" if method == CANCEL else "invite.ics"
    return (name, ics, f"text/calendar; method={method}; charset=utf-8")


def _when(circle: Circle, person) -> str:
    """When the circle is, in `person`'s zone, named ("Wednesday 9 December, 14:00 CET"),
    in the active language (call it as the person reads: as_reader)."""
    local = timezone.localtime(circle.scheduled_at, clock.zone_for(person))
    # The weekday, the day and the month, and the time: Django date format characters.
    moment = date_format(local, pgettext("weekday, day, month and time", "l j F, H:i"))
    return _("%(moment)s %(zone)s") % {"moment": moment, "zone": local.tzname()}


def _attachment_as_reader(
    circle: Circle, seats: list[Participant], method: str, made: dict[str, tuple[str, str, str]]
) -> tuple[str, str, str]:
    """The calendar file in the active language, made once per language (`made`)."""
    language = get_language() or ""
    if language not in made:
        made[language] = _attachment(calendar_for(circle, seats, method=method), method)
    return made[language]


def _seats(circle: Circle) -> list[Participant]:
    return list(
        Participant.objects.filter(circle=circle, left_at__isnull=True)
        .select_related("person")
        .order_by("position")
    )


def _invite_key(circle: Circle, person_id: int) -> str:
    key = f"feedback:circle:{circle.pk}:invite:{person_id}"
    return key if circle.sequence == 0 else f"{key}:{circle.sequence}"


@jobs.job
def send_invitations(circle_id: int) -> int:
    """Send this version of the invitation (the first, or an update after a change of time)
    to every participant; nothing once the circle has started or been cancelled."""
    circle = Circle.objects.select_related("created_by", "facilitator").get(pk=circle_id)
    if circle.phase != Circle.Phase.LOBBY:
        return 0
    seats = _seats(circle)
    updated = circle.sequence > 0
    made: dict[str, tuple[str, str, str]] = {}
    messages = []
    for seat in seats:
        # Each invitee's title and calendar event in their own language and zone.
        with as_reader(seat.person):
            title = (
                _("The feedback circle “%(title)s” moved to %(when)s")
                % {"title": circle.title, "when": _when(circle, seat.person)}
                if updated
                else _("You are invited to the feedback circle “%(title)s”")
                % {"title": circle.title}
            )
            attachment = _attachment_as_reader(circle, seats, REQUEST, made)
        messages.append(
            Message(
                recipient=seat.person,
                key=_invite_key(circle, seat.person_id),
                kind="feedback.circle_update" if updated else "feedback.circle_invite",
                title=title,
                url=circle.get_absolute_url(),
                template="emails/feedback_circle_invite",
                context={"circle": circle, "count": len(seats), "updated": updated},
                attachments=[attachment],
            )
        )
    return notify_many(messages)


@jobs.job
def send_cancellations(circle_id: int) -> int:
    """Tell everyone who was sent an invitation that the circle is cancelled (once each)."""
    circle = Circle.objects.select_related("created_by", "facilitator").get(pk=circle_id)
    if circle.phase != Circle.Phase.CANCELLED:
        return 0
    invited = set(
        Notification.objects.filter(
            key__startswith=f"feedback:circle:{circle.pk}:invite:"
        ).values_list("recipient_id", flat=True)
    )
    seats = [s for s in _seats(circle) if s.person_id in invited]
    made: dict[str, tuple[str, str, str]] = {}
    messages = []
    for seat in seats:
        with as_reader(seat.person):
            title = _("Cancelled: the feedback circle “%(title)s”") % {"title": circle.title}
            attachment = _attachment_as_reader(circle, seats, CANCEL, made)
        messages.append(
            Message(
                recipient=seat.person,
                key=f"feedback:circle:{circle.pk}:cancel:{seat.person_id}",
                kind="feedback.circle_cancelled",
                title=title,
                url=circle.get_absolute_url(),
                template="emails/feedback_circle_cancelled",
                context={"circle": circle},
                attachments=[attachment],
            )
        )
    return notify_many(messages)


def remind_upcoming(now=None) -> int:
    """Idempotent sweeper: a reminder to each participant of circles starting within the
    hour (once each per time the circle is set for: the notify key carries the sequence)."""
    now = now or timezone.now()
    seats = Participant.objects.filter(
        circle__phase=Circle.Phase.LOBBY,
        circle__scheduled_at__gt=now,
        circle__scheduled_at__lte=now + REMINDER_BEFORE,
        left_at__isnull=True,
    ).select_related("person", "circle")
    messages = []
    for seat in seats[:5000]:
        with as_reader(seat.person):
            title = _("The feedback circle “%(title)s” starts within the hour") % {
                "title": seat.circle.title
            }
        messages.append(
            Message(
                recipient=seat.person,
                key=f"feedback:circle:{seat.circle_id}:reminder:{seat.person_id}"
                + (f":{seat.circle.sequence}" if seat.circle.sequence else ""),
                kind="feedback.circle_reminder",
                title=title,
                url=seat.circle.get_absolute_url(),
                template="emails/feedback_circle_reminder",
                context={"circle": seat.circle},
            )
        )
    return notify_many(messages)
