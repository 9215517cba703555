"""The pages: feed, search, memo page (spread, never an average), writing, rating, steps."""

from __future__ import annotations

import re
from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from culture.models import Notification
from decisions.models import Comment, FeedPost, Invitation, Memo, Rating
from tests.conftest import make_person, make_team, run_jobs
from tests.decisions.conftest import make_comment, make_memo, make_rating
from tests.feedback.servers import db_url_for_tests

pytestmark = pytest.mark.django_db
S = Memo.State


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- the memo page -------------------------------------------------------------------------------


def test_memo_page_shows_a_histogram_and_reasons_from_most_negative_to_most_positive(
    world, client_for, memo
):
    make_rating(memo, world.peer, 7, "Customers keep asking for it.")
    make_rating(memo, world.manager, -6, "Costs are not understood yet.")
    make_rating(memo, world.outsider, 7, "Marketing can sell this.")
    make_rating(memo, world.skip_level, 0, "Need a test before I have a view.")
    html = _text(client_for(world.peer).get(memo.get_absolute_url()))
    assert "Histogram of 4 ratings from −10 to +10: -6: 1; 0: 1; +7: 2;" in html
    assert html.count('class="bar ') == 21
    # The viewer's own reason is also in the rating form, which comes before the reasons.
    reasons = html[html.index("Reasons, from most negative") :]
    order = [reasons.index(s) for s in ["Costs are not", "Need a test", "Customers keep"]]
    assert order == sorted(order)


def _crowd(memo, n, score, team):
    for i in range(n):
        make_rating(memo, make_person(team=team), score, f"Reason {score:+d} number {i}.")


def test_a_heavily_rated_memo_shows_every_score_and_three_reasons_each_then_all_on_request(
    world, client_for, memo
):
    _crowd(memo, 7, -4, world.team)
    _crowd(memo, 2, 6, world.team)
    client = client_for(world.peer)
    html = _text(client.get(memo.get_absolute_url()))
    assert "Histogram of 9 ratings from −10 to +10: -4: 7; +6: 2;" in html
    assert "Reason -4 number 2." in html and "Reason -4 number 3." not in html
    assert "Reason +6 number 1." in html  # a score with 2 reasons is shown whole
    assert html.count("Show all ") == 1 and "Show all 7 reasons at -4" in html
    # Without JavaScript: the memo page with that score expanded.
    full = _text(client.get(memo.get_absolute_url() + "?score=-4"))
    assert all(f"Reason -4 number {i}." in full for i in range(7))
    assert "Show all " not in full and "Reason +6 number 1." in full
    # With htmx: only that score's reasons.
    part = client.get(
        memo.get_absolute_url() + "?score=-4",
        headers={"HX-Request": "true", "HX-Target": "reasons--4"},
    )
    text = _text(part)
    assert part.status_code == 200 and "<html" not in text and 'id="reasons--4"' in text
    assert all(f"Reason -4 number {i}." in text for i in range(7)) and "+6" not in text


@pytest.mark.django_db(transaction=True)
def test_a_rating_committed_while_the_page_reads_the_spread_cannot_break_it(world, client_for):
    """Seen under load: the counts and the reasons were two statements, and a rating at a
    new score committed between them made the page fail. Here another connection commits
    one right after the page's first statement on ratings, every time."""
    memo = make_memo(captain=world.employee, teams=[world.team])
    _crowd(memo, 4, -4, world.team)
    late = make_person(team=world.team)
    sql = (
        "INSERT INTO decisions_rating (memo_id, person_id, score, reason, version, created_at,"
        " updated_at) VALUES (%s, %s, 7, 'Written meanwhile.', 1, now(), now())"
    )
    written = []

    def write_meanwhile(execute, query, params, many, context):
        result = execute(query, params, many, context)
        if not written and "decisions_rating" in query and "INSERT" not in query:
            written.append(query)
            with psycopg.connect(db_url_for_tests(), autocommit=True) as other:
                other.execute(sql, [memo.pk, late.pk])
        return result

    client = client_for(world.peer)
    with connection.execute_wrapper(write_meanwhile):
        response = client.get(memo.get_absolute_url())
    assert written, "the page never read the ratings"
    assert response.status_code == 200
    # The page is one consistent moment: the rating written meanwhile is either shown with
    # its count or not at all.
    html = _text(response)
    assert ("Written meanwhile." in html) == ("+7: 1;" in html)


@pytest.mark.parametrize("score", ["5", "-11", "x", ""])
def test_expanding_a_score_nobody_gave_or_garbage_is_404_or_the_page(
    world, client_for, memo, score
):
    _crowd(memo, 4, -4, world.team)
    client = client_for(world.peer)
    url = memo.get_absolute_url() + f"?score={score}"
    part = client.get(url, headers={"HX-Request": "true", "HX-Target": f"reasons-{score}"})
    assert part.status_code == (404 if score in ("5",) else 200)
    assert client.get(url).status_code == 200


def test_the_reasons_of_a_hidden_spread_cannot_be_fetched_before_the_window_closes(
    world, client_for
):
    memo = make_memo(captain=world.employee, teams=[world.team], hide_spread=True)
    _crowd(memo, 4, -4, world.team)
    client = client_for(world.peer)
    headers = {"HX-Request": "true", "HX-Target": "reasons--4"}
    assert client.get(memo.get_absolute_url() + "?score=-4", headers=headers).status_code == 404
    assert "Reason -4" not in _text(client.get(memo.get_absolute_url() + "?score=-4"))


def test_the_reasons_of_a_confidential_memo_are_refused_to_outsiders(world, client_for):
    memo = make_memo(captain=world.employee, confidential=True, readers=[world.peer])
    _crowd(memo, 4, -4, world.team)
    headers = {"HX-Request": "true", "HX-Target": "reasons--4"}
    url = memo.get_absolute_url() + "?score=-4"
    assert client_for(world.outsider).get(url, headers=headers).status_code == 404
    assert client_for(world.peer).get(url, headers=headers).status_code == 200


def test_a_changed_rating_shows_its_history(world, client_for, memo):
    from decisions import services

    services.do_rate(memo_id=memo.pk, by=world.peer, score=-3, reason="Too expensive for now.")
    services.do_rate(memo_id=memo.pk, by=world.peer, score=4, reason="The test changed my mind.")
    html = re.sub(r"<[^>]+>", "", _text(client_for(world.manager).get(memo.get_absolute_url())))
    assert "changed 1 time" in html
    assert html.index("-3, Too expensive for now.") < html.index("+4, The test changed my mind.")


def test_every_score_group_escapes_names_and_reasons_and_says_how_often_a_rating_changed(
    world, client_for, memo
):
    from decisions import services

    odd = make_person(name="Zoë <O'Hara> & Co", team=world.team)
    make_rating(memo, odd, -7, 'Too early: <script>alert("x")</script> & "quotes"\nnext line')
    for i, score in enumerate([3, 3, 3, 3, 3, 0, 10, -10]):
        make_rating(memo, make_person(name=f"Rater {i}", team=world.team), score)
    twice = make_person(name="Changes Mind", team=world.team)
    for score, reason in [
        (-2, "First, <i>honest</i>."),
        (5, "Second thought."),
        (4, "Third & final."),
    ]:
        services.do_rate(memo_id=memo.pk, by=twice, score=score, reason=reason)
    html = client_for(world.peer).get(memo.get_absolute_url()).content.decode()
    # The ratings are a Jinja2 template (culture/jinja2.py), which escapes " and ' as &#34;
    # and &#39; where Django writes &quot; and &#x27;. One spelling for the assertions.
    html = html.replace("&#34;", "&quot;").replace("&#39;", "&#x27;")
    groups = re.findall(r'<li class="reason-group" id="reasons-(-?\d+)">', html)
    assert groups == ["-10", "-7", "0", "3", "4", "10"]
    assert '<h4 class="score-label neg">-7 <span class="muted small">(1)</span></h4>' in html
    assert '<h4 class="score-label zero">0 <span class="muted small">(1)</span></h4>' in html
    assert '<h4 class="score-label pos">+3 <span class="muted small">(5)</span></h4>' in html
    assert "<script>alert" not in html and "<i>honest" not in html
    assert "<strong>Zoë &lt;O&#x27;Hara&gt; &amp; Co</strong>" in html
    assert (
        '<span class="pre-line">Too early: &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; '
        "&amp; &quot;quotes&quot;\nnext line</span>" in html
    )
    assert "changed 2 times" in html and "First, &lt;i&gt;honest&lt;/i&gt;." in html
    # +3 has five reasons, three shown; the link works with and without htmx.
    url = memo.get_absolute_url()
    assert (
        f'<a class="button secondary small" href="{url}?score=3#reasons-3" '
        f'hx-get="{url}?score=3" hx-target="#reasons-3" hx-swap="outerHTML">'
        "Show all 5 reasons at +3</a>" in html
    )
    part = client_for(world.peer).get(
        url + "?score=3", headers={"HX-Request": "true", "HX-Target": "reasons-3"}
    )
    text = part.content.decode()
    assert text.strip().startswith('<li class="reason-group" id="reasons-3">')
    assert text.count("<strong>Rater ") == 5 and "Show all" not in text


def test_reading_a_confidential_memo_is_audited(world, client_for):
    from culture.models import AuditEvent

    memo = make_memo(captain=world.employee, confidential=True, readers=[world.peer])
    client_for(world.peer).get(memo.get_absolute_url())
    event = AuditEvent.objects.get(action="decisions.memo.read")
    assert event.actor == world.peer and event.object_id == str(memo.pk)


def test_memo_page_never_shows_an_average_a_total_or_a_verdict(world, client_for, memo):
    for person, score in [(world.peer, 10), (world.manager, -10), (world.outsider, 3)]:
        make_rating(memo, person, score, "A reason that is long enough.")
    html = _text(client_for(world.peer).get(memo.get_absolute_url())).lower()
    disclaimer = "not a vote: no average, no total."
    assert disclaimer in html
    html = html.replace(disclaimer, "")
    for word in ["average", "mean", "total", "passed", "approved", "rejected", "score: 1"]:
        assert word not in html, word
    assert "1.0" not in html and "3 ratings" in html


def test_a_hidden_spread_shows_no_ratings_until_the_window_closes(world, client_for):
    memo = make_memo(captain=world.employee, hide_spread=True)
    make_rating(memo, world.manager, -9, "Secret dissent reason.")
    html = _text(client_for(world.employee).get(memo.get_absolute_url()))
    assert "Secret dissent reason" not in html and "Histogram" not in html
    assert "hide the spread until the window closes" in html
    Memo.objects.filter(pk=memo.pk).update(state=S.DECIDED, bet="go")
    html = _text(client_for(world.peer).get(memo.get_absolute_url()))
    assert "Secret dissent reason" in html and "Histogram of 1 rating" in html


def test_rating_through_htmx_returns_only_the_ratings_fragment(world, client_for, memo):
    response = client_for(world.peer).post(
        reverse("decisions:rate", args=[memo.pk]),
        {"score": "-4", "reason": "It will distract the platform team."},
        headers={"HX-Request": "true", "HX-Target": "ratings"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="ratings"')
    assert "<html" not in html and "It will distract" in html
    assert Rating.objects.get().score == -4


def test_rating_without_a_reason_comes_back_422_with_the_error_in_place(world, client_for, memo):
    response = client_for(world.peer).post(
        reverse("decisions:rate", args=[memo.pk]),
        {"score": "5", "reason": "ok"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "Give a reason for your rating" in response.content.decode()
    assert not Rating.objects.exists()


def test_rating_after_close_comes_back_422_with_a_clear_message(world, client_for):
    memo = make_memo(captain=world.employee, decide_by=timezone.localdate() - timedelta(days=1))
    response = client_for(world.peer).post(
        reverse("decisions:rate", args=[memo.pk]),
        {"score": "5", "reason": "Too late but still."},
    )
    assert response.status_code == 422
    assert "Rating is closed: the dissent window for this memo ended on" in _text(response)


def test_captain_sees_the_next_steps_and_others_do_not(world, client_for, memo):
    captain_html = _text(client_for(world.employee).get(memo.get_absolute_url()))
    assert "You are the captain" in captain_html and "Make the bet" in captain_html
    other_html = _text(client_for(world.peer).get(memo.get_absolute_url()))
    assert "You are the captain" not in other_html and "Make the bet" not in other_html


# --- writing -----------------------------------------------------------------------------------


def test_a_new_memo_starts_from_the_template_and_is_saved_as_a_draft(world, client_for):
    client = client_for(world.employee)
    page = client.get(reverse("decisions:new"))
    for heading in ["Context", "The proposal", "Options considered", "What we would test"]:
        assert f"## {heading}" in page.content.decode()
    response = client.post(
        reverse("decisions:new"),
        {"title": "Kill the status report", "body": "## Context\nNobody reads it.", "teams": []},
    )
    memo = Memo.objects.get()
    assert response.status_code == 302 and memo.state == S.DRAFT and memo.captain == world.employee
    assert client_for(world.peer).get(memo.get_absolute_url()).status_code == 404


def test_a_memo_without_a_title_comes_back_422(world, client_for):
    response = client_for(world.employee).post(reverse("decisions:new"), {"body": "x"})
    assert response.status_code == 422 and "This field is required" in response.content.decode()


def test_a_confidential_memo_must_name_its_readers(world, client_for):
    response = client_for(world.employee).post(
        reverse("decisions:new"), {"title": "Re-org", "body": "x", "confidential": "on"}
    )
    assert response.status_code == 422 and "Name at least one reader" in _text(response)


def test_preview_renders_sanitised_markdown_without_saving(world, client_for):
    response = client_for(world.employee).post(
        reverse("decisions:preview"),
        {"body": "**bold** <script>alert(1)</script> [x](javascript:alert(1))"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert "<strong>bold</strong>" in html and "<script>" not in html
    assert "href" not in html and not Memo.objects.exists()


def test_co_author_can_edit_but_not_move_the_memo(world, client_for):
    memo = make_memo(captain=world.employee, state=S.DRAFT, co_authors=[world.peer])
    client = client_for(world.peer)
    assert client.get(reverse("decisions:edit", args=[memo.pk])).status_code == 200
    response = client.post(
        reverse("decisions:edit", args=[memo.pk]),
        {"title": "Better title", "body": "New body", "decide_by": "2030-01-01"},
    )
    assert response.status_code == 302
    assert Memo.objects.get(pk=memo.pk).title == "Better title"
    assert client.get(reverse("decisions:step", args=[memo.pk, "publish"])).status_code == 403


def test_publish_decide_and_record_a_failure_through_the_pages(world, client_for):
    memo = make_memo(captain=world.employee, state=S.DRAFT)
    client = client_for(world.employee)
    step = lambda name: reverse("decisions:step", args=[memo.pk, name])  # noqa: E731
    assert client.post(step("publish")).status_code == 302
    look_back = (timezone.localdate() + timedelta(days=20)).isoformat()
    assert (
        client.post(step("decide"), {"bet": "go", "why": "Worth it", "look_back_on": look_back})
    ).status_code == 302
    response = client.post(step("outcome"), {"outcome": "did_not", "happened": "It flopped."})
    assert response.status_code == 422 and "sunshined" in _text(response)
    response = client.post(
        step("outcome"),
        {"outcome": "did_not", "happened": "It flopped.", "learned": "Test first."},
    )
    assert response.status_code == 302
    assert FeedPost.objects.get().kind == "sunshine"
    feed = _text(client_for(world.outsider).get(reverse("decisions:index")))
    assert "Sunshined" in feed and "What we learned: Test first." in feed


def test_a_forbidden_step_comes_back_422_with_the_reason(world, client_for):
    memo = make_memo(captain=world.employee, state=S.DRAFT)
    response = client_for(world.employee).post(
        reverse("decisions:step", args=[memo.pk, "test"]), {"description": "Test it"}
    )
    assert response.status_code == 422
    assert "A memo that is draft cannot move" in _text(response)


# --- comments, mentions, invitations ------------------------------------------------------------


def test_a_mention_notifies_a_colleague_who_can_read_the_memo(
    world, client_for, memo, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.peer).post(
            reverse("decisions:comment", args=[memo.pk]),
            {"body": "@manager what do you think? cc @nobody"},
        )
    assert response.status_code == 302
    note = Notification.objects.get(recipient=world.manager)
    assert note.kind == "decisions.mention" and "Pat Peer mentioned you" in note.title


def test_a_mention_on_a_confidential_memo_does_not_notify_someone_not_named(
    world, client_for, django_capture_on_commit_callbacks
):
    memo = make_memo(captain=world.employee, confidential=True, readers=[world.peer])
    with django_capture_on_commit_callbacks(execute=True):
        client_for(world.peer).post(
            reverse("decisions:comment", args=[memo.pk]), {"body": "@outsider look at this"}
        )
    assert not Notification.objects.filter(recipient=world.outsider).exists()


def test_replies_are_threaded_under_the_comment_and_notify_its_author(
    world, client_for, memo, django_capture_on_commit_callbacks
):
    root = make_comment(memo, world.manager, "Root comment")
    with django_capture_on_commit_callbacks(execute=True):
        client_for(world.peer).post(
            reverse("decisions:comment", args=[memo.pk]),
            {"body": "A reply", "parent": root.pk},
        )
    reply = Comment.objects.get(body="A reply")
    assert reply.parent == root
    assert Notification.objects.get(recipient=world.manager).kind == "decisions.reply"
    html = _text(client_for(world.employee).get(memo.get_absolute_url()))
    assert re.search(rf'id="comment-{root.pk}".*class="replies".*A reply', html)


def test_invited_people_are_notified_when_the_memo_is_published(
    world, client_for, django_capture_on_commit_callbacks
):
    memo = make_memo(captain=world.employee, state=S.DRAFT)
    client = client_for(world.employee)
    client.post(reverse("decisions:invite", args=[memo.pk]), {"people": "peer@example.test"})
    assert Invitation.objects.filter(memo=memo, person=world.peer).exists()
    assert not Notification.objects.filter(recipient=world.peer).exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("decisions:step", args=[memo.pk, "publish"]))
    # Publishing records the invitations as deferred work, in its own transaction.
    assert not Notification.objects.filter(recipient=world.peer).exists()
    assert run_jobs() == 1
    assert Notification.objects.get(recipient=world.peer).kind == "decisions.invited"


def test_inviting_someone_to_a_confidential_memo_names_them_on_it(world, client_for):
    memo = make_memo(captain=world.employee, confidential=True, readers=[world.peer])
    client_for(world.employee).post(
        reverse("decisions:invite", args=[memo.pk]), {"people": "outsider@example.test"}
    )
    assert client_for(world.outsider).get(memo.get_absolute_url()).status_code == 200


def test_handing_over_comes_back_422_with_the_error_in_place_and_changes_nothing(world, client_for):
    memo = make_memo(captain=world.employee)
    client = client_for(world.employee)
    url = reverse("decisions:hand_over", args=[memo.pk])
    unknown = client.post(url, {"email": "nobody@example.test"})
    assert unknown.status_code == 422 and "No active colleague with that email." in _text(unknown)
    to_self = client.post(url, {"email": world.employee.email})
    assert to_self.status_code == 422
    assert "Choose an active colleague other than yourself." in _text(to_self)
    memo.refresh_from_db()
    assert memo.captain_id == world.employee.pk
    done = client.post(url, {"email": world.peer.email})
    assert done.status_code == 302 and done["Location"] == memo.get_absolute_url()
    memo.refresh_from_db()
    assert memo.captain_id == world.peer.pk


def test_inviting_nobody_comes_back_422_and_invites_no_one(world, client_for):
    memo = make_memo(captain=world.employee)
    response = client_for(world.employee).post(
        reverse("decisions:invite", args=[memo.pk]), {"people": ""}
    )
    assert response.status_code == 422
    assert "This field is required." in _text(response)
    assert not Invitation.objects.filter(memo=memo).exists()


# --- the feed, search and the ledger ------------------------------------------------------------


def test_feed_filters_by_state_team_captain_and_waiting_for_my_rating(world, client_for):
    a = make_memo(captain=world.employee, title="Alpha idea", teams=[world.team])
    b = make_memo(captain=world.manager, title="Beta idea", state=S.DECIDED)
    c = make_memo(captain=world.outsider, title="Gamma idea", teams=[world.other_team])
    make_memo(captain=world.peer, title="Delta draft", state=S.DRAFT)
    make_rating(c, world.peer, 3)
    client = client_for(world.peer)
    url = reverse("decisions:index")

    def titles(**params):
        html = _text(client.get(url, params))
        return {t for t in ["Alpha", "Beta", "Gamma", "Delta"] if f"{t} idea" in html}

    assert titles() == {"Alpha", "Beta", "Gamma"}
    assert titles(state="decided") == {"Beta"}
    assert titles(team="growth") == {"Gamma"}
    assert titles(captain=world.employee.pk) == {"Alpha"}
    assert titles(waiting="1") == {"Alpha"}
    del a, b


def test_past_60_teams_the_feed_team_filter_is_a_text_field_matching_the_name(world, client_for):
    from culture.models import TEAM_SELECT_LIMIT, Team

    make_memo(captain=world.outsider, title="Gamma idea", teams=[world.other_team])
    make_memo(captain=world.employee, title="Alpha idea", teams=[world.team])
    client = client_for(world.peer)
    url = reverse("decisions:index")
    assert '<select id="memo-team"' in _text(client.get(url))
    Team.objects.bulk_create(
        Team(name=f"Squad {i}", slug=f"squad-{i}") for i in range(TEAM_SELECT_LIMIT)
    )
    html = _text(client.get(url, {"team": world.other_team.name.upper()}))
    assert '<select id="memo-team"' not in html
    assert (
        f'<input type="search" id="memo-team" name="team" value="{world.other_team.name}"' in html
    )
    assert "Gamma idea" in html and "Alpha idea" not in html


def test_feed_sorts_by_widest_spread_and_by_closing_soon(world, client_for):
    calm = make_memo(captain=world.employee, title="Calm memo")
    hot = make_memo(
        captain=world.employee, title="Hot memo", decide_by=timezone.localdate() + timedelta(days=2)
    )
    make_rating(calm, world.peer, 2)
    make_rating(calm, world.manager, 3)
    make_rating(hot, world.peer, -9)
    make_rating(hot, world.manager, 9)
    client = client_for(world.outsider)
    html = _text(client.get(reverse("decisions:index"), {"sort": "dissent"}))
    assert html.index("Hot memo") < html.index("Calm memo")
    assert "ranging from -9 to +9" in html
    html = _text(client.get(reverse("decisions:index"), {"sort": "closing"}))
    assert html.index("Hot memo") < html.index("Calm memo")


@pytest.mark.parametrize("params", [{}, {"sort": "dissent"}, {"q": "secret"}, {"page": "1"}])
def test_a_hidden_spread_stays_hidden_on_feed_cards_until_the_window_closes(
    world, client_for, params
):
    today = timezone.localdate()
    hidden = make_memo(
        captain=world.employee,
        title="Secret ballot memo",
        hide_spread=True,
        decide_by=today + timedelta(days=3),
    )
    closed = make_memo(
        captain=world.employee,
        title="Secret closed memo",
        hide_spread=True,
        decide_by=today - timedelta(days=1),
    )
    for memo in (hidden, closed):
        make_rating(memo, world.peer, -7)
        make_rating(memo, world.manager, 8)
    html = _text(client_for(world.outsider).get(reverse("decisions:index"), params))
    assert "ranging from -7 to +8" in html  # the closed window shows its spread
    assert html.count("ranging from -7 to +8") == 1
    if params.get("sort") != "dissent":  # the dissent sort leaves hidden spreads out
        assert "spread hidden until the window closes" in html


def test_feed_cards_escape_every_text_and_show_state_confidentiality_teams_and_spread(
    world, client_for
):
    today = timezone.localdate()
    odd = make_team(name='R&D <"core">', slug="r-d-core")
    captain = make_person(name="Zoë <O'Hara> & Co", team=world.team)
    hostile = make_memo(captain=captain, title='<b>"Q&A"</b> & more', teams=[world.team, odd])
    make_memo(captain=world.manager, title="Secret", confidential=True, readers=[world.employee])
    make_memo(
        captain=world.manager,
        title="Ballot",
        hide_spread=True,
        decide_by=today + timedelta(days=3),
    )
    went_well = make_memo(
        captain=world.manager, title="Party", state=S.OUTCOME, outcome=Memo.Outcome.WENT_WELL
    )
    make_memo(captain=world.manager, title="Sunshine", state=S.OUTCOME, outcome="did_not")
    for memo, scores in [(hostile, [4]), (went_well, [4, -2, 9])]:
        for score in scores:
            make_rating(memo, make_person(team=world.team), score)
    ballot = Memo.objects.get(title="Ballot")
    for score in (1, 2):
        make_rating(ballot, make_person(team=world.team), score)
    html = client_for(world.employee).get(reverse("decisions:index")).content.decode()
    # The results are a Jinja2 template (culture/jinja2.py), which escapes " and ' as &#34;
    # and &#39; where Django writes &quot; and &#x27;. One spelling for the assertions.
    html = html.replace("&#34;", "&quot;").replace("&#39;", "&#x27;")
    cards = {
        re.search(r'class="memo-title"><a href="[^"]+">([^<]+)</a>', card).group(1): card
        for card in html.split('<li class="card memo-item">')[1:]
    }
    card = cards["&lt;b&gt;&quot;Q&amp;A&quot;&lt;/b&gt; &amp; more"]
    assert '<b>"Q&A"' not in html
    assert f'Captain <a href="?captain={captain.pk}">Zoë &lt;O&#x27;Hara&gt; &amp; Co</a>' in card
    assert '· <a href="?team=r-d-core">R&amp;D &lt;&quot;core&quot;&gt;</a>' in card
    assert '<span class="pill info">Open for dissent</span>' in card
    assert "1 rating, ranging from +4 to +4" in card
    assert '<span class="pill warn">Confidential</span>' in cards["Secret"]
    assert "Confidential" not in card
    assert "2 ratings, spread hidden until the window closes" in cards["Ballot"]
    assert f"decides by {ballot.decide_by:%-d %b %Y}" in cards["Ballot"]
    assert '<span class="pill good">Outcome recorded</span>' in cards["Party"]
    assert "3 ratings, ranging from -2 to +9" in cards["Party"]
    assert '<span class="pill warn">Outcome recorded</span>' in cards["Sunshine"]
    assert "0 ratings</p>" in cards["Sunshine"]


def test_the_team_filter_lists_every_team_escaped_with_the_chosen_one_selected(world, client_for):
    make_team(name='R&D <"core">', slug="r-d-core")
    client = client_for(world.employee)
    html = client.get(reverse("decisions:index"), {"team": "growth"}).content.decode()
    select = html.split('<select id="memo-team" name="team">', 1)[1].split("</select>", 1)[0]
    options = re.findall(r"<option [^>]*>[^<]*</option>", select)
    assert options == [
        '<option value="">All teams</option>',
        '<option value="growth" selected>Growth</option>',
        '<option value="platform">Platform</option>',
        '<option value="r-d-core">R&amp;D &lt;&quot;core&quot;&gt;</option>',
    ]


def test_search_ranks_title_matches_first_and_respects_visibility(world, client_for):
    make_memo(captain=world.employee, title="Pricing experiment", body="Nothing else.")
    make_memo(captain=world.employee, title="Other idea", body="This touches pricing a bit.")
    make_memo(
        captain=world.employee,
        title="Secret pricing plan",
        confidential=True,
        readers=[world.peer],
    )
    html = _text(client_for(world.outsider).get(reverse("decisions:index"), {"q": "pricing"}))
    assert html.index("Pricing experiment") < html.index("Other idea")
    assert "Secret pricing plan" not in html and "2 memos" in html
    html = _text(client_for(world.peer).get(reverse("decisions:index"), {"q": "pricing"}))
    assert "Secret pricing plan" in html


def _titles_of_two_capped_pages(client, q: str) -> list[str]:
    """The memo titles of a search's first two pages, each saying the count was capped."""
    seen = []
    for number in (1, 2):
        html = _text(client.get(reverse("decisions:index"), {"q": q, "page": number}))
        assert "30+ memos matching" in html
        seen += re.findall(r'class="memo-title"><a href="[^"]+">([^<]+)</a>', html)
    return seen


def test_search_pages_keep_the_ranking_and_stop_after_the_cap(world, client_for, monkeypatch):
    monkeypatch.setattr("decisions.models.SEARCH_CAP", 30)
    for i in range(35):  # the title match ranks above the body-only matches
        title = "Tariff review" if i == 17 else f"Idea {i:02}"
        make_memo(captain=world.employee, title=title, body=f"About the tariff, take {i}.")
    client = client_for(world.peer)
    seen = _titles_of_two_capped_pages(client, "tariff")
    assert seen[0] == "Tariff review" and len(seen) == 31 == len(set(seen))  # cap + 1
    last = _text(client.get(reverse("decisions:index"), {"q": "tariff", "page": 2}))
    assert "Next</a>" not in last


def test_past_the_cap_a_search_ranks_the_newest_matches_only(world, client_for, monkeypatch):
    """Ranking every match of a common word read every one of them: the search ranks the
    newest cap + 1 matches (as many as it counts and pages through), so an older title
    match is left out once more than that many newer memos match, and a newer one leads."""
    monkeypatch.setattr("decisions.models.SEARCH_CAP", 30)
    for i in range(35):  # the two title matches: the oldest memo and one of the newest
        title = "Tariff plan" if i in (0, 30) else f"Idea {i:02}"
        make_memo(captain=world.employee, title=title, body=f"About the tariff, take {i}.")
    make_memo(captain=world.employee, title="Unrelated", body="Nothing to see.")
    client = client_for(world.peer)
    seen = _titles_of_two_capped_pages(client, "tariff")
    assert seen[0] == "Tariff plan" and seen.count("Tariff plan") == 1
    assert len(seen) == 31 and "Idea 01" not in seen and "Idea 04" in seen  # the newest 31
    # Under the cap, every match is ranked: the oldest title match leads again.
    monkeypatch.setattr("decisions.models.SEARCH_CAP", 40)
    html = _text(client.get(reverse("decisions:index"), {"q": "tariff"}))
    assert "35 memos matching" in html and html.count("Tariff plan") == 2


def test_feed_search_through_htmx_returns_only_the_results(world, client_for, memo):
    response = client_for(world.peer).get(
        reverse("decisions:index"),
        {"q": "four-day"},
        headers={"HX-Request": "true", "HX-Target": "feed-results"},
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="feed-results"') and "<html" not in html
    assert "Try a four-day week" in html


def test_ledger_has_three_columns_for_a_person_and_a_team(world, client_for):
    make_memo(
        captain=world.employee,
        title="Won bet",
        state=S.OUTCOME,
        outcome="went_well",
        celebration="Party",
    )
    make_memo(
        captain=world.employee,
        title="Lost bet",
        state=S.OUTCOME,
        outcome="did_not",
        sunshine_happened="x",
        sunshine_learned="Smaller tests",
    )
    make_memo(captain=world.employee, title="Open bet", state=S.DECIDED)
    make_memo(captain=world.employee, title="Not a bet yet", state=S.OPEN)
    for url in [
        reverse("decisions:person_ledger", args=[world.employee.pk]),
        reverse("decisions:team_ledger", args=["platform"]),
    ]:
        html = _text(client_for(world.outsider).get(url))
        ww, dn, so = (html.index(h) for h in ["Went well", "Did not go well", "Still open"])
        assert (
            ww < html.index("Won bet") < dn < html.index("Lost bet") < so < html.index("Open bet")
        )
        assert "Not a bet yet" not in html


def test_a_manager_opens_a_bet_review_once_per_half_year_and_reports_are_reminded(
    world, client_for, django_capture_on_commit_callbacks
):
    client = client_for(world.manager)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("decisions:reviews")).status_code == 302
    run_jobs()
    reminded = set(
        Notification.objects.filter(kind="decisions.bet_review").values_list(
            "recipient__email", flat=True
        )
    )
    assert reminded == {"employee@example.test", "peer@example.test"}
    response = client.post(reverse("decisions:reviews"))
    assert response.status_code == 422 and "twice a year" in _text(response)


@pytest.mark.parametrize("persona", ["manager", "skip_level", "other_manager"])
def test_the_decisions_page_links_people_who_manage_someone_to_their_bet_review(
    world, client_for, persona
):
    client = client_for(getattr(world, persona))
    review = reverse("decisions:reviews")
    assert f'href="{review}"' in _text(client.get(reverse("decisions:index")))
    assert client.get(review).status_code == 200


@pytest.mark.parametrize("persona", ["employee", "peer", "outsider", "people_admin"])
def test_the_decisions_page_offers_no_bet_review_to_people_without_reports(
    world, client_for, persona
):
    client = client_for(getattr(world, persona))
    review = reverse("decisions:reviews")
    assert review not in _text(client.get(reverse("decisions:index")))
    assert client.get(review).status_code == 403


def test_a_manager_whose_only_report_left_loses_the_bet_review_link(world, client_for):
    lead = make_person(name="Lone Lead", manager=world.manager)
    make_person(name="Gone Report", manager=lead, is_active=False)
    client = client_for(lead)
    review = reverse("decisions:reviews")
    assert review not in _text(client.get(reverse("decisions:index")))
    assert client.get(review).status_code == 403


def test_the_feed_fragment_carries_no_page_actions(world, client_for):
    response = client_for(world.manager).get(
        reverse("decisions:index") + "?q=week",
        headers={"HX-Request": "true", "HX-Target": "feed-results"},
    )
    assert response.status_code == 200 and "<html" not in response.content.decode()
    assert reverse("decisions:reviews") not in response.content.decode()


def test_home_lists_memos_waiting_for_my_rating_and_bets_needing_an_outcome(world, client_for):
    make_memo(captain=world.manager, title="Rate me please")
    make_memo(
        captain=world.employee,
        title="Look back now",
        state=S.DECIDED,
        look_back_on=timezone.localdate() - timedelta(days=1),
    )
    html = _text(client_for(world.employee).get("/"))
    assert "Waiting for your rating" in html and "Rate me please" in html
    assert "Your bets to look back on" in html and "Look back now" in html


def test_home_explains_the_practice_when_nothing_is_waiting(world, client_for):
    other = make_person(name="Newcomer")
    html = _text(client_for(other).get("/"))
    assert "Nothing needs you" in html and "silent disagreement is unacceptable" in html


# --- issue 25: the pages in another language -----------------------------------------------------


def test_every_decisions_page_renders_for_a_reader_of_another_language(world, client_for, memo):
    """Every decisions page in French for a French reader; nothing breaks on the way
    (translated placeholders, plurals and dates worked out in the views)."""
    from culture.models import Person

    Person.objects.filter(pk__in=[world.peer.pk, world.employee.pk]).update(language="fr")
    make_rating(memo, world.peer, 3, "A reason long enough to count.")
    make_rating(memo, world.manager, -2, "Another reason long enough.")
    peer = client_for(world.peer)
    captain = client_for(world.employee)
    pages = [
        (peer, reverse("decisions:index")),
        (peer, reverse("decisions:index") + "?q=memo&captain=" + str(world.employee.pk)),
        (peer, memo.get_absolute_url()),
        (peer, reverse("decisions:person_ledger", args=[world.employee.pk])),
        (peer, reverse("decisions:new")),
        (captain, reverse("decisions:step", args=[memo.pk, "decide"])),
        (peer, reverse("home")),
    ]
    for client, url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'lang="fr"' in response.content.decode(), url
    html = _text(peer.get(memo.get_absolute_url()))
    assert "Désaccord : 2 évaluations" in html.replace("\u00a0", " ")
    assert "Modifier votre note (actuellement +3)" in html
    assert "Dissent: 2 ratings" not in html
