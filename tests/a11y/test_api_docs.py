"""The API reference (/api/v1/docs): django-ninja's Swagger UI inside a page of ours. The
sweep (tests/a11y/test_every_page.py) leaves the third-party widget out by name; here, once
the widget has drawn every operation (no race), axe checks the page around it, and the
widget's own known findings stay where they are: inside #swagger-ui."""

from __future__ import annotations

import pytest

from tests.a11y.sweep import RULES_JS, RUN_JS, logged_in
from tests.e2e.conftest import AXE_SOURCE

WIDGET_ONLY = """async (rules) => {
    const r = await axe.run({include: [["#swagger-ui"]]}, {
        runOnly: {type: "rule", values: rules}, resultTypes: ["violations"]});
    return r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
        .map(v => v.id);
}"""


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_api_reference_page_around_swagger_ui_has_no_serious_axe_finding(
    world, browser, live_server, _test_db_free_at_exit
):
    page = logged_in(browser, live_server.url, world.employee)
    try:
        page.goto("/api/v1/docs")
        page.locator(".opblock").first.wait_for()
        page.evaluate(AXE_SOURCE)
        rules = page.evaluate(RULES_JS)
        assert page.evaluate(RUN_JS, rules) == []
        # What is left out is the widget, and only the widget: its findings are its own.
        assert set(page.evaluate(WIDGET_ONLY, rules)) <= {"color-contrast", "nested-interactive"}
    finally:
        page.context.close()
