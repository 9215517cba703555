"""Written 360 in a real browser (axe and CSP checked on every page): write, read, decide,
and the per-person circle summary."""

import pytest

from feedback import services
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
    services.do_add_action_item(circle_id=circle.pk, person=world.manager, text="Roadmap monthly")

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
