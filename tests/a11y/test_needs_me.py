"""axe on issue 24's pages as they look with something to do: the home page's "what needs
you" list (an employee with feedback to decide, memos to rate and a circle tomorrow; a
manager with keeper tests overdue) and the keeper rollup with its bars and remind buttons.
The matrix sweep (test_every_page) sees these pages too, but not with this much on them."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse

from culture import clock
from feedback.models import Circle, CircleItem
from tests.a11y.sweep import Sweep
from tests.conftest import build_world
from tests.decisions.conftest import make_memo
from tests.feedback.factories import make_circle
from tests.keeper.helpers import open_cycle_now
from tests.matrix import case

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _busy(world):
    done = make_circle(facilitator=world.peer, people=[world.employee, world.peer], title="Done")
    Circle.objects.filter(pk=done.pk).update(revealed_through=5, phase=Circle.Phase.ENDED)
    CircleItem.objects.create(
        circle=done,
        recipient=world.employee,
        recipient_position=0,
        author=world.peer,
        kind="start",
        text="Share drafts sooner",
    )
    make_memo(captain=world.skip_level, decide_by=clock.today() + timedelta(days=5))
    upcoming = make_circle(
        facilitator=world.manager, people=[world.employee, world.peer], title="Platform"
    )
    at = datetime.combine(
        clock.today() + timedelta(days=1), time(10, 0), tzinfo=clock.company_zone()
    )
    Circle.objects.filter(pk=upcoming.pk).update(scheduled_at=at)
    cycle = open_cycle_now(days_ago=40)
    assert cycle.is_overdue()


def test_home_and_the_rollup_with_things_to_do_have_no_serious_axe_finding(
    browser, live_server, _test_db_free_at_exit
):
    world = build_world()
    _busy(world)
    sweep = Sweep(browser, live_server, world)
    home = case(lambda w, x: reverse("home"))
    rollup = case(lambda w, x: reverse("keeper:rollup"))
    try:
        for persona in ("employee", "manager"):
            sweep.page(persona, "home", "busy", home, {})
        sweep.page("skip_level", "keeper:rollup", "busy", rollup, {})
    finally:
        sweep.close()
    assert sweep.views == 3 and not sweep.skipped, sweep.report()
    assert not sweep.findings, "\n".join(sweep.findings)
