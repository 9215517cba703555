"""A manager edits their team's context page in a real browser; the history shows the diff."""

from __future__ import annotations

import pytest

from context.models import ContextPage

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_manager_edits_the_team_context_and_reads_the_change_in_its_history(world, browse):
    manager = browse(world.manager)
    page = manager.page
    manager.visit("/context/teams/platform/")
    page.get_by_role("link", name="Write it").click()
    page.wait_for_url("**/context/teams/platform/edit/")
    manager.check_a11y("edit form")
    page.get_by_label("North star (Markdown)").fill("Ship to members **the day** it is ready.")
    page.get_by_label("The numbers people need to decide (Markdown)").fill("- Deploys: 38")
    page.get_by_label("What changed (one line)").fill("First version")
    page.get_by_role("button", name="Save a new version").click()
    page.wait_for_url("**/context/teams/platform/")
    assert page.locator("strong", has_text="the day").count() == 1
    manager.check_a11y("team context page")
    page.get_by_role("link", name="History").click()
    page.get_by_role("link", name="Version 1").click()
    page.wait_for_url("**/context/teams/platform/history/1/")
    assert page.locator(".diff .added", has_text="Deploys: 38").count() == 1
    manager.check_a11y("revision diff")
    manager.assert_clean()
    assert ContextPage.objects.get(team=world.team).version == 1
