"""Home, "what needs me, first" (issue 24): one ordered list of what the viewer must act
on, overdue first, then by due date, then the undated, before the practice cards; each
practice's source in a fixed number of queries."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from culture import clock
from culture.sections import Todo
from feedback.models import Circle, CircleItem
from feedback.services import written as written_services
from keeper.models import KeeperTest
from pay.models import CashMixChoice, PayPolicy
from tests.decisions.conftest import make_memo
from tests.feedback.factories import make_circle
from tests.keeper.helpers import open_cycle_now

pytestmark = pytest.mark.django_db


def _needs_me(html: str) -> list[str]:
    """The list's lines as text, in page order."""
    section = re.search(r'<section class="card needs-me".*?</section>', html, re.S).group(0)
    items = re.findall(r"<li[^>]*>(.*?)</li>", section, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", i).split()) for i in items]


def _revealed_items_for(person, *, author, n=1, title="Last week's circle"):
    """A finished circle in which `person` received `n` revealed items, not decided."""
    circle = make_circle(facilitator=author, people=[person, author], title=title)
    Circle.objects.filter(pk=circle.pk).update(revealed_through=5, phase=Circle.Phase.ENDED)
    for i in range(n):
        CircleItem.objects.create(
            circle=circle,
            recipient=person,
            recipient_position=0,
            author=author,
            kind="start",
            text=f"Share drafts sooner {i}",
        )
    return circle


def _circle_tomorrow_at_ten(world, title="Platform circle"):
    circle = make_circle(
        facilitator=world.manager, people=[world.employee, world.peer], title=title
    )
    tomorrow = clock.today() + timedelta(days=1)
    at = datetime.combine(tomorrow, time(10, 0), tzinfo=clock.company_zone())
    Circle.objects.filter(pk=circle.pk).update(scheduled_at=at)
    return circle


@pytest.fixture
def busy(world):
    """An employee with feedback to accept or discard, memos to rate and a circle tomorrow;
    their manager with keeper tests overdue."""
    today = clock.today()
    _revealed_items_for(world.employee, author=world.peer, n=2)
    written_services.do_write_feedback(
        author=world.peer, recipient=world.employee, kind="stop", text="Stop the long calls."
    )
    make_memo(captain=world.skip_level, title="Four-day week", decide_by=today + timedelta(days=5))
    make_memo(captain=world.skip_level, title="Move to Berlin", decide_by=today + timedelta(days=9))
    _circle_tomorrow_at_ten(world)
    cycle = open_cycle_now(days_ago=40)
    assert cycle.is_overdue()
    return {"cycle": cycle, "today": today}


def test_an_employee_sees_what_needs_them_in_order_with_due_dates(world, busy, client_for):
    html = client_for(world.employee).get("/").content.decode()
    assert _needs_me(html) == [
        "Circle: Platform circle tomorrow at 10:00",
        f"Rate 2 memos due {busy['today'] + timedelta(days=5):%-d %b}",
        "Accept or discard 1 piece of written feedback",
        "Accept or discard 2 feedback items from your circles",
    ]
    # The list comes before the practice cards.
    assert html.index('id="needs-me"') < html.index('id="home-keeper"')
    assert 'href="/feedback/inbox/?decision=pending"' in html


def test_a_manager_with_overdue_keeper_tests_sees_them_first(world, busy, client_for):
    html = client_for(world.manager).get("/").content.decode()
    lines = _needs_me(html)
    due = busy["cycle"].due_on
    assert lines == [
        f"Answer 2 keeper tests due {due:%-d %b} overdue",
        "Circle: Platform circle tomorrow at 10:00",
        f"Rate 2 memos due {busy['today'] + timedelta(days=5):%-d %b}",
    ]
    # Once answered, the keeper line is gone.
    KeeperTest.objects.filter(cycle=busy["cycle"]).update(answer="yes")
    assert not any(
        "keeper" in line for line in _needs_me(client_for(world.manager).get("/").content.decode())
    )


def test_the_order_is_overdue_then_by_due_date_then_time_then_undated():
    today = timezone.localdate()
    undated = Todo(label="Undated", url="/u/")
    later = Todo(label="Later", url="/l/", due=today + timedelta(days=3))
    soon = Todo(label="Soon", url="/s/", due=today + timedelta(days=1))
    overdue_late = Todo(
        label="Overdue late", url="/o/", due=today - timedelta(days=1), overdue=True
    )
    overdue_early = Todo(
        label="Overdue early", url="/o2/", due=today - timedelta(days=9), overdue=True
    )
    ordered = sorted([undated, later, soon, overdue_late, overdue_early], key=Todo.sort_key)
    assert [t.label for t in ordered] == [
        "Overdue early",
        "Overdue late",
        "Soon",
        "Later",
        "Undated",
    ]


def test_nothing_to_do_says_so(world, client_for):
    html = client_for(world.peer).get("/").content.decode()
    assert _needs_me(html) == []
    assert "Nothing needs you right now." in html


def test_the_cash_stock_window_is_listed_until_the_choice_is_made(world, client_for):
    today = clock.today()
    start, end = today - timedelta(days=1), today + timedelta(days=4)
    PayPolicy.objects.update_or_create(
        pk=1, defaults={"mix_window_start": start, "mix_window_end": end}
    )
    lines = _needs_me(client_for(world.employee).get("/").content.decode())
    assert lines == [f"Choose your cash / stock mix for {start.year} due {end:%-d %b}"]
    CashMixChoice.objects.create(
        person=world.employee, year=start.year, cash_percent=80, chosen_by=world.employee
    )
    assert _needs_me(client_for(world.employee).get("/").content.decode()) == []


def test_a_people_admin_sees_the_raise_proposals_to_record(world, client_for):
    from decimal import Decimal

    from pay.models import RaiseProposal

    RaiseProposal.objects.create(
        person=world.employee,
        proposed_by=world.manager,
        proposed_salary=Decimal("90000"),
        currency="EUR",
    )
    admin = _needs_me(client_for(world.people_admin).get("/").content.decode())
    assert "Record 1 raise proposal" in admin
    assert not any(
        "raise" in line for line in _needs_me(client_for(world.manager).get("/").content.decode())
    )


def test_a_post_exit_to_hold_is_listed_for_the_former_manager_only(world, client_for):
    from keeper.models import PostExit

    PostExit.objects.create(person=world.inactive, manager=world.manager, left_on=clock.today())
    assert "Hold 1 post-exit Q&amp;A with your team" in " ".join(
        _needs_me(client_for(world.manager).get("/").content.decode())
    )
    assert _needs_me(client_for(world.skip_level).get("/").content.decode()) == []


def _count(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/").status_code == 200
    return len(ctx.captured_queries)


def test_the_home_page_runs_the_same_queries_with_little_and_much_to_do(world, client_for):
    """Every source is a fixed number of queries: more memos, items, written feedback,
    circles and keeper tests cost nothing more."""
    from tests.conftest import make_person

    open_cycle_now(days_ago=40)
    employee, manager = client_for(world.employee), client_for(world.manager)
    _revealed_items_for(world.employee, author=world.peer, n=1)
    make_memo(captain=world.skip_level, title="One")
    _circle_tomorrow_at_ten(world)
    small = (_count(employee), _count(manager))
    for i in range(4):
        _revealed_items_for(world.employee, author=world.peer, n=3, title=f"Circle {i}")
        written_services.do_write_feedback(
            author=world.peer, recipient=world.employee, kind="start", text=f"w {i}"
        )
        make_memo(captain=world.skip_level, title=f"Memo {i}")
        _circle_tomorrow_at_ten(world, title=f"Tomorrow {i}")
        make_person(name=f"Report {i}", manager=world.manager, team=world.team)
    assert (_count(employee), _count(manager)) == small


def test_the_memos_to_rate_are_counted_up_to_a_cap_and_shown_as_more(
    world, client_for, monkeypatch
):
    """The count stops at the cap ("2+" here, "99+" in the product): counting every open
    memo would grow with the company. The due date is still the earliest of them all, and
    memos rated, closed or captained by the reader are still left out."""
    from decisions.models import Memo
    from tests.decisions.conftest import make_rating

    monkeypatch.setattr("decisions.home.WAITING_COUNT_CAP", 2)
    today = clock.today()
    client = client_for(world.employee)

    def rate_line() -> list[str]:
        return [line for line in _needs_me(client.get("/").content.decode()) if "Rate" in line]

    rated = make_memo(captain=world.skip_level, decide_by=today + timedelta(days=1))
    make_rating(rated, world.employee)
    make_memo(captain=world.employee, decide_by=today + timedelta(days=1))
    make_memo(
        captain=world.skip_level, decide_by=today + timedelta(days=2), state=Memo.State.DECIDED
    )
    make_memo(captain=world.skip_level, decide_by=today + timedelta(days=9))
    make_memo(captain=world.skip_level, decide_by=today + timedelta(days=8))
    assert rate_line() == [f"Rate 2 memos due {today + timedelta(days=8):%-d %b}"]
    make_memo(captain=world.skip_level, decide_by=today + timedelta(days=3))  # the newest
    assert rate_line() == [f"Rate 2+ memos due {today + timedelta(days=3):%-d %b}"]
    world.employee.language = "fr"
    world.employee.save(update_fields=["language"])
    html = client.get("/").content.decode()
    assert any(line.startswith("Évaluer 2+ notes de décision") for line in _needs_me(html))


def test_the_memos_to_rate_are_counted_with_a_limit(world):
    """The count reads at most the cap + 1 rows, in decide-by order (so the earliest
    decide-by is among them)."""
    from decisions.home import WAITING_COUNT_CAP, todos

    class Request:
        user = world.employee

    with CaptureQueriesContext(connection) as ctx:
        todos(Request())
    (sql,) = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()][:1]
    assert f"LIMIT {WAITING_COUNT_CAP + 1}" in sql and "ORDER BY" in sql
