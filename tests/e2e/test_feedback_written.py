"""Written 360 in a real browser (axe and CSP checked on every page): write, read, decide,
and the per-person circle summary."""

import pytest

from feedback.services import circle as circle_services
from tests.feedback.factories import make_circle, step, write

pytestmark = pytest.mark.django_db(transaction=True)


def test_written_feedback_from_writing_to_accepting_and_a_circle_summary(world, browse):
    writer = browse(world.peer)
    page = writer.page
    writer.visit(f"/feedback/write/?to={world.employee.pk}")
    assert page.get_by_text("Aim to assist").is_visible()
    page.get_by_label("Stop", exact=True).check()
    page.get_by_label("Your feedback (signed)").fill("Stop merging without a review")
    page.get_by_role("button", name="Send, signed").click()
    page.wait_for_url("**/feedback/given/")
    assert page.get_by_text("Stop merging without a review").is_visible()

    circle = make_circle(facilitator=world.manager, people=[world.employee, world.peer])
    step(circle, world.manager, "start")
    write(circle, world.employee, "Start sharing the roadmap")
    step(circle, world.manager, "reveal")
    step(circle, world.manager, "end")
    circle_services.do_add_action_item(
        circle_id=circle.pk, person=world.manager, text="Roadmap monthly"
    )

    reader = browse(world.employee)
    page = reader.page
    reader.visit("/feedback/inbox/")
    item = page.locator("#inbox-results li", has_text="Stop merging without a review")
    item.get_by_role("button", name="Accept").click()
    page.locator("#inbox-results li", has_text="Stop merging").get_by_text("Accepted").wait_for()
    reader.visit("/feedback/inbox/?decision=pending")

    manager = browse(world.manager)
    manager.visit(f"/feedback/circles/{circle.pk}/summary/")
    assert manager.page.get_by_text("Start sharing the roadmap").is_visible()
    assert manager.page.get_by_text("Roadmap monthly").is_visible()
    manager.visit("/")
    assert manager.page.get_by_text("Roadmap monthly").is_visible()


def test_the_inbox_pages_in_place_and_keeps_its_filter(world, browse):
    from tests.feedback.test_written import _received

    _received(world, 30, kind="stop")
    _received(world, 3, kind="start", start=100)
    reader = browse(world.employee)
    page = reader.page
    reader.visit("/feedback/inbox/")
    page.get_by_label("Kind").select_option("stop")
    page.wait_for_url("**/feedback/inbox/?kind=stop*")
    results = page.locator("#inbox-results")
    results.get_by_text("30 items").wait_for()
    assert results.get_by_text("stop item 029").is_visible()
    results.get_by_role("link", name="Older").click()
    page.wait_for_url("**/feedback/inbox/?kind=stop&page=2")
    results.get_by_text("Page 2 of 2").wait_for()
    assert results.get_by_text("stop item 000").is_visible()
    assert results.get_by_text("stop item 029").count() == 0
    # Deciding on page 2 comes back to page 2 of the same filter.
    results.locator("li", has_text="stop item 001").get_by_role("button", name="Accept").click()
    page.wait_for_url("**/feedback/inbox/?kind=stop&page=2")
    results.locator("li", has_text="stop item 001").get_by_text("Accepted").wait_for()
    reader.check_a11y("inbox page 2")
    reader.assert_clean()
