"""The error pages (403, 404, 429, 500) are pages like the others: no serious or critical axe
finding, in the layout with its navigation. They are not in the authorization matrix's 200
cases, so the sweep (test_every_page.py) does not reach them: they are checked here with it."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from culture.errors import server_error
from culture.ratelimit import Limited, RateLimitMiddleware
from tests.a11y.sweep import Rendered, Sweep, logged_in
from tests.conftest import build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _rendered(url, response) -> Rendered:
    return Rendered(
        url=url,
        status=response.status_code,
        headers=dict(response.headers),
        body=response.content.decode(),
    )


def test_the_error_pages_have_no_serious_axe_finding(browser, live_server, _test_db_free_at_exit):
    world = build_world()
    sweep = Sweep(browser, live_server, world)
    pages = []
    # A manager who follows the keeper rollup link; an address that is no page.
    rollup = reverse("keeper:rollup")
    pages.append(("manager", "403", _rendered(rollup, sweep.client("manager").get(rollup))))
    missing = "/no/such/page/"
    pages.append(("employee", "404", _rendered(missing, sweep.client("employee").get(missing))))
    # The rate limiter's answer, and the static-safe 500 page (rendered without the request).
    request = RequestFactory().post("/people/invite/")
    request.user = world.employee
    request.htmx = False
    limited = RateLimitMiddleware(lambda r: None).process_exception(
        request, Limited("invite", "user", 300)
    )
    pages.append(("employee", "429", _rendered("/people/invite/", limited)))
    pages.append(("employee", "500", _rendered("/boom/", server_error(RequestFactory().get("/")))))
    try:
        for persona, name, page in pages:
            assert page.status == int(name), name
            assert 'aria-label="Main"' in page.body, name
            sweep.check(persona, name, "error page", page)
    finally:
        sweep.close()
    # 403 and 404 share their blocks, so axe may see one of them for both; the others differ.
    assert sweep.checked >= 3, sweep.report()
    assert not sweep.findings, "\n".join(sweep.findings)


def test_an_htmx_request_refused_with_403_shows_the_reason_in_the_alerts(
    world, browser, live_server, _test_db_free_at_exit
):
    """A fragment request the person may not make (the rollup, from a manager's home page)
    puts the reason into the page's alert region and leaves the page as it was."""
    page = logged_in(browser, live_server.url, world.manager)
    try:
        page.goto(reverse("home"))
        heading = page.locator("h1").inner_text()
        page.evaluate(
            "(url) => htmx.ajax('GET', url, {target: '#main', swap: 'innerHTML'})",
            reverse("keeper:rollup"),
        )
        alert = page.locator("#alerts #refused")
        alert.wait_for()
        assert "open to particular people only" in alert.inner_text()
        assert page.locator("h1").inner_text() == heading  # #main was not replaced
        assert page.url.endswith(reverse("home"))
    finally:
        page.context.close()
