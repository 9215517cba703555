"""Page query counts do not grow with the data (N and 5N objects, same count)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from feedback.models import ActionItem
from feedback.services import written as written_services
from tests.feedback.factories import make_circle, step, write


def _add(world, n):
    for i in range(n):
        circle = make_circle(facilitator=world.manager, people=[world.employee, world.peer])
        step(circle, world.manager, "start")
        write(circle, world.employee, f"item {i}")
        step(circle, world.manager, "reveal")
        step(circle, world.manager, "end")
        ActionItem.objects.create(circle=circle, owner=world.manager, text=f"do {i}")
        written_services.do_write_feedback(
            author=world.employee, recipient=world.manager, kind="start", text=f"w {i}"
        )
    return circle


@pytest.mark.parametrize(
    "page", ["feedback:index", "feedback:given", "feedback:inbox", "home", "summary"]
)
def test_feedback_pages_run_a_fixed_number_of_queries(world, client_for, page):
    client = client_for(world.employee if page == "feedback:given" else world.manager)
    counts = []
    for n in (2, 10):
        circle = _add(world, n)
        url = reverse("feedback:summary", args=[circle.pk]) if page == "summary" else reverse(page)
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
