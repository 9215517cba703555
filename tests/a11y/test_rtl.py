"""Right to left (issue 25): a person who reads Arabic gets `<html dir="rtl" lang="ar">`, and the
layout mirrors (static/css uses logical properties: margin-inline-*, inset-inline-*, text-align
start/end). On home and one page of each practice, at a phone's size: main reads right to
left, nothing is wider than the screen, and the main navigation starts at the right edge.
Charts of numbers (the rating scale, the histogram, the pay band) stay left to right.

The main journeys run in Arabic, Japanese and German (axe clean, nothing wider than a phone).
The scripts' strings come from Django's JavaScript catalogue (/jsi18n/), which loads before
them; a script still works if it did not load (its own English fallback)."""

from __future__ import annotations

import gettext as gettext_module

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from culture.models import Person
from tests.a11y.sweep import RULES_JS, RUN_JS, logged_in
from tests.context.access_matrix import _pages
from tests.decisions.access_matrix import _memos
from tests.e2e.conftest import AXE_SOURCE
from tests.feedback.access_matrix import started
from tests.keeper.access_matrix import _open
from tests.pay.access_matrix import _pay

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

# What a page says about its direction, its width and where the navigation sits.
LAYOUT = """() => {
    const nav = document.querySelector('nav.main-nav');
    const links = nav ? [...nav.querySelectorAll("a")].map(a => a.getBoundingClientRect()) : [];
    const box = nav ? nav.getBoundingClientRect() : null;
    const centre = r => r.left + r.width / 2;
    return {
        dir: document.documentElement.getAttribute("dir"),
        lang: document.documentElement.getAttribute("lang"),
        mainDirection: getComputedStyle(document.querySelector("main")).direction,
        scrollWidth: document.scrollingElement.scrollWidth,
        innerWidth: innerWidth,
        navCentre: box ? centre(box) : null,
        linksCentre: links.length ? (Math.min(...links.map(r => r.left)) +
                                     Math.max(...links.map(r => r.right))) / 2 : null,
        firstLinkCentre: links.length ? centre(links[0]) : null,
        lastLinkCentre: links.length ? centre(links[links.length - 1]) : null,
        brandCentre: centre(document.querySelector(".site-header .brand").getBoundingClientRect()),
        catalogue: typeof window.gettext === "function" && typeof window.interpolate === "function",
    };
}"""

# The innermost elements that stick out past either edge, to say what to fix.
OUTSIDE = """() => [...document.querySelectorAll("body *")]
    .filter(e => { const r = e.getBoundingClientRect();
                   return r.width > 0 && (r.right > innerWidth + 0.5 || r.left < -0.5); })
    .filter(e => !e.closest(".visually-hidden, .skip-link, thead"))
    .filter(e => ![...e.children].some(c => { const r = c.getBoundingClientRect();
                   return r.width > 0 && (r.right > innerWidth + 0.5 || r.left < -0.5); }))
    .slice(0, 5)
    .map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
              (e.className && e.className.baseVal === undefined ? "." + e.className : ""))"""


# What the room's script (static/js/feedback.js) says in #live-status when its stream is refused.
POLLING = "Live updates interrupted: refreshing every 3 seconds."


def _refuse_stream(page):
    """The room's event stream answers 503 (as when Redis is down): the script polls and says so.
    (Django's live server cannot stream the room's events; tests/e2e runs uvicorn for that.)"""
    page.route("**/stream/", lambda route: route.fulfill(status=503, body=""))


def _live_status(page) -> str:
    page.wait_for_function(
        "() => document.getElementById('live-status').textContent.trim() !== ''", timeout=15_000
    )
    return page.locator("#live-status").inner_text().strip()


def _watch(page, problems: list[str]):
    """Script errors and Content-Security-Policy refusals on `page` go to `problems`."""
    page.on("pageerror", lambda exc: problems.append(f"{page.url}: page error: {exc}"))

    def console(message):
        text = message.text
        if message.type == "error" and (
            "Content Security Policy" in text or "Refused to" in text or "Uncaught" in text
        ):
            problems.append(f"{page.url}: console: {text}")

    page.on("console", console)


def _in_the_catalogue(lang: str, text: str) -> str:
    """`text` as the scripts' catalogue (locale/<lang>/LC_MESSAGES/djangojs.po) has it."""
    catalogue = gettext_module.translation(
        "djangojs", localedir=settings.LOCALE_PATHS[0], languages=[lang]
    )
    return catalogue.gettext(text)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lang", ["ar", "ja", "de"])
def test_the_main_journeys_in_arabic_japanese_and_german_fit_a_phone_and_pass_axe(
    lang, world, browser, live_server, _test_db_free_at_exit
):
    """Home, keeper, a memo, the live room, pay, context and the org chart, as readers of
    Arabic (right to left), Japanese and German (the longest words), at a phone's size: in
    their language, axe finds
    nothing serious or critical, nothing is wider than the screen, and for Arabic the page
    mirrors (main reads right to left, the navigation starts at the right)."""
    rtl = lang == "ar"
    _open(world)
    memos = _memos(world)
    circle = started(world)["circle"]
    _pay(world)
    _pages(world)
    readers = [world.employee, world.manager, world.peer]
    Person.objects.filter(pk__in=[p.pk for p in readers]).update(language=lang)
    pages = [
        (world.employee, reverse("home")),
        (world.manager, reverse("keeper:index")),
        (world.peer, reverse("decisions:memo", args=[memos["open"].pk])),
        (world.peer, reverse("feedback:room", args=[circle.pk])),
        (world.employee, reverse("pay:index")),
        (world.employee, reverse("context:index")),
        (world.employee, reverse("people:org_chart")),
    ]
    with translation.override(lang):
        home_word = str(translation.gettext("Home"))
    problems: list[str] = []
    tabs: dict = {}
    try:
        for person, url in pages:
            if person not in tabs:
                tabs[person] = logged_in(browser, live_server.url, person, viewport=PHONE)
                _watch(tabs[person], problems)
            page = tabs[person]
            response = page.goto(url)
            assert response is not None and response.status == 200, url
            page.evaluate("() => window.scrollTo(0, 0)")
            got = page.evaluate(LAYOUT)
            direction = "rtl" if rtl else "ltr"
            assert (got["dir"], got["lang"], got["mainDirection"]) == (direction, lang, direction)
            assert got["catalogue"], f"{url}: the JavaScript catalogue did not load"
            nav = page.locator("nav.main-nav").first.inner_text()
            if home_word not in nav or "Home" in nav:
                problems.append(f"{url}: the navigation is not in {lang}: {nav!r}")
            if got["scrollWidth"] > got["innerWidth"]:
                problems.append(
                    f"{url}: {got['scrollWidth']}px wide on a {got['innerWidth']}px screen: "
                    f"{page.evaluate(OUTSIDE)}"
                )
            page.evaluate(AXE_SOURCE)
            for violation in page.evaluate(RUN_JS, page.evaluate(RULES_JS)):
                problems.append(f"{url}: axe: {violation}")
            if not rtl:
                continue
            # The bottom tab bar spans the screen; its first link (Home) is at the right.
            if got["firstLinkCentre"] <= got["innerWidth"] / 2:
                problems.append(f"{url}: the navigation's first link is on the left half")
            if got["firstLinkCentre"] <= got["lastLinkCentre"]:
                problems.append(f"{url}: the navigation reads left to right")
            if got["brandCentre"] <= got["innerWidth"] / 2:
                problems.append(f"{url}: the brand is on the left half")
        # The account menu opens inside the screen (under its button).
        page = tabs[world.employee]
        page.goto(reverse("home"))
        page.locator(".account-menu summary").click()
        menu = page.locator(".account-menu .menu").bounding_box()
        assert menu is not None and menu["x"] >= 0 and menu["x"] + menu["width"] <= PHONE["width"]
        # The room's script speaks the reader's language, through the catalogue.
        room = tabs[world.peer]
        _refuse_stream(room)
        room.goto(reverse("feedback:room", args=[circle.pk]))
        said = _live_status(room)
        assert said == _in_the_catalogue(lang, POLLING) and said != POLLING
    finally:
        for page in tabs.values():
            page.context.close()
    assert problems == []


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_at_desktop_width_the_navigation_sits_at_the_right(
    world, browser, live_server, _test_db_free_at_exit
):
    Person.objects.filter(pk=world.employee.pk).update(language="ar")
    page = logged_in(browser, live_server.url, world.employee, viewport=DESKTOP)
    problems: list[str] = []
    _watch(page, problems)
    try:
        page.goto(reverse("home"))
        got = page.evaluate(LAYOUT)
        assert (got["dir"], got["mainDirection"]) == ("rtl", "rtl")
        assert got["scrollWidth"] <= got["innerWidth"]
        # The links start at the right: as a group they sit on the right half.
        assert got["linksCentre"] > got["innerWidth"] / 2
        assert got["firstLinkCentre"] > got["lastLinkCentre"]
        assert got["brandCentre"] > got["firstLinkCentre"]
    finally:
        page.context.close()
    assert problems == []


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_room_still_works_when_the_catalogue_does_not_load(
    world, browser, live_server, _test_db_free_at_exit
):
    circle = started(world)["circle"]
    page = logged_in(browser, live_server.url, world.peer, viewport=PHONE)
    problems: list[str] = []
    _watch(page, problems)
    try:
        page.context.route("**/jsi18n/**", lambda route: route.abort())
        _refuse_stream(page)
        page.goto(reverse("feedback:room", args=[circle.pk]))
        assert page.evaluate("() => typeof window.gettext") == "undefined"
        assert _live_status(page) == POLLING
    finally:
        page.context.close()
    # The aborted catalogue is a failed load, not a script error.
    assert [p for p in problems if "jsi18n" not in p and "Failed to load" not in p] == []


@pytest.mark.django_db
def test_the_javascript_catalogue_answers_an_anonymous_visitor():
    response = Client().get(reverse("javascript_catalog") + "?l=fr")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    body = response.content.decode()
    assert "django.gettext" in body and "interpolate" in body and "ngettext" in body
