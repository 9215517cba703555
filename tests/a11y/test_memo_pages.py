"""The memo pages of issue 24 in the states the sweep does not reach, through axe-core in
Chromium (serious or critical findings fail), at desktop width and at 390px: the feed with
spread strips and "waiting for your rating" marks, a memo whose reasons wait for the
viewer's rating, the rating scale with an error, and the publish step refusing prompts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from decisions.models import MEMO_TEMPLATE, Memo
from tests.decisions.conftest import make_memo, make_rating

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _checked_at_both_widths(session, label: str) -> None:
    session.check_a11y(label)
    session.page.set_viewport_size({"width": 390, "height": 844})
    session.check_a11y(f"{label} at 390px")
    width = session.page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"{label}: {width}px wide at 390px"
    session.page.set_viewport_size({"width": 1280, "height": 900})


def test_memo_pages_of_issue_24_have_no_serious_axe_finding(world, browse):
    waiting = make_memo(captain=world.manager, title="Waits for a rating", teams=[world.team])
    for person, score in [(world.outsider, -8), (world.skip_level, 3), (world.ceo, 10)]:
        make_rating(waiting, person, score, "A reason long enough to count.")
    after = make_memo(captain=world.manager, title="Rate first", reasons_after_rating=True)
    make_rating(after, world.outsider, -2, "Not convinced by the numbers.")
    draft = make_memo(captain=world.peer, state=Memo.State.DRAFT, body=MEMO_TEMPLATE)

    peer = browse(world.peer)
    page = peer.page
    peer.visit(reverse("decisions:index"))
    assert page.locator("svg.spread-strip").count() >= 1
    assert page.get_by_text("Waiting for your rating").count() == 2
    _checked_at_both_widths(peer, "feed with strips")

    peer.visit(reverse("decisions:memo", args=[after.pk]))
    assert page.get_by_text("appear once you have rated").is_visible()
    _checked_at_both_widths(peer, "memo before rating")
    # Rate with no reason: the error comes back in place (htmx, 422), still accessible.
    page.get_by_role("radio", name="+4", exact=True).check()
    page.locator("#rate-reason").evaluate("e => e.removeAttribute('required')")
    page.get_by_role("button", name="Rate", exact=True).click()
    page.locator("#ratings .errorlist").wait_for()
    peer.check_a11y("rating refused")
    page.locator("#rate-reason").fill("A pilot on one team is cheap.")
    page.get_by_role("button", name="Rate", exact=True).click()
    page.get_by_text("Not convinced by the numbers.").wait_for()
    _checked_at_both_widths(peer, "memo after rating")

    peer.visit(reverse("decisions:step", args=[draft.pk, "publish"]))
    page.get_by_role("button", name="Publish for dissent").click()
    page.locator("#step-form [role=alert]").wait_for()
    _checked_at_both_widths(peer, "publish refused")
    assert Memo.objects.get(pk=draft.pk).state == Memo.State.DRAFT
