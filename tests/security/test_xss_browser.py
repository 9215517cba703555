"""The browser tests of the injection suite: the XSS corpus is written into every free-text
field (straight into the database, then, in a second test, through every form people can
submit), and Chromium visits every HTML page that shows it. No payload runs (window.__xss
stays unset), no request to /xss-... is made, and the `browse` fixture fails on any CSP
violation or page error."""

from __future__ import annotations

import pytest
from django.db import transaction

from tests.conftest import build_world
from tests.security import walk
from tests.security.helpers import CASES, body, client
from tests.security.test_injection import poison

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SKIP = (
    "stream",
    "csv",
    "_md",
    "export",
    "template",
    "healthz",
    "logout",
    "password_reset_",
    "attachment",  # a download (Content-Disposition: attachment), never rendered
)
VIEWERS = ("people_admin", "manager", "employee", "skip_level")


def _pages(world):
    """Every GET page of the matrix, set up in one world (a setup that clashes is skipped)."""
    pages = []
    for name in sorted(CASES):
        spec = CASES[name]
        if spec.method != "get" or any(s in name for s in SKIP):
            continue
        try:
            with transaction.atomic():
                extra = spec.setup(world) if spec.setup else {}
                url = spec.url(world, extra)
        except Exception:  # noqa: BLE001 - a second cycle or circle; its page is seen via others
            continue
        viewer = next((p for p in VIEWERS if spec.expected(p) == 200), None)
        if viewer:
            pages.append((viewer, url))
    return pages


# Pages of one persona open at once, in tabs of its browser context: each page is read only
# once its network has been quiet for 500 ms (Playwright's "networkidle", so that fragments
# htmx loads, and any request a payload would make, have happened), and those waits overlap.
TABS = 4


def _visit(browse, world, pages) -> None:
    """Chromium visits each (persona, url): nothing runs, nothing is fetched from /xss-..."""
    requests = []
    problems = []
    by_persona: dict[str, list[str]] = {}
    for persona, url in pages:
        by_persona.setdefault(persona, []).append(url)
    for persona, urls in by_persona.items():
        session = browse(getattr(world, persona))
        tabs = [session.page] + [session.new_tab() for _ in range(TABS - 1)]
        for tab in tabs:
            tab.on("request", lambda r: requests.append(r.url))
        for start in range(0, len(urls), TABS):
            batch = list(zip(tabs, urls[start : start + TABS], strict=False))
            opened = [(tab, url, tab.goto(url, wait_until="commit")) for tab, url in batch]
            for tab, url, response in opened:
                if response is None or response.status >= 400:
                    continue
                tab.wait_for_load_state("networkidle")
                if tab.evaluate("() => window.__xss !== undefined"):
                    problems.append(f"{url} as {persona}: a payload ran")
            session.assert_clean()
        for tab in tabs:
            tab.goto("about:blank")  # close any live stream before the server stops
    bad = [u for u in requests if "xss" in u.lower()]
    assert not bad, f"payload requests: {bad[:10]}"
    assert not problems, "\n".join(problems)


def test_no_payload_runs_in_a_browser_on_any_page(browse):
    world = build_world()
    pages = _pages(world)
    assert len(pages) >= 40
    assert poison() > 100
    _visit(browse, world, pages)


@pytest.mark.xdist_group(walk.GROUP)
def test_no_payload_written_through_the_forms_runs_in_a_browser(walked_with_corpus, browse):
    """The corpus goes in through the forms (test_injection_forms.py), then Chromium opens
    every page, for every persona, that the server shows it on. The walk and the corpus are
    the shared ones (walk.py), committed; this test being transactional, the database is
    emptied after it."""
    from django.urls import resolve

    world, site = walked_with_corpus.world, walked_with_corpus.site
    written = walked_with_corpus.written
    assert not written.problems, "\n".join(written.problems)
    # One page of each kind (about 0.7 s each in Chromium), as the first persona it shows
    # the corpus to; the server-side scan in test_injection_forms.py reads all of them.
    pages, views = [], set()
    for persona in VIEWERS + ("peer",):
        c = client(world, persona)
        for url in site.pages[persona]:
            view = resolve(url.split("?")[0]).view_name
            if any(s in url for s in SKIP) or view in views:
                continue
            response = c.get(url)
            if response.status_code == 200 and "xss" in body(response):
                views.add(view)
                pages.append((persona, url))
    assert len(pages) >= 35, pages
    _visit(browse, world, pages)
