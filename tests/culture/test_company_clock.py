"""Times are read and shown in the company's zone, and "today" is the company's date
(issue 18, point 1). Clocks are frozen; each case fails with the zone left at UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from culture import clock
from culture.models import CompanySettings, Delivery
from feedback import invitations
from feedback.models import Campaign, Circle
from tests.conftest import run_jobs


def _company_in(zone: str) -> None:
    CompanySettings.objects.filter(pk=1).update(time_zone=zone)


def _create_circle(client, world, when: str):
    return client.post(
        reverse("feedback:circle_new"),
        {
            "title": "Platform circle",
            "people": [world.employee.pk, world.peer.pk],
            "scheduled_at": when,
            "minutes_per_person": "20",
            "reveal_to": "circle",
        },
    )


def _invitation_text(person) -> str:
    return Delivery.objects.get(recipient=person, key__contains=":invite:").text_body


@pytest.mark.parametrize(
    ("zone", "typed", "stored", "shown"),
    [
        # A January day in Los Angeles: PST, eight hours behind UTC.
        ("America/Los_Angeles", "2027-01-14T10:00", datetime(2027, 1, 14, 18, 0), "10:00 PST"),
        # A July day: PDT, seven hours behind.
        ("America/Los_Angeles", "2027-07-15T10:00", datetime(2027, 7, 15, 17, 0), "10:00 PDT"),
        # Kolkata: a half-hour offset, five and a half hours ahead.
        ("Asia/Kolkata", "2027-01-14T10:00", datetime(2027, 1, 14, 4, 30), "10:00 IST"),
    ],
)
def test_a_circle_typed_in_the_company_zone_is_stored_in_utc_and_shown_in_that_zone(
    world, client_for, zone, typed, stored, shown
):
    _company_in(zone)
    with time_machine.travel(datetime(2027, 1, 2, 12, 0, tzinfo=UTC), tick=False):
        client = client_for(world.manager)
        response = _create_circle(client, world, typed)
        assert response.status_code == 302 and response["Location"].startswith("/feedback/")
        run_jobs()
        circle = Circle.objects.get()
        assert circle.scheduled_at == stored.replace(tzinfo=UTC)
        assert shown in client.get(circle.get_absolute_url()).content.decode()
        assert shown in _invitation_text(world.employee)
        # The form shows it back in the same zone, and names the zone.
        page = client.get(reverse("feedback:reschedule", args=[circle.pk])).content.decode()
        assert f'value="{typed}"' in page and f"Your time zone: {zone}" in page


def test_the_hour_before_reminder_goes_at_nine_local_and_says_ten_local(world, client_for):
    _company_in("America/Los_Angeles")
    with time_machine.travel(datetime(2027, 1, 2, 12, 0, tzinfo=UTC), tick=False):
        assert (
            _create_circle(client_for(world.manager), world, "2027-01-14T10:00").status_code == 302
        )
    with time_machine.travel(datetime(2027, 1, 14, 16, 59, tzinfo=UTC), tick=False):  # 08:59 PST
        assert invitations.remind_upcoming() == 0
    with time_machine.travel(datetime(2027, 1, 14, 17, 0, tzinfo=UTC), tick=False):  # 09:00 PST
        assert invitations.remind_upcoming() == 3
    reminder = Delivery.objects.get(recipient=world.employee, key__contains=":reminder:")
    assert "starts at 10:00 PST" in reminder.text_body


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        # 14 March 2027: Los Angeles goes from 02:00 PST straight to 03:00 PDT.
        ("2027-03-14T02:30", "02:30 on 14 March 2027 does not exist in America/Los_Angeles"),
        # 7 November 2027: 01:00-02:00 happens twice (PDT, then PST).
        ("2027-11-07T01:30", "01:30 on 7 November 2027 happens twice in America/Los_Angeles"),
    ],
)
def test_a_time_that_does_not_exist_or_exists_twice_is_refused_with_a_clear_message(
    world, client_for, typed, says
):
    _company_in("America/Los_Angeles")
    response = _create_circle(client_for(world.manager), world, typed)
    assert response.status_code == 422
    assert says in response.content.decode().replace("&#x27;", "'")
    assert not Circle.objects.exists()


def test_today_is_the_company_date_across_the_date_line(world, client_for):
    """Kiritimati is UTC+14: at noon UTC on 14 January it is already the 15th there."""
    _company_in("Pacific/Kiritimati")
    campaign = Campaign.objects.create(
        name="Written 360",
        opens_on=date(2027, 1, 15),
        closes_on=date(2027, 2, 15),
        created_by=world.people_admin,
    )
    with time_machine.travel(datetime(2027, 1, 14, 12, 0, tzinfo=UTC), tick=False):
        assert clock.today() == date(2027, 1, 15)
        assert Campaign.current() == campaign
        page = client_for(world.employee).get(reverse("feedback:write")).content.decode()
        assert "Written 360 is open until 15 Feb" in page
    _company_in("UTC")
    with time_machine.travel(datetime(2027, 1, 14, 12, 0, tzinfo=UTC), tick=False):
        assert clock.today() == date(2027, 1, 14) and Campaign.current() is None


def test_a_page_reads_the_zone_with_the_person_at_no_extra_query(world, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _company_in("Asia/Kolkata")
    client = client_for(world.employee)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("notifications")).status_code == 200
    assert not [q for q in ctx.captured_queries if q["sql"].startswith('SELECT "culture_company')]
