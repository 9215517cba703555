import random
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import RequestFactory
from django.urls import reverse
from icalendar import Calendar

from culture.models import Delivery, Notification
from feedback import invitations
from feedback.demo import seed
from feedback.home import home_context
from feedback.models import ActionItem, Circle, CircleItem, WrittenFeedback
from tests.feedback.factories import make_circle


def test_invitations_carry_an_ics_and_are_sent_once_each(world, circle, fourth):
    assert invitations.send_invitations(circle.pk) == 4
    assert invitations.send_invitations(circle.pk) == 0
    delivery = Delivery.objects.get(recipient=world.employee)
    (name, ics, mime) = delivery.attachments[0]
    assert (name, mime) == ("invite.ics", "text/calendar; method=REQUEST; charset=utf-8")
    (event,) = Calendar.from_ical(ics).walk("VEVENT")
    assert event["UID"] == f"circle-{circle.pk}@127.0.0.1"
    assert event.decoded("DTSTART") == circle.scheduled_at.replace(microsecond=0)
    assert Notification.objects.filter(kind="feedback.circle_invite").count() == 4


def test_invitations_are_queued_on_commit(world, fourth, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        make_circle(facilitator=world.manager, people=[world.employee, fourth])
    assert len(callbacks) == 1


def test_the_reminder_goes_out_an_hour_before_once(world, fourth):
    with time_machine.travel("2026-06-01 08:00:00+00:00", tick=False):
        circle = make_circle(facilitator=world.manager, people=[world.employee, fourth])
        Circle.objects.filter(pk=circle.pk).update(
            scheduled_at=datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
        )
        assert invitations.remind_upcoming() == 0
    with time_machine.travel("2026-06-01 09:05:00+00:00", tick=False):
        assert invitations.remind_upcoming() == 3
        assert invitations.remind_upcoming() == 0
    assert Notification.objects.filter(kind="feedback.circle_reminder").count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_invitations_with_the_calendar_file(celery_worker):
    from tests.conftest import build_world

    world = build_world()
    make_circle(facilitator=world.manager, people=[world.employee, world.peer])
    messages = celery_worker.wait_for(
        lambda: len(m := celery_worker.sent_emails()) >= 3 and m, timeout=30
    )
    calendars = [
        part.get_content()
        for message in messages
        for part in message.iter_attachments()
        if part.get_content_type() == "text/calendar" and part.get_param("method") == "REQUEST"
    ]
    assert len(calendars) == 3 and all("BEGIN:VCALENDAR" in c for c in calendars)


def test_home_shows_action_items_and_upcoming_circles_in_fixed_queries(
    world, circle, django_assert_num_queries
):
    ActionItem.objects.create(circle=circle, owner=world.employee, text="Say no more often")
    request = RequestFactory().get("/")
    request.user = world.employee
    # Five: the three sections, the company's date and the open campaign (none).
    with django_assert_num_queries(5):
        ctx = home_context(request)
    assert [a.text for a in ctx["feedback_actions"]] == ["Say no more often"]
    assert ctx["feedback_circles"] == [circle]


def test_home_page_renders_the_section(world, circle, client_for):
    page = client_for(world.employee).get(reverse("home")).content.decode()
    assert "Upcoming circles" in page and circle.title in page


def test_demo_seed_adds_a_finished_circle_a_scheduled_one_and_written_feedback(world):
    people = {
        "admin": world.people_admin,
        "director": world.skip_level,
        "manager": world.manager,
        "employee": world.employee,
        "ceo": world.ceo,
        "all": list(type(world.ceo).objects.filter(is_active=True).order_by("id")),
    }
    summary = seed(people=people, rng=random.Random(4), scale=1)
    assert "2 circles" in summary
    ended = Circle.objects.get(phase=Circle.Phase.ENDED)
    upcoming = Circle.objects.get(phase=Circle.Phase.LOBBY)
    assert upcoming.previous_id == ended.pk
    assert CircleItem.objects.filter(circle=ended).exists()
    assert ActionItem.objects.filter(circle=ended).count() == 2
    assert WrittenFeedback.objects.count() > 40
