"""Calendar invitations that calendars accept (RFC 5545/5546), and moving or cancelling a circle
before it starts. Every file produced is parsed back with `icalendar`."""

from __future__ import annotations

import email
import email.policy
import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from icalendar import Calendar

from culture import notifications
from culture.models import CompanySettings, Delivery, Notification
from feedback import invitations
from feedback.models import Circle
from feedback.services import circle as circle_services
from tests.conftest import run_jobs
from tests.feedback.factories import make_circle, step

LA = zoneinfo.ZoneInfo("America/Los_Angeles")


@pytest.fixture
def la_company(world):
    CompanySettings.objects.filter(pk=1).update(time_zone="America/Los_Angeles")


def _calendars(person, kind=None) -> list[tuple[Calendar, str]]:
    """Every calendar file in the deliveries to `person`, parsed, with its content type."""
    found = []
    deliveries = Delivery.objects.filter(recipient=person).order_by("pk")
    for delivery in deliveries:
        if kind and not delivery.key.split(":")[3].startswith(kind):
            continue
        for _name, text, mimetype in delivery.attachments:
            found.append((Calendar.from_ical(text), mimetype))
    return found


def _event(calendar: Calendar):
    (event,) = calendar.walk("VEVENT")
    return event


def _mailto(value) -> str:
    return str(value).removeprefix("mailto:").removeprefix("MAILTO:")


def test_an_invitation_names_the_organiser_every_attendee_and_the_zone(world, la_company, fourth):
    circle = make_circle(facilitator=world.manager, people=[world.employee, world.peer, fourth])
    assert invitations.send_invitations(circle.pk) == 4
    assert invitations.send_invitations(circle.pk) == 0  # once each

    [(calendar, mimetype)] = _calendars(world.employee)
    assert mimetype == "text/calendar; method=REQUEST; charset=utf-8"
    assert calendar["METHOD"] == "REQUEST" and calendar["VERSION"] == "2.0"
    event = _event(calendar)
    assert str(event["UID"]) == f"circle-{circle.pk}@127.0.0.1"
    assert int(event["SEQUENCE"]) == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    assert _mailto(event["ORGANIZER"]) == world.manager.email
    assert event["ORGANIZER"].params["CN"] == world.manager.name
    attendees = {_mailto(a) for a in event["ATTENDEE"]}
    assert attendees == {p.email for p in (world.manager, world.employee, world.peer, fourth)}
    start = event.decoded("DTSTART")
    assert start.tzinfo.key == "America/Los_Angeles"
    assert event["DTSTART"].params["TZID"] == "America/Los_Angeles"
    assert start == circle.scheduled_at.replace(microsecond=0)  # iCalendar has whole seconds
    assert event.decoded("DTEND") - start == timedelta(minutes=10 * 4)
    # The zone is defined in the file itself, as RFC 5545 requires for a TZID.
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["America/Los_Angeles"]


def test_long_lines_are_folded_at_75_octets(world, fourth):
    circle = make_circle(
        facilitator=world.manager, people=[world.employee, fourth], title="Ünïcödé " * 18
    )
    invitations.send_invitations(circle.pk)
    [(calendar, _)] = _calendars(world.employee)
    text = calendar.to_ical()
    assert all(len(line) <= 75 for line in text.split(b"\r\n"))
    assert str(_event(Calendar.from_ical(text))["SUMMARY"]) == f"Feedback circle: {circle.title}"


def test_the_email_part_says_method_request_on_its_content_type(world, fourth):
    circle = make_circle(facilitator=world.manager, people=[world.employee, fourth])
    invitations.send_invitations(circle.pk)
    delivery = Delivery.objects.get(recipient=world.employee)
    notifications.send(delivery.pk)
    (sent,) = mail.outbox
    message = email.message_from_bytes(sent.message().as_bytes(), policy=email.policy.default)
    (part,) = list(message.iter_attachments())
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "REQUEST"
    raw = part.get_payload(decode=True)
    assert b"\r\nBEGIN:VEVENT\r\n" in raw  # lines end in CRLF, as RFC 5545 requires
    assert str(_event(Calendar.from_ical(raw))["UID"]) == f"circle-{circle.pk}@127.0.0.1"


def test_rescheduling_sends_one_update_each_with_the_same_uid_and_a_higher_sequence(
    world, la_company, client_for, fourth, django_capture_on_commit_callbacks
):
    with time_machine.travel(datetime(2027, 1, 10, 17, 0, tzinfo=UTC), tick=False):
        circle = make_circle(facilitator=world.manager, people=[world.employee, fourth])
        run_jobs()
        client = client_for(world.manager)
        response = client.post(
            reverse("feedback:reschedule", args=[circle.pk]),
            {"scheduled_at": "2027-01-14T10:00", "minutes_per_person": "15"},
        )
        assert response.status_code == 302
        assert run_jobs() == 1
        assert run_jobs() == 0
    circle.refresh_from_db()
    assert circle.scheduled_at == datetime(2027, 1, 14, 18, 0, tzinfo=UTC)
    assert circle.sequence == 1

    first, update = _calendars(world.employee)
    assert _event(first[0])["UID"] == _event(update[0])["UID"]
    assert int(_event(update[0])["SEQUENCE"]) == 1 > int(_event(first[0])["SEQUENCE"])
    assert _event(update[0]).decoded("DTSTART") == datetime(2027, 1, 14, 10, 0, tzinfo=LA)
    note = Notification.objects.get(recipient=world.employee, kind="feedback.circle_update")
    assert note.title.endswith("moved to Thursday 14 January, 10:00 PST")
    # Only the time changed: nobody is sent the first invitation again.
    assert Notification.objects.filter(recipient=world.employee).count() == 2


def test_the_reminder_follows_the_new_time(world, la_company, fourth):
    with time_machine.travel(datetime(2027, 1, 14, 16, 30, tzinfo=UTC), tick=False):
        circle = make_circle(facilitator=world.manager, people=[world.employee, fourth])
        Circle.objects.filter(pk=circle.pk).update(
            scheduled_at=datetime(2027, 1, 14, 17, 15, tzinfo=UTC)
        )
        assert invitations.remind_upcoming() == 3  # within the hour of the old time
        circle_services.do_reschedule_circle(
            circle_id=circle.pk,
            by=world.manager,
            scheduled_at=datetime(2027, 1, 14, 10, 0, tzinfo=LA),  # 18:00 UTC
        )
        assert invitations.remind_upcoming() == 0  # not yet within the hour of the new time
    with time_machine.travel(datetime(2027, 1, 14, 17, 0, tzinfo=UTC), tick=False):
        assert invitations.remind_upcoming() == 3  # 09:00 PST: an hour before the new time
        assert invitations.remind_upcoming() == 0
    assert Notification.objects.filter(kind="feedback.circle_reminder").count() == 6


def test_cancelling_sends_one_cancellation_to_everyone_invited(
    world, client_for, fourth, django_capture_on_commit_callbacks
):
    circle = make_circle(facilitator=world.manager, people=[world.employee, fourth])
    run_jobs()
    response = client_for(world.manager).post(reverse("feedback:cancel", args=[circle.pk]))
    assert response.status_code == 302
    assert run_jobs() == 1
    assert invitations.send_cancellations(circle.pk) == 0  # once each

    circle.refresh_from_db()
    assert circle.phase == Circle.Phase.CANCELLED and circle.sequence == 1
    (_, (calendar, mimetype)) = _calendars(world.employee)
    assert mimetype == "text/calendar; method=CANCEL; charset=utf-8"
    assert calendar["METHOD"] == "CANCEL"
    event = _event(calendar)
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 1
    assert str(event["UID"]) == f"circle-{circle.pk}@127.0.0.1"
    assert Notification.objects.filter(kind="feedback.circle_cancelled").count() == 3
    # A cancelled circle is not upcoming, sends no reminder and cannot be moved.
    assert not Circle.objects.upcoming_for(world.employee).exists()
    assert invitations.remind_upcoming(circle.scheduled_at - timedelta(minutes=30)) == 0
    with pytest.raises(Exception, match="cancelled"):
        circle_services.do_reschedule_circle(
            circle_id=circle.pk, by=world.manager, scheduled_at=circle.scheduled_at
        )


def test_only_the_creator_or_facilitator_may_move_or_cancel_a_circle_before_it_starts(
    world, client_for, fourth
):
    circle = make_circle(facilitator=world.manager, people=[world.employee, fourth])
    data = {"scheduled_at": "2030-01-14T10:00", "minutes_per_person": "15"}
    for name in ("feedback:reschedule", "feedback:cancel"):
        url = reverse(name, args=[circle.pk])
        assert client_for(world.employee).get(url).status_code == 403  # a participant
        assert client_for(world.outsider).get(url).status_code == 404  # not in the circle
        assert client_for(world.manager).get(url).status_code == 200
    step(circle, world.manager, "start")
    response = client_for(world.manager).post(
        reverse("feedback:reschedule", args=[circle.pk]), data
    )
    assert response.status_code == 422
    assert "has started" in response.content.decode()
    response = client_for(world.manager).post(reverse("feedback:cancel", args=[circle.pk]))
    assert response.status_code == 422
    circle.refresh_from_db()
    assert circle.phase == Circle.Phase.WRITING and circle.sequence == 0


def test_the_room_offers_move_and_cancel_to_the_organiser_in_the_lobby_only(
    world, client_for, fourth
):
    circle = make_circle(facilitator=world.manager, people=[world.employee, fourth])
    move = reverse("feedback:reschedule", args=[circle.pk])
    assert move in client_for(world.manager).get(circle.get_absolute_url()).content.decode()
    assert move not in client_for(world.employee).get(circle.get_absolute_url()).content.decode()
    step(circle, world.manager, "start")
    assert move not in client_for(world.manager).get(circle.get_absolute_url()).content.decode()


def test_each_invitee_reads_the_invitation_in_their_own_language_and_zone(
    world, la_company, fourth, monkeypatch
):
    """The title and the calendar event's summary are built as their reader (as_reader): a
    French reader in Tokyo gets them in French, with the time in Tokyo's zone, named; the
    others in the company's language and zone. No catalogue yet: the marker shows the
    language each string was translated in."""
    from django.utils import translation

    def marked(message):
        return f"[{translation.get_language()}] {message}"

    monkeypatch.setattr(invitations, "_", marked)
    world.employee.language, world.employee.time_zone = "fr", "Asia/Tokyo"
    world.employee.save(update_fields=["language", "time_zone"])
    with time_machine.travel(datetime(2027, 1, 10, 17, 0, tzinfo=UTC), tick=False):
        circle = make_circle(facilitator=world.manager, people=[world.employee, fourth])
        run_jobs()
        Circle.objects.filter(pk=circle.pk).update(
            scheduled_at=datetime(2027, 1, 14, 18, 0, tzinfo=UTC), sequence=1
        )
        invitations.send_invitations(circle.pk)

    def update_for(person):
        note = Notification.objects.get(recipient=person, kind="feedback.circle_update")
        [_first, (calendar, _mimetype)] = _calendars(person)
        return note.title, str(_event(calendar)["SUMMARY"])

    title, summary = update_for(world.employee)
    assert title.startswith("[fr] The feedback circle")
    assert title.endswith("[fr] vendredi 15 janvier, 03:00 JST")  # Django names days in French
    assert summary == "[fr] Feedback circle: Team circle"
    title, summary = update_for(fourth)
    assert title.endswith("[en-gb] Thursday 14 January, 10:00 PST")
    assert summary == "[en-gb] Feedback circle: Team circle"
