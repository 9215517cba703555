"""Query budgets: the feed and the memo page do not grow with memos, ratings or comments."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from culture.models import Team
from decisions.forms import FeedForm
from decisions.models import FeedPost, Invitation, Memo, RevisitRequest
from tests.conftest import make_person
from tests.decisions.conftest import make_comment, make_memo, make_rating

pytestmark = pytest.mark.django_db

FEED_BUDGET = 13  # with the page's spreads (the strips and my ratings): one query
MEMO_BUDGET = 12
# A rating sent over htmx gets the ratings fragment back: no body, comments, revisits, teams.
RATE_FRAGMENT_BUDGET = 13  # the write (lock, rating, revision, spread, audit) and the fragment


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _grow_feed(world, n):
    for i in range(n):
        memo = make_memo(
            captain=world.manager, title=f"Memo {i}", teams=[world.team, world.other_team]
        )
        make_rating(memo, world.peer, i % 21 - 10)
        if i % 3 == 0:
            Memo.objects.filter(pk=memo.pk).update(state=Memo.State.DECIDED, bet="go")


def test_the_feed_runs_the_same_queries_for_3_and_15_memos(
    world, client_for, django_assert_max_num_queries
):
    client = client_for(world.employee)
    url = reverse("decisions:index")
    _grow_feed(world, 3)
    small = _count(client, url)
    _grow_feed(world, 12)
    with django_assert_max_num_queries(FEED_BUDGET):
        big = _count(client, url)
    assert small == big
    for params in ["?sort=dissent", "?sort=closing", "?q=memo", "?waiting=1&team=platform"]:
        with django_assert_max_num_queries(FEED_BUDGET):
            client.get(url + params)


def test_the_memo_page_runs_the_same_queries_for_4_and_20_ratings_and_comments(
    world, client_for, django_assert_max_num_queries
):
    memo = make_memo(captain=world.employee, teams=[world.team], co_authors=[world.peer])
    client = client_for(world.manager)
    url = memo.get_absolute_url()
    people = []

    def grow(n):
        for i in range(n):
            person = make_person(team=world.team)
            people.append(person)
            make_rating(memo, person, i % 21 - 10)
            root = make_comment(memo, person)
            make_comment(memo, world.peer, "reply", parent=root)
            Invitation.objects.create(memo=memo, person=person, invited_by=world.employee)
            RevisitRequest.objects.create(
                memo=memo, requested_by=person, new_information=f"News {len(people)}"
            )

    grow(4)
    small = _count(client, url)
    grow(16)
    with django_assert_max_num_queries(MEMO_BUDGET):
        big = _count(client, url)
    assert small == big
    # Comment authors, the invited and those asking to revisit are named (read with their
    # rows, names only).
    page = client.get(url).content.decode()
    for person in (people[0], people[-1]):
        # Their reason, their comment and their request to revisit.
        assert page.count(f"<strong>{person.name}</strong>") == 3
        assert f"{person.name} (rated)" in page
    assert "News 20" in page
    # The co-authors, named on the page and checked for the edit link: fetched once.
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(url).content.decode()
    assert f"with {world.peer.name}" in page
    assert _co_author_fetches(ctx) == 1
    # "Show all reasons at -10" swaps one group in: no co-authors.
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(
            url + "?score=-10", headers={"HX-Request": "true", "HX-Target": "reasons--10"}
        )
    assert response.status_code == 200 and "<html" not in response.content.decode()
    assert _co_author_fetches(ctx) == 0


def _co_author_fetches(ctx) -> int:
    return sum(
        q["sql"].startswith('SELECT ("decisions_memo_co_authors"."memo_id")')
        for q in ctx.captured_queries
    )


def test_rating_over_htmx_reads_only_what_the_ratings_fragment_shows(world, client_for):
    memo = make_memo(captain=world.employee, teams=[world.team])
    for i in range(5):
        person = make_person(team=world.team)
        make_rating(memo, person, i - 2)
        make_comment(memo, person)
    client = client_for(world.manager)
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(
            reverse("decisions:rate", args=[memo.pk]),
            {"score": "4", "reason": "Worth a try."},
            headers={"HX-Request": "true"},
        )
    assert response.status_code == 200
    assert "<html" not in response.content.decode() and "Worth a try." in response.content.decode()
    tables = " ".join(q["sql"] for q in ctx.captured_queries)
    for unused in (
        "decisions_comment",
        "decisions_revisitrequest",
        "decisions_memo_teams",
    ):
        assert unused not in tables, unused
    # Only the full page names the co-authors (the access rule's EXISTS is not a fetch).
    assert _co_author_fetches(ctx) == 0
    # The service's window check and the fragment's share one read of the settings (the
    # person lookup's subquery for the company's time zone is not a read of the row).
    reads = [
        q for q in ctx.captured_queries if q["sql"].startswith('SELECT "culture_companysettings"')
    ]
    assert len(reads) == 1
    assert len(ctx.captured_queries) <= RATE_FRAGMENT_BUDGET, len(ctx.captured_queries)


def test_the_home_section_runs_a_fixed_number_of_queries(world, client_for):
    client = client_for(world.employee)
    make_memo(captain=world.manager)
    small = _count(client, "/")
    for _ in range(5):
        make_memo(captain=world.manager)
    assert _count(client, "/") == small


@pytest.mark.parametrize(
    "params",
    [{}, {"sort": "dissent"}, {"sort": "closing"}, {"state": "decided"}, {"waiting": "1"}],
)
def test_a_feed_page_is_four_queries_for_3_and_15_memos(world, django_assert_num_queries, params):
    """The filters cost nothing of their own (but a team named, below); a page is the
    capped count, the page, the teams of its memos and their spreads (the strips, and
    which of them the viewer rated)."""
    today = timezone.localdate()
    counts = []
    for n in (3, 12):
        _grow_feed(world, n)
        form = FeedForm(params, viewer=world.peer, today=today)
        with CaptureQueriesContext(connection) as ctx:
            page = form.apply(Memo.objects.visible_to(world.peer)).feed_page(
                1, viewer=world.peer, today=today
            )
            [t.name for memo in page.object_list for t in memo.feed_teams]
            [memo.captain.name for memo in page.object_list]
            [b["count"] for memo in page.object_list for b in memo.strip]
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] <= 4  # two when nothing matches: no teams, no spreads


def test_a_search_page_is_four_queries_and_a_named_team_or_captain_one_each(
    world, django_assert_num_queries
):
    today = timezone.localdate()
    _grow_feed(world, 15)
    params = {"q": "memo", "team": "platform", "captain": world.manager.pk}
    form = FeedForm(params, viewer=world.peer, today=today)
    with django_assert_num_queries(6):  # the team, the ranked ids, the cards, their teams,
        # their spreads,
        memos = form.apply(Memo.objects.visible_to(world.peer))
        page = memos.search_page(1, viewer=world.peer, today=today)
        assert form.selected_captain == world.manager  # and the captain's name
    assert len(page.object_list) == 15 and all(hasattr(m, "spread_shown") for m in page)


def test_an_invalid_feed_form_filters_nothing_and_asks_for_no_team(
    world, django_assert_num_queries
):
    today = timezone.localdate()
    _grow_feed(world, 3)
    form = FeedForm({"team": "platform", "captain": "abc"}, viewer=world.peer, today=today)
    with django_assert_num_queries(0):
        memos = form.apply(Memo.objects.visible_to(world.peer))
        assert form.selected_team is None and form.selected_captain is None
    assert memos.count() == 3


def test_drafts_posts_and_the_team_select_of_the_feed_are_one_query_each(
    world, django_assert_num_queries
):
    for i in range(5):
        make_memo(captain=world.peer, title=f"Draft {i}", state=Memo.State.DRAFT)
        make_memo(captain=world.manager, state=Memo.State.DRAFT, co_authors=[world.peer])
        memo = make_memo(captain=world.manager, title=f"Done {i}", state=Memo.State.OUTCOME)
        FeedPost.objects.create(memo=memo, kind=FeedPost.Kind.CELEBRATION)
    with django_assert_num_queries(1):
        assert len(list(Memo.objects.drafts_of(world.peer)[:10])) == 10
    with django_assert_num_queries(1):
        posts = list(FeedPost.objects.visible_to(world.peer).for_feed()[:6])
        assert all(p.memo.captain.name for p in posts) and len(posts) == 5
    with django_assert_num_queries(1):
        assert [t.slug for t in Team.objects.for_select()] == ["growth", "platform"]
    with django_assert_num_queries(1):
        assert Team.objects.for_select(limit=1) is None


def test_the_memos_waiting_for_my_rating_come_from_the_index_in_order(world):
    """Home lists the first five open memos to rate by decide-by, then id: the index on
    (state, decide_by, id) gives them in that order, so Postgres stops at the fifth. With
    the index on (state, decide_by) alone it sorted each group of memos sharing a date,
    all of them, before the first five (thousands where many share one)."""
    from decisions.home import home_context

    today = timezone.localdate()
    for _ in range(3):
        make_memo(captain=world.manager, decide_by=today)

    class Request:
        user = world.employee

    with CaptureQueriesContext(connection) as ctx:
        home_context(Request())
    (sql,) = [
        q["sql"] for q in ctx.captured_queries if "LIMIT 5" in q["sql"] and "decide_by" in q["sql"]
    ]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "memo_state_decide_idx" in plan and "Sort" not in plan, plan
