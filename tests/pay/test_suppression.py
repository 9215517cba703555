"""Small-group suppression to the letter: every count or bucket covering 1 or 2 people shows
"fewer than 3" (culture.aggregates.group_count), in each place a group's count is shown."""

import re

import pytest
import time_machine
from django.template import Context, Template
from django.urls import reverse

from culture.aggregates import MIN_GROUP, group_count
from keeper.models import Answer, KeeperTest
from tests.conftest import make_person
from tests.keeper.helpers import open_cycle_now
from tests.pay.conftest import make_pay

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel("2026-06-15 10:00Z", tick=False):
        yield


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_helper_suppresses_one_and_two_but_shows_zero_and_three():
    assert MIN_GROUP == 3
    shown = [(str(group_count(n)), group_count(n).value) for n in range(5)]
    assert shown == [
        ("0", 0),
        ("fewer than 3", None),
        ("fewer than 3", None),
        ("3", 3),
        ("4", 4),
    ]


def test_the_template_filter_uses_the_same_helper():
    rendered = Template("{% load aggregates %}{{ a|group_count }}/{{ b|group_count }}").render(
        Context({"a": 2, "b": 7})
    )
    assert rendered == "fewer than 3/7"


def test_the_team_chart_suppresses_each_bucket_of_one_or_two(world, client_for, market):
    # Ratios 0.5, 0.6, 0.7 (under 0.80: three people) and 1.2 (one person).
    for amount in ("50000", "60000", "70000", "120000"):
        make_pay(make_person(manager=world.manager), amount)
    body = text(client_for(world.manager).get(reverse("pay:team")))
    assert "under 0.80: 3" in body
    assert "1.10 and over: fewer than 3" in body
    assert "1.10 and over: 1" not in body
    # Three below target: shown.
    assert "3 below target" in body


def test_the_team_page_suppresses_a_below_target_count_of_two(world, client_for, market):
    for amount in ("50000", "60000", "120000"):
        make_pay(make_person(manager=world.manager), amount)
    body = text(client_for(world.manager).get(reverse("pay:team")))
    assert "fewer than 3 below target" in body
    assert "2 below target" not in body


def test_the_overview_counts_suppress_groups_of_one_or_two(world, client_for, market):
    make_pay(world.employee, "50000")
    make_pay(world.peer, "120000")
    make_pay(world.manager, "130000")
    body = text(client_for(world.people_admin).get(reverse("pay:overview")))
    assert "<dt>Below target</dt><dd>fewer than 3</dd>" in body
    assert "<dt>Below target</dt><dd>1</dd>" not in body


def test_the_home_section_suppresses_a_below_target_count_of_one(world, client_for, market):
    for amount in ("50000", "120000", "130000"):
        make_pay(make_person(manager=world.manager), amount)
    body = text(client_for(world.manager).get(reverse("home")))
    assert "Fewer than 3 of 5" in body and "1 of 5" not in body


def test_the_keeper_rollup_suppresses_answer_counts_of_one_or_two(world, client_for):
    extra = [make_person(manager=world.manager) for _ in range(3)]
    cycle = open_cycle_now()
    KeeperTest.objects.filter(cycle=cycle, report__in=extra).update(answer=Answer.YES)
    KeeperTest.objects.filter(cycle=cycle, report=world.employee).update(answer=Answer.NO)
    body = text(client_for(world.skip_level).get(reverse("keeper:rollup")))
    row = re.search(r"Mia Manager</a></td>.*?</tr>", body).group(0)
    # Yes covers three people (shown); No covers one (suppressed); Not sure none.
    cells = re.findall(r'<td class="num">(.*?)</td>', row)
    assert cells == ["3", "0", "fewer than 3"]
