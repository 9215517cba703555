"""Keyboard only: a manager answers the keeper test on the compact view with Tab,
Shift+Tab, Enter and Space, never a click; focus stays on the control after each save."""

from __future__ import annotations

import pytest

from keeper.models import KeeperTest
from tests.keeper.helpers import keeper_test_of, note_text, open_cycle_now

pytestmark = pytest.mark.django_db(transaction=True)


def _active_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def _tab_to(page, element_id: str, *, limit: int = 80) -> None:
    for _ in range(limit):
        if _active_id(page) == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id} (at #{_active_id(page)})")


def test_a_keeper_answer_with_the_keyboard_alone(world, browse):
    cycle = open_cycle_now()
    test = keeper_test_of(cycle, world.employee)
    session = browse(world.manager)
    page = session.page
    session.visit("/keeper/compact/")
    session.check_a11y("keeper compact")

    _tab_to(page, f"row-{test.pk}-answer-no")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('#keeper-progress').innerText.includes('1 of 2')"
    )
    pressed = page.locator(f"#row-{test.pk}-answer-no")
    assert pressed.get_attribute("aria-pressed") == "true"
    assert _active_id(page) == f"row-{test.pk}-answer-no"  # focus survived the swap
    assert KeeperTest.objects.get(pk=test.pk).answer == "no"

    page.keyboard.press("Shift+Tab")
    assert _active_id(page) == f"row-{test.pk}-answer-not_sure"
    page.keyboard.press("Space")
    page.wait_for_function(
        f"() => document.querySelector('#row-{test.pk}-answer-not_sure')"
        ".getAttribute('aria-pressed') === 'true'"
    )
    assert KeeperTest.objects.get(pk=test.pk).answer == "not_sure"

    # The notes open in place from the keyboard, and save with Space.
    _tab_to(page, f"row-{test.pk}-notes-toggle")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert _active_id(page) == f"id_t{test.pk}-notes"
    page.keyboard.type("Talk about the on-call rota on Friday.")
    _tab_to(page, f"row-{test.pk}-save-notes", limit=4)
    page.keyboard.press("Space")
    page.wait_for_function(
        f"() => document.querySelector('#row-{test.pk}-notes-toggle').innerText"
        ".includes('(written)')"
    )
    assert note_text(test, world.manager) == "Talk about the on-call rota on Friday."
    assert KeeperTest.objects.get(pk=test.pk).answer == "not_sure"
    assert _active_id(page) == f"row-{test.pk}-save-notes"
    session.check_a11y("keeper compact, notes open after a save")
