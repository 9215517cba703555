"""The main journeys at a phone's size (390 x 844): every link of the header's navigation can
be brought into view, and no page is wider than the screen (nothing to scroll sideways)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.a11y.sweep import logged_in
from tests.decisions.access_matrix import _memos
from tests.feedback.access_matrix import started
from tests.keeper.access_matrix import _open
from tests.pay.access_matrix import _pay

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

NAV_IN_VIEW = """() => [...document.querySelectorAll('nav[aria-label="Main"] a')].map(a => {
    a.scrollIntoView({block: "nearest", inline: "nearest"});
    const r = a.getBoundingClientRect();
    const onTop = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return {
        name: a.textContent.trim(),
        inView: r.width > 0 && r.left >= 0 && r.right <= innerWidth && r.top >= 0 &&
                r.bottom <= innerHeight && (onTop === a || a.contains(onTop)),
    };
})"""

# The innermost elements that stick out past the right edge, to say what to fix.
TOO_WIDE = """() => [...document.querySelectorAll("body *")]
    .filter(e => e.getBoundingClientRect().right > innerWidth + 0.5)
    .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > innerWidth + 0.5))
    .slice(0, 5)
    .map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
              (e.className && e.className.baseVal === undefined ? "." + e.className : ""))"""


def test_main_journeys_fit_a_phone_and_show_every_navigation_link(
    world, browser, live_server, _test_db_free_at_exit
):
    _open(world)
    memos = _memos(world)
    circle = started(world)["circle"]
    _pay(world)
    journeys = [
        (world.employee, reverse("home")),
        (world.manager, reverse("keeper:index")),
        (world.peer, reverse("decisions:memo", args=[memos["open"].pk])),
        (world.peer, reverse("feedback:room", args=[circle.pk])),
        (world.employee, reverse("pay:index")),
        (world.employee, reverse("people:directory")),
    ]
    problems = []
    tabs: dict = {}
    try:
        for person, url in journeys:
            if person not in tabs:
                tabs[person] = logged_in(browser, live_server.url, person, viewport=PHONE)
            page = tabs[person]
            page.goto(url)
            links = page.evaluate(NAV_IN_VIEW)
            assert [link["name"] for link in links][-2:] == ["Pay", "People"]
            problems += [
                f"{url}: {link['name']} cannot be seen" for link in links if not link["inView"]
            ]
            width = page.evaluate("() => document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                wide = page.evaluate(TOO_WIDE)
                problems.append(f"{url}: {width}px wide on a {PHONE['width']}px screen: {wide}")
    finally:
        for page in tabs.values():
            page.context.close()
    assert problems == []
