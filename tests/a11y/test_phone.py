"""The product at a phone's size (390 x 844), over the main journeys and the key pages of every
area (error pages included): every link of the main navigation can be seen and reached (a
bottom tab bar, none cut off), no page is wider than the screen (nothing to scroll sideways),
and every navigation link, button and disclosure is at least 44 x 44 px to touch."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.a11y.sweep import logged_in
from tests.api.access_matrix import _personal
from tests.context.access_matrix import _pages
from tests.decisions.access_matrix import _memos
from tests.feedback.access_matrix import started
from tests.freedom.access_matrix import _entry
from tests.keeper.access_matrix import _open
from tests.pay.access_matrix import _pay
from tests.webhooks.access_matrix import _endpoint

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
TOUCH = 44

NAV_IN_VIEW = """() => [...document.querySelectorAll('nav.main-nav a')].map(a => {
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

# Every target a thumb aims at that is on screen: the navigation, the header's bell and account
# menu, and the page's buttons, button-styled links and disclosures; smaller than 44 x 44 px.
TOO_SMALL = """(min) => { const seen = [...document.querySelectorAll([
        'nav.main-nav a', "header .bell", "header summary",
        "main button", "main .button", "main summary", 'main input[type="submit"]',
    ].join(","))]
    .filter(e => !e.closest(".visually-hidden, [hidden], details:not([open]) > :not(summary)"))
    .map(e => [e, e.getBoundingClientRect()])
    .filter(([e, r]) => r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== "hidden");
    return {seen: seen.length, small: seen
        .filter(([e, r]) => r.width < min - 0.5 || r.height < min - 0.5)
        .map(([e, r]) => `${e.tagName.toLowerCase()} "${(e.getAttribute("aria-label") ||
            e.textContent).trim().replace(/\\s+/g, " ").slice(0, 40)}" ` +
            `${Math.round(r.width)}x${Math.round(r.height)}`)};
}"""


def test_key_pages_fit_a_phone_with_every_navigation_link_and_44px_targets(
    world, browser, live_server, _test_db_free_at_exit
):
    _open(world)
    memos = _memos(world)
    circle = started(world)["circle"]
    _pay(world)
    _entry(world)
    _pages(world)
    _personal(world)
    endpoint = _endpoint(world)["endpoint"]
    pages = [
        # The main journeys.
        (world.employee, reverse("home")),
        (world.manager, reverse("keeper:index")),
        (world.peer, reverse("decisions:memo", args=[memos["open"].pk])),
        (world.peer, reverse("feedback:room", args=[circle.pk])),
        (world.employee, reverse("pay:index")),
        (world.employee, reverse("people:directory")),
        # The core's and the smaller areas' pages, with their tables stacked.
        (world.employee, reverse("people:profile", args=[world.employee.pk])),
        (world.employee, reverse("people:org_chart")),
        (world.employee, reverse("notifications")),
        (world.employee, reverse("away:index")),
        (world.employee, reverse("guides:index")),
        (world.employee, reverse("context:index")),
        (world.employee, reverse("context:company_history")),
        (world.employee, reverse("api_tokens")),
        (world.employee, reverse("chat:preferences")),
        (world.people_admin, reverse("audit_log")),
        (world.people_admin, reverse("company_settings")),
        (world.people_admin, reverse("scim_tokens")),
        (world.people_admin, reverse("webhooks:endpoints")),
        (world.people_admin, reverse("webhooks:endpoint", args=[endpoint.pk])),
        # The error pages: a manager who follows the rollup link, and an address that is not one.
        (world.manager, reverse("keeper:rollup")),
        (world.employee, "/no/such/page/"),
    ]
    problems = []
    tabs: dict = {}
    try:
        for person, url in pages:
            if person not in tabs:
                tabs[person] = logged_in(browser, live_server.url, person, viewport=PHONE)
            page = tabs[person]
            page.goto(url)
            links = page.evaluate(NAV_IN_VIEW)
            assert [link["name"] for link in links] == [
                "Home",
                "Circles",
                "Keeper",
                "Decisions",
                "Pay",
                "People",
            ], url
            problems += [
                f"{url}: {link['name']} cannot be seen" for link in links if not link["inView"]
            ]
            page.evaluate("() => window.scrollTo(0, 0)")
            width = page.evaluate("() => document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                wide = page.evaluate(TOO_WIDE)
                problems.append(f"{url}: {width}px wide on a {PHONE['width']}px screen: {wide}")
            targets = page.evaluate(TOO_SMALL, TOUCH)
            # At least the six navigation links, the bell and the account menu were measured.
            assert targets["seen"] >= 8, url
            problems += [f"{url}: {small}" for small in targets["small"]]
    finally:
        for page in tabs.values():
            page.context.close()
    assert problems == []
