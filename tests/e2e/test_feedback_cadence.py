"""A manager keeps circles a regular practice, in a real browser (axe and CSP checked): the
Circles page says a circle is due and who has not sat in the centre, and the team's cadence
is set with the keyboard alone."""

import pytest

from feedback.models import CircleCadence

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_manager_sees_a_circle_is_due_and_sets_the_cadence_by_keyboard(world, browse):
    CircleCadence.objects.create(team=world.team, per_year=2)
    session = browse(world.manager)
    page = session.page
    session.visit("/feedback/")
    teams = page.locator("section", has=page.get_by_role("heading", name="Your teams' circles"))
    assert teams.get_by_text("a circle is due").is_visible()
    assert teams.get_by_text("Eli Employee").is_visible()
    teams.get_by_role("link", name="Set how often Platform holds a circle").click()
    page.wait_for_url("**/feedback/teams/platform/cadence/")
    session.check_a11y("cadence")
    page.get_by_label("Every quarter").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")  # to Save
    page.keyboard.press("Enter")
    page.wait_for_url("**/feedback/")
    assert page.get_by_text("Every quarter").first.is_visible()
    assert CircleCadence.objects.get(team=world.team).per_year == 4
