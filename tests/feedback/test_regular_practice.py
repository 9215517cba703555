"""Feedback circles as a regular practice (a team's cadence, the reminder when a circle is
due, who has not sat in the centre for a year), action items that follow their owner, the
facilitator's nudge by every channel, and the written 360 campaign's announcements,
reminders and yearly repeat."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from culture.models import Delivery, Notification, Person
from feedback.demo import seed
from feedback.home import home_context
from feedback.models import (
    ActionItem,
    Campaign,
    Circle,
    CircleCadence,
    Participant,
    WrittenFeedback,
    reports_without_circle,
)
from feedback.services import cadence as cadence_services
from feedback.services import circle as circle_services
from feedback.services import written as written_services
from tests.conftest import make_person, run_jobs
from tests.feedback.factories import make_circle, step


def _at(y, m, d, h=9):
    return datetime(y, m, d, h, tzinfo=UTC)


def _held_circle(facilitator, people, when):
    """A circle that went all the way round at `when`: everyone sat in the centre."""
    circle = make_circle(facilitator=facilitator, people=people)
    seats = circle.participants.count()
    Circle.objects.filter(pk=circle.pk).update(
        scheduled_at=when,
        phase=Circle.Phase.ENDED,
        current_position=seats - 1,
        revealed_through=seats - 1,
        ended_at=when,
    )
    return circle


def _due_notes():
    return list(
        Notification.objects.filter(kind="feedback.circle_due")
        .order_by("recipient__name", "key")
        .values_list("recipient__name", "key")
    )


# --- Cadence ------------------------------------------------------------------------------


def test_a_teams_manager_sets_its_cadence_and_it_is_audited(world):
    cadence = cadence_services.do_set_cadence(actor=world.manager, team=world.team, per_year=4)
    assert (cadence.per_year, cadence.set_by_id, cadence.months) == (4, world.manager.pk, 3)
    from culture.models import AuditEvent

    event = AuditEvent.objects.get(action="feedback.cadence.set")
    assert event.detail == {"team": "platform", "per_year": 4}


def test_the_due_reminder_goes_to_each_manager_once_per_period(world):
    CircleCadence.objects.create(team=world.team, per_year=2)
    with time_machine.travel(_at(2027, 2, 1), tick=False):
        assert cadence_services.remind_due_circles() == 3
        assert cadence_services.remind_due_circles() == 0  # the next day's run: same period
    with time_machine.travel(_at(2027, 3, 1), tick=False):
        assert cadence_services.remind_due_circles() == 0
    # The platform team's managers: whoever directly manages someone in it (the manager of
    # the employee, the director of the manager, the CEO of the director).
    assert _due_notes() == [
        ("Cora CEO", f"feedback:circle_due:{world.team.pk}:2027-1of2:{world.ceo.pk}"),
        ("Mia Manager", f"feedback:circle_due:{world.team.pk}:2027-1of2:{world.manager.pk}"),
        ("Sam Skip", f"feedback:circle_due:{world.team.pk}:2027-1of2:{world.skip_level.pk}"),
    ]
    with time_machine.travel(_at(2027, 7, 1), tick=False):
        assert cadence_services.remind_due_circles() == 3  # the second half: due again
    assert Notification.objects.filter(kind="feedback.circle_due").count() == 6


def test_a_circle_held_or_planned_within_the_period_means_no_reminder(world):
    CircleCadence.objects.create(team=world.team, per_year=2)
    with time_machine.travel(_at(2027, 5, 1), tick=False):
        _held_circle(world.manager, [world.employee, world.peer], _at(2027, 2, 10))
        make_circle(facilitator=world.skip_level, people=[world.manager])  # planned, in 2 h
        make_circle(facilitator=world.ceo, people=[world.skip_level])
        assert cadence_services.remind_due_circles() == 0
    with time_machine.travel(_at(2027, 9, 1), tick=False):
        # Six months after the manager's circle: due for the manager; the director's and
        # the CEO's circles (planned in May) still count.
        assert cadence_services.remind_due_circles() == 1
    assert [name for name, _ in _due_notes()] == ["Mia Manager"]


def test_a_cancelled_circle_does_not_count_and_teams_without_a_cadence_are_left_alone(world):
    with time_machine.travel(_at(2027, 5, 1), tick=False):
        circle = make_circle(facilitator=world.manager, people=[world.employee])
        circle_services.do_cancel_circle(circle_id=circle.pk, by=world.manager)
        assert cadence_services.remind_due_circles() == 0
        CircleCadence.objects.create(team=world.team, per_year=1)
        assert cadence_services.remind_due_circles() == 3


def test_reports_who_have_not_sat_in_the_centre_for_a_year_in_one_query(
    world, django_assert_num_queries
):
    fourth = make_person(name="Fay Fourth", email="fay@example.test", manager=world.manager)
    with time_machine.travel(_at(2027, 6, 1), tick=False):
        _held_circle(world.manager, [world.employee], _at(2027, 1, 5))
        _held_circle(world.manager, [fourth], _at(2026, 3, 1))  # over a year ago
        # The peer sat in a circle whose round for them never came (not revealed).
        circle = make_circle(facilitator=world.manager, people=[world.peer])
        step(circle, world.manager, "start")
        with django_assert_num_queries(1):
            rows = list(reports_without_circle(world.manager, date(2027, 6, 1)))
    assert [(p.name, p.last_centre) for p in rows] == [
        ("Fay Fourth", _at(2026, 3, 1)),
        ("Pat Peer", None),
    ]


# --- Pages: cadence and the manager's view ---------------------------------------------------


def test_the_cadence_page_saves_and_refuses_a_bad_choice_in_place(world, client_for):
    client = client_for(world.manager)
    url = reverse("feedback:cadence", args=[world.team.slug])
    page = client.get(url)
    assert page.status_code == 200
    assert b"Feedback circles for Platform" in page.content
    bad = client.post(url, {"per_year": "7"})
    assert bad.status_code == 422
    assert b"Select a valid choice" in bad.content
    assert client.post(url, {"per_year": "1"}).status_code == 302
    assert CircleCadence.objects.get(team=world.team).per_year == 1


def test_the_circles_page_shows_a_manager_their_teams_and_who_has_not_been_in_a_circle(
    world, client_for
):
    CircleCadence.objects.create(team=world.team, per_year=2)
    _held_circle(world.manager, [world.employee], timezone.now() - timedelta(days=40))
    page = client_for(world.manager).get(reverse("feedback:index"))
    assert page.status_code == 200
    rows = page.context["my_teams"]
    assert [(r["team"].name, r["due"]) for r in rows] == [("Platform", False)]
    assert [p.name for p in page.context["without_circle"]] == ["Pat Peer"]
    assert b"Not in the centre of a circle in the last year" in page.content
    # Someone who manages nobody sees neither.
    page = client_for(world.employee).get(reverse("feedback:index"))
    assert (page.context["my_teams"], page.context["without_circle"]) == ([], [])
    assert b"Your teams' circles" not in page.content


def test_the_director_sees_the_circle_is_due(world, client_for):
    CircleCadence.objects.create(team=world.team, per_year=2)
    page = client_for(world.skip_level).get(reverse("feedback:index"))
    assert [(r["team"].name, r["due"]) for r in page.context["my_teams"]] == [("Platform", True)]
    assert b"a circle is due" in page.content


@pytest.mark.parametrize("n", [2, 8])
def test_the_circles_page_for_a_manager_runs_a_fixed_number_of_queries(world, client_for, n):
    for i in range(n):
        report = make_person(
            name=f"Report {i}", email=f"r{i}@example.test", manager=world.manager, team=world.team
        )
        _held_circle(world.manager, [report], timezone.now() - timedelta(days=400 + i))
    client = client_for(world.manager)
    client.get(reverse("feedback:index"))
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(reverse("feedback:index"))
    assert len(page.context["without_circle"]) == n + 2  # and the employee and the peer
    assert len(ctx.captured_queries) == 7


def test_people_admins_see_every_teams_cadence_on_the_settings_page(world, client_for):
    CircleCadence.objects.create(team=world.other_team, per_year=4)
    page = client_for(world.people_admin).get(reverse("feedback:admin_settings"))
    assert [(t["name"], t["cadence"] and t["cadence"].per_year) for t in page.context["teams"]] == [
        ("Growth", 4),
        ("Platform", None),
    ]


# --- Action items follow their owner -------------------------------------------------------


def test_action_items_carry_over_to_a_circle_with_other_people_and_are_checked_off_there(
    world, client_for
):
    first = make_circle(facilitator=world.manager, people=[world.employee, world.peer])
    step(first, world.manager, "start")
    step(first, world.manager, "reveal")
    step(first, world.manager, "next")  # the employee's round
    step(first, world.manager, "reveal")
    action = circle_services.do_add_action_item(
        circle_id=first.pk, person=world.employee, text="Say no to work outside the quarter"
    )
    ActionItem.objects.create(circle=first, owner=world.employee, text="Old one", done=True)
    step(first, world.manager, "end")
    # The next circle: the skip-level, the employee and the manager (the peer is not in it).
    second = make_circle(
        facilitator=world.skip_level, people=[world.employee, world.manager, world.skip_level]
    )
    step(second, world.skip_level, "start")  # the director goes first
    from feedback.room import room_context

    assert room_context(second, world.employee)["carried"] == []  # not the employee's round
    step(second, world.skip_level, "reveal")
    step(second, world.skip_level, "next")  # next: alphabetical, Eli Employee
    assert [a.text for a in room_context(second, world.manager)["carried"]] == [
        "Say no to work outside the quarter"
    ]
    room = client_for(world.employee).get(reverse("feedback:room", args=[second.pk]))
    assert b"Say no to work outside the quarter" in room.content
    assert b"Done: Say no to work outside the quarter" in room.content
    manager_room = client_for(world.manager).get(reverse("feedback:room", args=[second.pk]))
    assert b"Done: Say no" not in manager_room.content  # only its owner checks it off
    version = Circle.objects.get(pk=second.pk).version
    done = client_for(world.employee).post(
        reverse("feedback:complete_action", args=[action.pk]),
        {"circle": second.pk},
        HTTP_HX_REQUEST="true",
    )
    assert done.status_code == 200
    assert b"Say no to work outside the quarter" not in done.content
    assert ActionItem.objects.get(pk=action.pk).done is True
    assert Circle.objects.get(pk=second.pk).version == version + 1  # the others see it go


def test_checking_off_in_a_room_you_are_not_in_is_refused(world, client_for):
    circle = make_circle(facilitator=world.manager, people=[world.employee])
    mine = make_circle(facilitator=world.manager, people=[world.peer])
    action = ActionItem.objects.create(circle=mine, owner=world.peer, text="Mine")
    res = client_for(world.peer).post(
        reverse("feedback:complete_action", args=[action.pk]), {"circle": circle.pk}
    )
    assert res.status_code == 404
    assert ActionItem.objects.get(pk=action.pk).done is False


def test_carried_items_in_a_recipient_only_circle_are_shown_to_the_recipient_alone(world):
    from feedback.room import room_context

    first = make_circle(facilitator=world.manager, people=[world.employee])
    ActionItem.objects.create(circle=first, owner=world.manager, text="Delegate")
    second = make_circle(
        facilitator=world.manager,
        people=[world.employee, world.peer],
        reveal_to=Circle.Audience.RECIPIENT,
    )
    step(second, world.manager, "start")
    assert [a.text for a in room_context(second, world.manager)["carried"]] == ["Delegate"]
    assert room_context(second, world.employee)["carried"] == []


# --- The nudge by every channel ------------------------------------------------------------


def test_a_nudge_reaches_the_person_by_email_once_per_minute(world, client_for):
    circle = make_circle(facilitator=world.manager, people=[world.employee, world.peer])
    step(circle, world.manager, "start")
    url = reverse("feedback:step", args=[circle.pk])
    data = {"action": "nudge", "person": world.employee.pk}
    with time_machine.travel(_at(2027, 3, 1, 10), tick=False):
        client = client_for(world.manager)  # logged in at the frozen time
        assert client.post(url, data).status_code == 302
        assert client.post(url, data).status_code == 302  # a double click
    with time_machine.travel(_at(2027, 3, 1, 10) + timedelta(minutes=3), tick=False):
        assert client.post(url, data).status_code == 302
    notes = Notification.objects.filter(kind="feedback.nudge", recipient=world.employee)
    assert sorted(notes.values_list("key", flat=True)) == [
        f"feedback:circle:{circle.pk}:nudge:{world.employee.pk}:202703011000",
        f"feedback:circle:{circle.pk}:nudge:{world.employee.pk}:202703011003",
    ]
    mails = Delivery.objects.filter(recipient=world.employee, notification__in=notes)
    assert sorted(mails.values_list("to_email", flat=True)) == ["employee@example.test"] * 2


# --- Written 360 campaigns ------------------------------------------------------------------


def _active_people():
    return Person.objects.filter(is_active=True).count()


def test_opening_a_campaign_tells_everyone_once(world, client_for):
    with time_machine.travel(_at(2027, 3, 1), tick=False):
        res = client_for(world.people_admin).post(
            reverse("feedback:admin_settings"),
            {
                "which": "campaign",
                "campaign-name": "Spring written 360 2027",
                "campaign-opens_on": "2027-03-01",
                "campaign-closes_on": "2027-04-15",
                "campaign-target": "12",
                "campaign-repeats_yearly": "on",
            },
        )
        assert res.status_code == 302
        assert run_jobs() == 1  # the announcement, deferred work
        campaign = Campaign.objects.get()
        assert (campaign.target, campaign.repeats_yearly) == (12, True)
        assert written_services.sweep_campaigns() == {"announced": 0, "reminded": 0, "repeated": 0}
    notes = Notification.objects.filter(kind="feedback.campaign_opened")
    assert notes.count() == _active_people() == 9
    assert (
        notes.get(recipient=world.employee).title
        == "Spring written 360 2027 is open until 15 April"
    )


def test_a_campaign_opening_later_is_announced_on_its_first_day(world):
    with time_machine.travel(_at(2027, 2, 20), tick=False):
        written_services.do_open_campaign(
            actor=world.people_admin,
            name="Spring",
            opens_on=date(2027, 3, 1),
            closes_on=date(2027, 4, 15),
        )
        assert written_services.sweep_campaigns()["announced"] == 0
    assert not Notification.objects.filter(kind="feedback.campaign_opened").exists()
    with time_machine.travel(_at(2027, 3, 1), tick=False):
        assert written_services.sweep_campaigns()["announced"] == 9
        assert written_services.sweep_campaigns()["announced"] == 0


def test_people_below_the_target_are_reminded_once_a_week_before_it_closes(world):
    with time_machine.travel(_at(2027, 3, 1), tick=False):
        campaign = written_services.do_open_campaign(
            actor=world.people_admin,
            name="Spring",
            opens_on=date(2027, 3, 1),
            closes_on=date(2027, 4, 15),
            target=2,
        )
        for to in (world.manager, world.peer, world.manager):
            written_services.do_write_feedback(
                author=world.employee, recipient=to, kind="start", text="Start earlier"
            )
        written_services.do_write_feedback(
            author=world.peer, recipient=world.manager, kind="start", text="Start earlier"
        )
    with time_machine.travel(_at(2027, 4, 7), tick=False):
        assert written_services.sweep_campaigns()["reminded"] == 0  # 8 days before
    with time_machine.travel(_at(2027, 4, 8), tick=False):
        assert written_services.sweep_campaigns()["reminded"] == 8  # all but the employee
    with time_machine.travel(_at(2027, 4, 12), tick=False):
        assert written_services.sweep_campaigns()["reminded"] == 0
    reminders = Notification.objects.filter(kind="feedback.campaign_reminder")
    assert not reminders.filter(recipient=world.employee).exists()
    assert reminders.get(recipient=world.peer).title == (
        "Spring closes on 15 April: you have written to 1 of 2"
    )
    assert reminders.get(recipient=world.peer).key == (
        f"feedback:campaign:{campaign.pk}:reminder:{world.peer.pk}"
    )


def test_a_repeating_campaign_creates_next_years_once_when_it_closes(world):
    with time_machine.travel(_at(2028, 2, 1), tick=False):
        campaign = written_services.do_open_campaign(
            actor=world.people_admin,
            name="Written 360 2028",
            opens_on=date(2028, 2, 29),
            closes_on=date(2028, 3, 31),
            target=8,
            repeats_yearly=True,
        )
        written_services.do_open_campaign(
            actor=world.people_admin,
            name="One-off",
            opens_on=date(2028, 1, 1),
            closes_on=date(2028, 1, 31),
        )
    with time_machine.travel(_at(2028, 3, 31), tick=False):
        assert written_services.sweep_campaigns()["repeated"] == 0  # still open today
    with time_machine.travel(_at(2028, 4, 1), tick=False):
        assert written_services.sweep_campaigns()["repeated"] == 1
        assert written_services.sweep_campaigns()["repeated"] == 0
        assert written_services.repeat_campaign(campaign) is None
    nxt = Campaign.objects.exclude(pk=campaign.pk).get(name__startswith="Written")
    assert (nxt.name, nxt.opens_on, nxt.closes_on, nxt.target, nxt.repeats_yearly) == (
        "Written 360 2029",
        date(2029, 2, 28),
        date(2029, 3, 31),
        8,
        True,
    )
    assert Campaign.objects.count() == 3


def test_the_home_page_shows_the_open_campaign_and_my_progress(world, django_assert_num_queries):
    with time_machine.travel(_at(2027, 3, 10), tick=False):
        Campaign.objects.create(
            name="Spring",
            opens_on=date(2027, 3, 1),
            closes_on=date(2027, 4, 15),
            created_by=world.people_admin,
            target=10,
        )
        written_services.do_write_feedback(
            author=world.employee, recipient=world.peer, kind="start", text="Start earlier"
        )
        request = RequestFactory().get("/")
        request.user = world.employee
        # The three of before, the company's date (once per request), the campaign and the
        # person's progress in it.
        with django_assert_num_queries(6):
            ctx = home_context(request)
    assert (ctx["feedback_campaign"].name, ctx["feedback_campaign_written"]) == ("Spring", 1)


def test_the_campaign_uses_the_companys_date(world, settings):
    """Late on 14 April in UTC is already the 15th in Auckland: the campaign closing on the
    14th is over for a company there."""
    from culture.models import CompanySettings

    CompanySettings.objects.update(time_zone="Pacific/Auckland")
    Campaign.objects.create(
        name="Spring",
        opens_on=date(2027, 3, 1),
        closes_on=date(2027, 4, 14),
        created_by=world.people_admin,
    )
    with time_machine.travel(_at(2027, 4, 14, 20), tick=False):
        assert Campaign.current() is None
        feedback = written_services.do_write_feedback(
            author=world.employee, recipient=world.peer, kind="start", text="Start earlier"
        )
    assert feedback.campaign_id is None


# --- Demo ------------------------------------------------------------------------------------


def test_the_demo_has_a_team_cadence_a_due_circle_and_an_open_campaign_with_progress(world):
    people = {
        "admin": world.people_admin,
        "director": world.skip_level,
        "manager": world.manager,
        "employee": world.employee,
        "ceo": world.ceo,
        "all": list(Person.objects.filter(is_active=True).order_by("id")),
    }
    summary = seed(people=people, rng=random.Random(4), scale=1)
    assert "an open campaign (4 of 10 written by the employee)" in summary
    assert CircleCadence.objects.get(team=world.team).per_year == 2
    # The manager has a circle planned; the director (and the CEO, who manages the director
    # in that team) have none with their reports: due.
    assert [name for name, _ in _due_notes()] == ["Cora CEO", "Sam Skip"]
    campaign = Campaign.current()
    assert (campaign.target, campaign.repeats_yearly) == (10, True)
    assert written_services.campaign_progress(campaign, world.employee) == 4
    assert WrittenFeedback.objects.filter(campaign=campaign).count() == 4
    assert Participant.objects.filter(person=world.manager).count() == 2


# --- The keeper page: who has not been through a circle (a section Circles registers) ---------


def test_the_keeper_page_shows_the_manager_who_has_not_been_in_a_circle(world, client_for):
    _held_circle(world.manager, [world.employee], timezone.now() - timedelta(days=40))
    page = client_for(world.manager).get(reverse("keeper:index"))
    assert page.status_code == 200
    assert page.context["practice_sections"] == ["feedback/_keeper.html"]
    assert [p.name for p in page.context["without_circle"]] == ["Pat Peer"]
    html = page.content.decode()
    assert "Not in the centre of a feedback circle in the last year" in html
    assert "Pat Peer" in html and "never" in html
    # Once the peer has sat in the centre, the section goes away.
    _held_circle(world.manager, [world.peer], timezone.now() - timedelta(days=3))
    page = client_for(world.manager).get(reverse("keeper:index"))
    assert page.context["practice_sections"] == []
    assert "Not in the centre of a feedback circle" not in page.content.decode()


def test_the_keeper_page_shows_nobody_elses_reports(world, client_for):
    # The employee manages nobody; the director's list is of their own direct reports only.
    page = client_for(world.employee).get(reverse("keeper:index"))
    assert page.context["practice_sections"] == []
    page = client_for(world.skip_level).get(reverse("keeper:index"))
    assert [p.name for p in page.context["without_circle"]] == ["Mia Manager"]


def test_the_keeper_page_section_costs_one_query_whatever_the_reports(world, client_for):
    client = client_for(world.manager)
    counts = []
    for batch in (1, 6):
        for i in range(batch):
            make_person(
                name=f"Report {batch}-{i}", email=f"k{batch}{i}@x.test", manager=world.manager
            )
        client.get(reverse("keeper:index"))
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(reverse("keeper:index"))
        section = [q for q in ctx.captured_queries if "revealed_through" in q["sql"]]
        assert len(section) == 1
        counts.append((len(page.context["without_circle"]), len(ctx.captured_queries)))
    assert [n for n, _ in counts] == [3, 9]  # the employee, the peer and the reports
    assert counts[0][1] == counts[1][1]
