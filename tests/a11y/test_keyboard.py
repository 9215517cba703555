"""A memo rating and a circle item, completed with the keyboard alone: Tab to each control,
arrow keys to choose, typing, Enter to send. No mouse click, no element focused by script."""

from __future__ import annotations

import pytest
from django.urls import reverse

from decisions.models import Rating
from feedback.models import CircleItem
from tests.a11y.sweep import logged_in
from tests.decisions.access_matrix import _memos
from tests.feedback.access_matrix import started

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def tab_to(page, selector: str, *, limit: int = 80) -> None:
    """Press Tab until `selector` has the focus; fails when Tab never reaches it."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector} in {limit} presses")


def test_a_colleague_rates_a_memo_with_the_keyboard_alone(
    world, browser, live_server, _test_db_free_at_exit
):
    memo = _memos(world)["open"]
    page = logged_in(browser, live_server.url, world.peer)
    try:
        page.goto(reverse("decisions:memo", args=[memo.pk]))
        # The scale is one radio group: Tab enters it on its first point (-10, unchosen),
        # the arrow keys move along it and choose; 18 steps right is +8.
        tab_to(page, ".score-scale input[type=radio]")
        assert page.evaluate("() => document.activeElement.value") == "-10"
        for _ in range(18):
            page.keyboard.press("ArrowRight")
        assert page.evaluate("() => document.activeElement.value") == "8"
        tab_to(page, "#rate-reason")
        page.keyboard.type("The pilot is cheap and we learn fast.")
        tab_to(page, ".rate-form button[type=submit]")
        page.keyboard.press("Enter")
        page.get_by_text("Change your rating").wait_for()
    finally:
        page.context.close()
    rating = Rating.objects.get(memo=memo, person=world.peer)
    assert (rating.score, rating.reason) == (8, "The pilot is cheap and we learn fast.")


def test_a_participant_adds_a_circle_item_with_the_keyboard_alone(
    world, browser, live_server, _test_db_free_at_exit
):
    circle = started(world)["circle"]
    page = logged_in(browser, live_server.url, world.peer)
    try:
        page.goto(reverse("feedback:room", args=[circle.pk]))
        tab_to(page, "form[data-compose] input[type=radio]")
        page.keyboard.press("ArrowRight")  # the next kind
        page.keyboard.press("Space")
        kind = page.evaluate("() => document.activeElement.value")
        tab_to(page, "form[data-compose] textarea")
        page.keyboard.type("Share the roadmap before the planning meeting.")
        page.keyboard.press("Tab")  # to "Add item"
        assert page.evaluate("() => document.activeElement.textContent.trim()") == "Add item"
        page.keyboard.press("Enter")
        page.locator(".items.mine").get_by_text("Share the roadmap").wait_for()
    finally:
        page.context.close()
    item = CircleItem.objects.get(circle=circle, author=world.peer)
    assert (item.kind, item.text) == (kind, "Share the roadmap before the planning meeting.")
