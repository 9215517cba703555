"""The daily note to managers when someone in their team has not been away for months."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from culture.models import Notification, Person
from freedom import services, tasks
from freedom.models import FreedomSettings
from freedom.schedule import BEAT_SCHEDULE
from tests.freedom.conftest import make_time_away

pytestmark = pytest.mark.django_db

NOON = datetime(2027, 3, 15, 12, 0, tzinfo=ZoneInfo("Europe/London"))


def _nudges():
    return list(
        Notification.objects.filter(kind=services.NUDGE_KIND)
        .order_by("recipient__name", "title")
        .values_list("recipient__name", "title")
    )


@pytest.fixture
def team(world):
    """Everyone started long ago; the employee was away two months ago, the peer a year ago."""
    Person.objects.update(start_date=date(2020, 1, 6))
    make_time_away(person=world.employee, starts_on=date(2027, 1, 4), days=5)
    make_time_away(person=world.peer, starts_on=date(2026, 3, 2), days=5)
    return world


def test_the_sweep_is_scheduled_daily():
    entry = BEAT_SCHEDULE["freedom-time-off-nudges"]
    assert entry["task"] == "freedom.tasks.sweep_time_off_nudges"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({8}, {20})


def test_a_manager_hears_once_about_a_report_not_away_for_six_months(team):
    Person.objects.exclude(pk__in=[team.employee.pk, team.peer.pk]).update(
        start_date=date(2027, 1, 1)
    )
    with time_machine.travel(NOON, tick=False):
        assert tasks.sweep_time_off_nudges() == {"nudged": 1}
        assert tasks.sweep_time_off_nudges() == {"nudged": 0}
    with time_machine.travel(NOON + timedelta(days=20), tick=False):
        assert tasks.sweep_time_off_nudges() == {"nudged": 0}
    assert _nudges() == [("Mia Manager", "Pat Peer has not taken time off in 12 months")]
    note = Notification.objects.get(kind=services.NUDGE_KIND)
    assert note.body.startswith(
        "Nobody has to ask; a word from you that time off is expected helps."
    )
    assert note.url == "/away/"


def test_nobody_is_nudged_about_someone_away_within_the_months(team):
    make_time_away(person=team.peer, starts_on=date(2026, 12, 1), days=3)
    Person.objects.exclude(pk__in=[team.employee.pk, team.peer.pk]).update(
        start_date=date(2027, 1, 1)
    )
    with time_machine.travel(NOON, tick=False):
        assert tasks.sweep_time_off_nudges() == {"nudged": 0}


def test_time_away_planned_ahead_means_no_nudge(team):
    Person.objects.exclude(pk=team.peer.pk).update(start_date=date(2027, 1, 1))
    make_time_away(person=team.peer, starts_on=date(2027, 4, 1))
    with time_machine.travel(NOON, tick=False):
        assert tasks.sweep_time_off_nudges() == {"nudged": 0}


def test_a_newcomer_counts_from_their_start_date(world):
    Person.objects.update(start_date=date(2026, 9, 16))
    with time_machine.travel(NOON, tick=False):
        assert tasks.sweep_time_off_nudges() == {"nudged": 0}
    Person.objects.filter(pk=world.employee.pk).update(start_date=date(2026, 9, 15))
    with time_machine.travel(NOON, tick=False):
        assert tasks.sweep_time_off_nudges() == {"nudged": 1}
    assert _nudges() == [("Mia Manager", "Eli Employee has not taken time off in 6 months")]


def test_the_company_sets_the_months_and_a_new_period_brings_one_more_note(team):
    Person.objects.exclude(pk=team.peer.pk).update(start_date=date(2027, 1, 1))
    FreedomSettings.objects.update_or_create(pk=1, defaults={"nudge_after_months": 4})
    with time_machine.travel(datetime(2026, 7, 10, 12, tzinfo=ZoneInfo("UTC")), tick=False):
        assert tasks.sweep_time_off_nudges() == {"nudged": 1}  # 4 months after 6 March
    with time_machine.travel(datetime(2026, 10, 10, 12, tzinfo=ZoneInfo("UTC")), tick=False):
        assert tasks.sweep_time_off_nudges() == {"nudged": 0}  # 7 months: the same period
    with time_machine.travel(datetime(2026, 11, 10, 12, tzinfo=ZoneInfo("UTC")), tick=False):
        assert tasks.sweep_time_off_nudges() == {"nudged": 1}  # 8 months: the next one
    assert _nudges() == [
        ("Mia Manager", "Pat Peer has not taken time off in 4 months"),
        ("Mia Manager", "Pat Peer has not taken time off in 8 months"),
    ]


def test_people_without_an_active_manager_are_not_nudged_about(team):
    Person.objects.exclude(pk=team.peer.pk).update(start_date=date(2027, 1, 1))
    Person.objects.filter(pk=team.manager.pk).update(is_active=False)
    with time_machine.travel(NOON, tick=False):
        assert tasks.sweep_time_off_nudges() == {"nudged": 0}


def test_the_nudge_goes_in_the_team_group_of_delivery_preferences():
    from chat import blocks, kinds

    assert kinds.group_of(services.NUDGE_KIND) == "team"
    assert blocks.why_for(services.NUDGE_KIND) == blocks.WHY["team"]


@pytest.mark.parametrize(
    "day,months,expected",
    [
        (date(2027, 3, 15), 6, date(2026, 9, 15)),
        (date(2027, 8, 31), 6, date(2027, 2, 28)),
        (date(2028, 8, 31), 6, date(2028, 2, 29)),
        (date(2027, 1, 10), 1, date(2026, 12, 10)),
    ],
)
def test_months_before_keeps_the_day_or_the_months_last(day, months, expected):
    assert services.months_before(day, months) == expected
