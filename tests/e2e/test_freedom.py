"""Noting time away in a real browser: the form, the board, the manager's home page."""

from datetime import timedelta

import pytest

from culture import clock
from freedom.models import TimeAway

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_employee_notes_time_away_and_their_manager_sees_it_at_home(world, browse):
    session = browse(world.employee)
    page = session.page
    session.visit("/away/")
    session.check_a11y("empty time-away board")
    page.get_by_role("link", name="Note time away").first.click()
    today = clock.today()
    page.get_by_label("Away from").fill(today.isoformat())
    page.get_by_label("Back after (last day away)").fill((today + timedelta(days=4)).isoformat())
    page.get_by_label("Note").fill("Hiking, no signal")
    session.check_a11y("time-away form")
    page.get_by_role("button", name="Note it").click()
    page.wait_for_selector("text=Noted. Your team and your manager will see it.")
    assert page.locator("#away-results").get_by_text("Hiking, no signal").is_visible()
    session.check_a11y("time-away board")
    assert TimeAway.objects.get().person == world.employee

    manager = browse(world.manager)
    manager.visit("/")
    section = manager.page.locator("section[aria-labelledby=home-freedom]")
    assert section.get_by_text("Eli Employee").is_visible()
    assert section.get_by_text("Hiking, no signal").is_visible()
