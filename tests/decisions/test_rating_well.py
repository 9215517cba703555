"""Issue 24, memos people can rate well: a memo is published only with its proposal written
and no template prompt left; empty sections are not shown; the rating is a scale of 21
radios above the others' reasons; "reasons after rating" hides the others' ratings and
reasons from whoever has not rated (page, fragments, feed, sort); the feed shows each
memo's spread as a strip and marks the memos waiting for my rating."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from decisions import body as memo_body
from decisions import services
from decisions.models import MEMO_TEMPLATE, Memo
from decisions.services import DecisionError
from tests.conftest import make_person
from tests.decisions.conftest import make_memo, make_rating

pytestmark = pytest.mark.django_db
S = Memo.State
SECRET = "Only raters may read this reason."


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _cards(html: str) -> dict[str, str]:
    return {
        re.search(r'class="memo-title"><a href="[^"]+">([^<]+)</a>', card).group(1): card
        for card in html.split('<li class="card memo-item">')[1:]
    }


# --- the body: prompts, the proposal, empty sections --------------------------------------------


def test_the_template_is_all_prompts_and_states_no_proposal():
    left = memo_body.prompts_left(MEMO_TEMPLATE)
    assert left == [
        "Context",
        "The proposal",
        "Options considered",
        "What we would test",
        "Risks",
        "When we decide",
    ]
    assert not memo_body.proposal_written(MEMO_TEMPLATE)
    assert len(memo_body.publish_problems(MEMO_TEMPLATE)) == 2


def test_a_written_proposal_with_the_other_sections_removed_can_be_published():
    body = "## The proposal\nMove the weekly review to Thursdays."
    assert memo_body.publish_problems(body) == []
    # An answered prompt is fine; a prompt kept under an answer is not.
    kept = body + "\n\n## Risks\nWhat could go wrong, and who would feel it?\nNone."
    assert memo_body.prompts_left(kept) == ["Risks"]


def test_a_proposal_that_is_still_its_prompt_or_empty_is_not_written():
    assert not memo_body.proposal_written("## The proposal\nWhat exactly do we want to do?\n")
    assert not memo_body.proposal_written("## The proposal\n\n## Risks\nSome.")
    assert not memo_body.proposal_written("We should do it.")  # no proposal section
    # A heading inside a fenced code block is not a section.
    assert not memo_body.proposal_written("```\n## The proposal\nX\n```")


def test_empty_sections_are_dropped_and_written_ones_kept():
    body = "Intro.\n\n## Context\nWhy now.\n\n## Risks\n\n## Options\n### Nothing\nKeep it.\n"
    shown = memo_body.without_empty_sections(body + "## Tests\n")
    assert "## Risks" not in shown and "## Tests" not in shown
    assert "## Context\nWhy now." in shown
    assert "## Options" in shown and "### Nothing\nKeep it." in shown  # a parent with text below
    assert shown.startswith("Intro.")


def test_the_memo_page_does_not_show_an_empty_section(world, client_for):
    memo = make_memo(
        captain=world.employee,
        body="## Context\nWhy now.\n\n## Risks\n\n## The proposal\nDo it.",
    )
    html = _text(client_for(world.peer).get(memo.get_absolute_url()))
    article = html[html.index('aria-label="The memo"') :]
    article = article[: article.index("</article>")]
    assert "Context" in article and "Do it." in article
    assert "Risks" not in article


# --- publishing ---------------------------------------------------------------------------------


def test_a_memo_still_holding_prompts_is_not_published(world):
    memo = make_memo(captain=world.employee, state=S.DRAFT, body=MEMO_TEMPLATE)
    with pytest.raises(DecisionError, match="Still the template's prompt") as refused:
        services.do_publish(memo_id=memo.pk, by=world.employee)
    assert "The proposal" in refused.value.message
    assert Memo.objects.get(pk=memo.pk).state == S.DRAFT


def test_a_memo_without_a_decide_by_date_is_not_published_even_with_its_proposal(world):
    memo = make_memo(captain=world.employee, state=S.DRAFT)
    Memo.objects.filter(pk=memo.pk).update(decide_by=None)
    assert memo_body.publish_problems(memo.body) == []
    with pytest.raises(DecisionError, match="decide-by date"):
        services.do_publish(memo_id=memo.pk, by=world.employee)
    assert Memo.objects.get(pk=memo.pk).state == S.DRAFT


def test_the_publish_step_refuses_prompts_with_the_error_in_place_422(world, client_for):
    memo = make_memo(captain=world.employee, state=S.DRAFT, body=MEMO_TEMPLATE)
    client = client_for(world.employee)
    url = reverse("decisions:step", args=[memo.pk, "publish"])
    # Before trying: the page says what stops it.
    shown = _text(client.get(url))
    assert "Before you can publish" in shown and "“The proposal”" in shown
    # Without JavaScript: the whole page, the errors inside the form, 422.
    response = client.post(url, {})
    html = _text(response)
    assert response.status_code == 422
    form = html[html.index('id="step-form"') :]
    assert 'role="alert"' in form and "Still the template&#x27;s prompt" in form
    assert "Write the proposal under" in form
    # With htmx: the form alone, 422.
    part = client.post(url, {}, headers={"HX-Request": "true", "HX-Target": "step-form"})
    text = _text(part)
    assert part.status_code == 422 and "<html" not in text
    assert text.lstrip().startswith('<form method="post" class="card" id="step-form"')
    assert "Still the template&#x27;s prompt" in text
    assert Memo.objects.get(pk=memo.pk).state == S.DRAFT


def test_the_captain_chooses_reasons_after_rating_when_publishing(world, client_for):
    memo = make_memo(captain=world.employee, state=S.DRAFT, hide_spread=True)
    client = client_for(world.employee)
    url = reverse("decisions:step", args=[memo.pk, "publish"])
    page = _text(client.get(url))
    assert "Show the others&#x27; reasons only after rating" in page
    assert "The spread stays hidden until the window closes" in page
    assert "Before you can publish" not in page
    response = client.post(url, {"reasons_after_rating": "on"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and response["HX-Redirect"] == memo.get_absolute_url()
    memo.refresh_from_db()
    assert memo.state == S.OPEN and memo.reasons_after_rating and memo.hide_spread


def test_publishing_without_the_choice_shows_reasons_as_before(world, client_for):
    memo = make_memo(captain=world.employee, state=S.DRAFT)
    client = client_for(world.employee)
    assert client.post(reverse("decisions:step", args=[memo.pk, "publish"])).status_code == 302
    memo.refresh_from_db()
    assert memo.state == S.OPEN and not memo.reasons_after_rating


# --- the rating control ------------------------------------------------------------------------


def test_the_rating_is_a_scale_of_21_labelled_radios_above_the_reasons(world, client_for, memo):
    make_rating(memo, world.manager, -3, "Costs are unclear to me.")
    html = _text(client_for(world.peer).get(memo.get_absolute_url()))
    radios = re.findall(r'<input type="radio" name="score" value="(-?\d+)"', html)
    assert radios == [str(s) for s in range(-10, 11)]
    assert '<fieldset class="score-scale"' in html and "<legend>Your rating, from −10" in html
    assert "<select" not in html[html.index('id="ratings"') :]
    assert html.index('class="score-scale"') < html.index("Reasons, from most negative")
    # Every point is labelled by its number, printed (not told by colour alone).
    assert (
        '<input type="radio" name="score" value="8" id="rate-score-8" required><span>+8</span>'
        in (html)
    )


def test_the_scale_submits_without_javascript_and_shows_the_chosen_point(world, client_for, memo):
    client = client_for(world.peer)
    response = client.post(
        reverse("decisions:rate", args=[memo.pk]), {"score": "-7", "reason": "Too early for us."}
    )
    assert response.status_code == 302
    html = _text(client.get(memo.get_absolute_url()))
    assert 'value="-7" id="rate-score--7" checked required><span>-7</span>' in html
    assert "Change your rating (now -7)" in html


def test_a_score_off_the_scale_is_refused_in_place(world, client_for, memo):
    response = client_for(world.peer).post(
        reverse("decisions:rate", args=[memo.pk]),
        {"score": "11", "reason": "Beyond the scale."},
        headers={"HX-Request": "true"},
    )
    html = _text(response)
    assert response.status_code == 422 and 'id="rate-score-error"' in html
    assert 'aria-describedby="rate-score-error"' in html


# --- reasons after rating ----------------------------------------------------------------------


@pytest.fixture
def after_rating(world):
    """An open memo whose others' reasons show after rating, rated by the manager at -4."""
    memo = make_memo(captain=world.employee, reasons_after_rating=True, teams=[world.team])
    make_rating(memo, world.manager, -4, SECRET)
    return memo


def test_before_rating_neither_reasons_nor_spread_show_with_a_line_saying_why(
    world, client_for, after_rating
):
    html = _text(client_for(world.peer).get(after_rating.get_absolute_url()))
    assert SECRET not in html
    assert "Histogram" not in html and "reasons--4" not in html
    assert "appear once you have rated" in html
    assert "Dissent: 1 rating" in html  # how many rated is not what they think
    assert '<fieldset class="score-scale"' in html  # and the control is there to rate


def test_the_reasons_fragment_is_refused_before_rating(world, client_for, after_rating):
    client = client_for(world.peer)
    url = after_rating.get_absolute_url() + "?score=-4"
    part = client.get(url, headers={"HX-Request": "true", "HX-Target": "reasons--4"})
    assert part.status_code == 404 and SECRET not in part.content.decode()
    assert SECRET not in client.get(url).content.decode()  # the page with that score expanded


def test_a_refused_rating_does_not_show_the_reasons(world, client_for, after_rating):
    response = client_for(world.peer).post(
        reverse("decisions:rate", args=[after_rating.pk]),
        {"score": "3", "reason": ""},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422 and SECRET not in response.content.decode()


def test_after_rating_the_fragment_and_the_page_show_the_reasons(world, client_for, after_rating):
    client = client_for(world.peer)
    response = client.post(
        reverse("decisions:rate", args=[after_rating.pk]),
        {"score": "5", "reason": "A small pilot costs little."},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and SECRET in response.content.decode()
    html = _text(client.get(after_rating.get_absolute_url()))
    assert SECRET in html and "Histogram of 2 ratings" in html
    part = client.get(
        after_rating.get_absolute_url() + "?score=-4",
        headers={"HX-Request": "true", "HX-Target": "reasons--4"},
    )
    assert part.status_code == 200 and SECRET in part.content.decode()


def test_the_captain_sees_the_reasons_without_rating(world, client_for, after_rating):
    html = _text(client_for(world.employee).get(after_rating.get_absolute_url()))
    assert SECRET in html and "appear once you have rated" not in html


def test_once_the_window_closes_everyone_sees_the_reasons(world, client_for, after_rating):
    Memo.objects.filter(pk=after_rating.pk).update(
        decide_by=timezone.localdate() - timedelta(days=1)
    )
    assert SECRET in client_for(world.peer).get(after_rating.get_absolute_url()).content.decode()


def test_the_hidden_spread_rule_is_unchanged_by_rating(world, client_for):
    memo = make_memo(captain=world.employee, hide_spread=True, reasons_after_rating=True)
    make_rating(memo, world.manager, -4, SECRET)
    make_rating(memo, world.peer, 2, "My own reason here.")
    html = _text(client_for(world.peer).get(memo.get_absolute_url()))
    assert SECRET not in html and "hide the spread until the window closes" in html


def test_the_feed_and_the_dissent_sort_keep_the_spread_from_whoever_has_not_rated(
    world, client_for, after_rating
):
    make_rating(after_rating, world.outsider, 6, "Another reason given.")
    url = reverse("decisions:index")
    peer = client_for(world.peer)
    card = _cards(peer.get(url).content.decode())[after_rating.title]
    assert "spread-strip" not in card and "ranging" not in card
    assert "the spread shows once you have rated" in card
    # Sorting by dissent would rank it by its spread: it is left out for the peer.
    assert after_rating.title not in peer.get(url, {"sort": "dissent"}).content.decode()
    # The captain sees the strip and the sort.
    captain = client_for(world.employee)
    card = _cards(captain.get(url).content.decode())[after_rating.title]
    assert "spread-strip" in card and "ranging from -4 to +6" in card
    assert after_rating.title in captain.get(url, {"sort": "dissent"}).content.decode()


# --- the feed: strips and "waiting for my rating" -----------------------------------------------


def test_feed_cards_show_a_strip_with_numbers_and_mark_what_waits_for_me(world, client_for):
    waiting = make_memo(captain=world.manager, title="Waits for me")
    make_rating(waiting, world.outsider, -8, "Far too costly now.")
    make_rating(waiting, world.skip_level, 3, "Could work in one team.")
    make_rating(waiting, world.ceo, 3, "Worth trying in a pilot.")
    rated = make_memo(captain=world.manager, title="Rated by me")
    make_rating(rated, world.peer, 1, "Fine by me, slightly.")
    mine = make_memo(captain=world.peer, title="My own memo")
    hidden = make_memo(captain=world.manager, title="Hidden spread", hide_spread=True)
    make_rating(hidden, world.outsider, 9, "Strongly for it.")
    closed = make_memo(
        captain=world.manager, title="Window closed", decide_by=timezone.localdate() - timedelta(1)
    )
    decided = make_memo(captain=world.manager, title="Decided one", state=S.DECIDED)
    html = client_for(world.peer).get(reverse("decisions:index")).content.decode()
    cards = _cards(html)
    assert '<span class="pill waiting">Waiting for your rating</span>' in cards["Waits for me"]
    assert "Waiting for your rating" in cards["Hidden spread"]  # hidden, but still open to me
    for title in ("Rated by me", "My own memo", "Window closed", "Decided one"):
        assert "Waiting for your rating" not in cards[title], title
    assert '<span class="pill">You rated</span>' in cards["Rated by me"]
    # The strip: counts and scores printed, the scores named for a screen reader.
    strip = cards["Waits for me"][cards["Waits for me"].index('<svg class="spread-strip"') :]
    strip = strip[: strip.index("</svg>")]
    assert 'aria-label="Spread of 3 ratings: -8: 1; +3: 2; "' in strip
    assert re.findall(r'<text class="count"[^>]*>(\d+)</text>', strip) == ["1", "2"]
    labels = re.findall(r'<text class="axis"[^>]*>([^<]+)</text>', strip)
    assert labels == ["-10", "-8", "0", "+3", "+10"]
    assert 'class="bar neg s3"' in strip and 'class="bar pos s1"' in strip
    # No strip where the spread is hidden, none where nobody rated.
    assert "spread-strip" not in cards["Hidden spread"]
    assert "spread-strip" not in cards["My own memo"]
    assert {closed.pk, decided.pk, mine.pk}  # all on the page
    # The state in words on every card.
    assert '<span class="pill info">Open for dissent</span>' in cards["Waits for me"]
    assert ">Decided</span>" in cards["Decided one"]


def test_the_waiting_mark_agrees_with_the_waiting_filter(world, client_for):
    for i in range(3):
        make_memo(captain=world.manager, title=f"Open {i}")
    rated = make_memo(captain=world.manager, title="Rated one")
    make_rating(rated, world.peer, 2, "A reason long enough.")
    make_memo(captain=world.peer, title="Mine")
    html = client_for(world.peer).get(reverse("decisions:index"), {"waiting": "1"})
    cards = _cards(html.content.decode())
    assert sorted(cards) == ["Open 0", "Open 1", "Open 2"]
    assert all("Waiting for your rating" in c for c in cards.values())


def _feed_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("decisions:index"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_strips_and_waiting_marks_cost_the_same_for_2_and_12_rated_memos(world, client_for):
    client = client_for(world.peer)

    def grow(n):
        for i in range(n):
            memo = make_memo(captain=world.manager, title=f"Memo {i}")
            for score in (i % 21 - 10, 4, -2):
                make_rating(memo, make_person(team=world.team), score, "A reason given here.")
            if i % 2:
                make_rating(memo, world.peer, 1, "Mine, for the mark.")

    grow(2)
    small = _feed_queries(client)
    grow(10)
    big = _feed_queries(client)
    assert small == big
    html = client.get(reverse("decisions:index")).content.decode()
    assert html.count('<svg class="spread-strip"') == 12
    assert html.count("Waiting for your rating</span>") == 6


# --- issue 25: the template in the writer's language --------------------------------------------


def test_the_template_a_writer_starts_from_is_the_english_template_in_english():
    from django.utils import translation

    from decisions.models import memo_template

    with translation.override("en-gb"):
        assert memo_template() == MEMO_TEMPLATE


def test_a_prompt_left_in_any_of_the_products_languages_is_still_a_prompt(monkeypatch):
    """A writer who started from the French template and left its prompts cannot publish;
    one who wrote the French proposal section can."""
    from django.utils import translation

    from decisions.models import TEMPLATE_SECTIONS, memo_template

    def french(text: str) -> str:  # a stand-in for the French catalogue
        return f"FR {text}" if translation.get_language() == "fr" else text

    monkeypatch.setattr(memo_body, "gettext", french)
    monkeypatch.setattr("decisions.models.gettext", french)
    memo_body._template_words.cache_clear()
    try:
        with translation.override("fr"):
            template = memo_template()
        assert "## FR The proposal\nFR What exactly do we want to do?" in template
        assert memo_body.prompts_left(template) == [f"FR {h}" for h, _ in TEMPLATE_SECTIONS]
        assert not memo_body.proposal_written(template)
        written = "## FR The proposal\nMove the weekly review to Thursdays."
        assert memo_body.publish_problems(written) == []
        # English prompts are still recognised whatever the reader's language.
        with translation.override("fr"):
            assert memo_body.prompts_left(MEMO_TEMPLATE)[0] == "Context"
    finally:
        memo_body._template_words.cache_clear()
