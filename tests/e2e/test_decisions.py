"""The innovation cycle in a real browser, with XSS payloads along the way that must not run.

Write and publish a memo, three colleagues rate it, the captain sees the histogram, decides,
later records a failure and publishes the sunshine write-up, which shows in the feed and the
bet ledger. Every page is checked by axe-core and for CSP violations; payloads that would set
window.__xss or request /xss-* are planted in the title, body, reasons and comments."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from decisions.models import Memo

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = 'Pilot kids\' interactive episodes <img src="/xss-title" onerror="window.__xss=1">'
BODY = (
    "## Context\nKids rewatch endlessly.\n\n"
    "<script>window.__xss=1</script>\n\n"
    '<img src="/xss-body" onerror="window.__xss=1">\n\n'
    "[click](javascript:window.__xss=1) [data](data:text/html,<script>window.__xss=1</script>)\n\n"
    '<svg onload="window.__xss=1"></svg> <div hx-get="/xss-hx" hx-trigger="load">hx</div>\n\n'
    "{{ 7|add:1 }}\n\n"
    "## The proposal\nA pilot of three interactive episodes."
)
REASON_XSS = (
    'Too risky <script>window.__xss=1</script><img src="/xss-reason" onerror="window.__xss=1">'
)


def _watch(session, requested):
    session.page.on("request", lambda r: requested.append(r.url) if "xss" in r.url else None)


def _no_script_ran(session):
    assert session.page.evaluate("() => window.__xss === undefined")


def test_write_rate_decide_and_sunshine_a_failed_bet_with_no_script_running(world, browse):
    requested: list[str] = []
    captain = browse(world.employee)
    _watch(captain, requested)
    page = captain.page

    # Write and preview a memo (Markdown preview over htmx), save it as a draft, publish it.
    captain.visit("/decisions/new/")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Body").fill(BODY)
    page.get_by_label("Decide by").fill((timezone.localdate() + timedelta(days=5)).isoformat())
    page.get_by_role("button", name="Preview").click()
    page.wait_for_selector("#memo-preview h2:text('Context')")
    _no_script_ran(captain)
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_selector("text=You are the captain")
    memo = Memo.objects.get()
    assert memo.state == Memo.State.DRAFT
    captain.check_a11y("draft memo")
    page.get_by_role("link", name="Publish for dissent").click()
    page.get_by_role("button", name="Publish for dissent").click()
    page.wait_for_selector("text=Open for dissent")
    _no_script_ran(captain)

    # Three colleagues rate it (htmx swaps the ratings section in place).
    for person, score, reason in [
        (world.peer, "7", "Kids love choosing; small pilot is cheap."),
        (world.manager, "-4", REASON_XSS),
        (world.outsider, "-4", "Marketing cannot sell it yet."),
    ]:
        colleague = browse(person)
        _watch(colleague, requested)
        colleague.visit(f"/decisions/{memo.pk}/")
        label = score if score.startswith("-") else f"+{score}"
        colleague.page.get_by_role("radio", name=label, exact=True).check()
        colleague.page.locator("#rate-reason").fill(reason)
        colleague.page.get_by_role("button", name="Rate", exact=True).click()
        colleague.page.wait_for_selector("text=Change your rating")
        _no_script_ran(colleague)
        colleague.check_a11y("after rating")
    colleague.page.locator("#comment-body").fill(
        'Nice <img src="/xss-comment" onerror="window.__xss=1"> @employee'
    )
    colleague.page.get_by_role("button", name="Comment", exact=True).click()
    colleague.page.wait_for_selector(".comment")
    _no_script_ran(colleague)

    # The captain sees the spread: a histogram and the reasons, most negative first.
    captain.visit(f"/decisions/{memo.pk}/")
    histogram = page.get_by_role("img", name="Histogram of 3 ratings")
    assert histogram.is_visible()
    assert "-4: 2; +7: 1;" in page.locator("#hist-title").text_content()
    reasons = page.locator(".reason-group").all_inner_texts()
    assert reasons[0].startswith("-4") and reasons[-1].startswith("+7")
    assert "average" not in page.locator("#ratings").inner_text().replace("no average", "")
    _no_script_ran(captain)

    # Decide.
    page.get_by_role("link", name="Make the bet").click()
    page.get_by_label("Changed plan").check()
    page.get_by_label("Why").fill("Dissent says start with one show.")
    page.get_by_label("Look back on").fill((timezone.localdate() + timedelta(days=60)).isoformat())
    page.get_by_role("button", name="Make the bet").click()
    page.wait_for_selector("text=The bet: Changed plan")

    # Later: it did not go well. The sunshine write-up is required, then published.
    page.get_by_role("link", name="Record how it went").click()
    page.get_by_label("Did not go well", exact=True).check()
    page.get_by_role("button", name="Record how it went").click()
    page.wait_for_selector("text=sunshined")
    page.get_by_label("Did not go well", exact=True).check()
    page.get_by_label("Sunshine: what happened (did not go well)").fill("Few kids finished.")
    page.get_by_label("Sunshine: what we learned").fill("Test with one show before building tools.")
    page.get_by_role("button", name="Record how it went").click()
    page.wait_for_selector("text=Sunshine: it did not go well")
    captain.check_a11y("sunshined memo")

    # The sunshine shows in the feed and in the ledger's "did not" column.
    feed = browse(world.skip_level)
    _watch(feed, requested)
    feed.visit("/decisions/")
    post = feed.page.locator(".feed-post.sunshine")
    assert "Test with one show" in post.inner_text()
    feed.visit(f"/decisions/people/{world.employee.pk}/")
    column = feed.page.locator(".ledger-col.did_not")
    assert "Pilot kids" in column.inner_text()
    _no_script_ran(feed)

    assert requested == [], requested


def test_a_crowded_score_expands_in_place(world, browse):
    from tests.conftest import make_person
    from tests.decisions.conftest import make_memo, make_rating

    memo = make_memo(captain=world.employee, teams=[world.team])
    for i in range(5):
        make_rating(memo, make_person(team=world.team), -4, f"Crowded reason {i}.")
    make_rating(memo, world.peer, 7, "Kids love choosing.")
    session = browse(world.manager)
    session.visit(f"/decisions/{memo.pk}/")
    group = session.page.locator("#reasons--4")
    assert group.locator("ul > li").count() == 3
    session.page.get_by_role("link", name="Show all 5 reasons at -4").click()
    session.page.wait_for_selector("#reasons--4 li:has-text('Crowded reason 4.')")
    assert session.page.locator("#reasons--4 ul > li").count() == 5
    assert session.page.url.endswith(f"/decisions/{memo.pk}/")  # swapped in place
    assert "Kids love choosing." in session.page.locator("#ratings").inner_text()
    session.check_a11y("expanded reasons")
