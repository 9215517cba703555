"""The memo feed: published memos, filters, search and the celebrations."""

from __future__ import annotations

from django.db.models import F, Q
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from culture import access, clock
from culture.links import url_maker
from culture.models import Person, Team
from culture.paging import CappedPaginator
from culture.views.people import TEAM_SELECT_LIMIT
from decisions import forms
from decisions.models import FeedPost, Memo
from decisions.views import hx_target

PAGE_SIZE = 20
FEED_CARD_FIELDS = (
    "title",
    "state",
    "outcome",
    "confidential",
    "captain__name",
    "decide_by",
    "rating_count",
    "rating_low",
    "rating_high",
    "hide_spread",
    "published_at",
)
S = Memo.State
SEARCH_CAP = 1000  # matches a search counts and pages through, best ranked first


@require_GET
def index(request):
    user = access._require_active(request.user)
    form = forms.FeedForm(request.GET)
    form.is_valid()
    f = form.cleaned_data if form.is_valid() else {}
    today = clock.today()
    memos = Memo.objects.visible_to(user)
    state = f.get("state") or ""
    memos = memos.filter(state=state) if state else memos.published()
    team = None
    if f.get("team"):
        team = Team.objects.filter(Q(slug=f["team"]) | Q(name__iexact=f["team"])).first()
        memos = memos.filter(teams=team) if team else memos.none()
    captain = None
    if f.get("captain"):
        captain = Person.objects.filter(pk=f["captain"]).only("name").first()
        memos = memos.filter(captain_id=f["captain"])
    if f.get("waiting"):
        memos = memos.waiting_for_rating_by(user, today)
    q = (f.get("q") or "").strip()
    sort = f.get("sort") or "new"
    if q:
        memos = memos.search(q)
    elif sort == "closing":
        memos = memos.filter(state=S.OPEN, decide_by__gte=today).order_by("decide_by", "id")
    elif sort == "dissent":
        memos = (
            memos.with_spread(today)
            .exclude(spread__isnull=True)
            .order_by((F("rating_high") - F("rating_low")).desc(), "-published_at", "-id")
        )
    else:
        memos = memos.order_by("-published_at", "-id")
    if q:
        # One statement ranks the best 1,001 matches (ids only): they are counted and paged
        # here, and only the 20 shown are loaded with their captain and teams. Before, the
        # count and the page each scanned every match, and the page joined every person to
        # every match before sorting ("launch": 834 matches, 10 of its 13 ms).
        ranked = list(memos.values_list("pk", flat=True)[: SEARCH_CAP + 1])
        page = CappedPaginator(ranked, PAGE_SIZE, cap=SEARCH_CAP).get_page(request.GET.get("page"))
        # Through the visibility rule again: a memo made confidential since the ranking
        # drops out rather than showing.
        shown = Memo.objects.visible_to(user).for_feed().only(*FEED_CARD_FIELDS)
        cards = shown.in_bulk(page.object_list)
        page.object_list = [cards[pk] for pk in page.object_list if pk in cards]
    else:
        # Only what a card shows (not the body or the search vector), counted up to 1,000:
        # the feed costs the same at 100 or 100,000 memos.
        memos = memos.for_feed().only(*FEED_CARD_FIELDS)
        page = CappedPaginator(memos, PAGE_SIZE).get_page(request.GET.get("page"))
    for memo in page.object_list:  # the rule of with_spread(), on 20 rows instead of in SQL
        memo.spread_shown = not memo.spread_hidden_on(today)
    feed_cards(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "q": q,
        "sort": sort,
        "team": team,
        "captain": captain,
        "querystring": query.urlencode(),
        "today": today,
    }
    if hx_target(request) == "feed-results":
        return render(request, "decisions/index.html#results", context)
    context["posts"] = list(
        FeedPost.objects.filter(memo__in=Memo.objects.visible_to(user).values("pk"))
        .select_related("memo", "memo__captain")
        # What a post shows: not the memo's body and search vector, not the captain's row.
        .only(
            "kind",
            "created_at",
            "memo__title",
            "memo__celebration",
            "memo__sunshine_learned",
            "memo__captain__name",
        )
        .order_by("-created_at", "-id")[:6]
    )
    # A select of every team is only usable (and small) for a modest number of teams; past
    # that (1,000 teams at 10,000 people: 60 KB a page) the filter is a text field.
    teams = list(Team.objects.values_list("pk", "slug", "name")[: TEAM_SELECT_LIMIT + 1])
    context["team_options"] = (
        format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (slug, mark_safe(" selected") if team and pk == team.pk else "", name)
                for pk, slug, name in teams
            ),
        )
        if len(teams) <= TEAM_SELECT_LIMIT
        else None
    )
    # The link to the bet review, for those the review lets in (one query).
    context["reviews_bets"] = access.may_review_bets(user)
    # Drafts are visible only to their captain and co-authors: one indexed arm each (an OR
    # of the two made Postgres walk every memo in published order).
    drafts = Memo.objects.filter(state=S.DRAFT).only("title", "updated_at", "published_at")
    context["drafts"] = list(
        drafts.filter(captain_id=user.pk)
        .union(drafts.filter(co_authors=user))
        .order_by("-published_at", "-id")[:10]
    )
    return render(request, "decisions/index.html", context)


def feed_cards(memos) -> None:
    """Each feed card's HTML as `memo.card`, built here: twenty cards of nested tags,
    filters and a {% url %} each were half of the feed's rendering (cProfile). The HTML is
    the same as the template's it replaced (tests/decisions/test_feed_cards.py)."""
    memo_url = url_maker("decisions:memo")
    for memo in memos:
        if memo.state == S.OPEN:
            tone = "info"
        elif memo.state == S.OUTCOME:
            tone = "good" if memo.outcome == Memo.Outcome.WENT_WELL else "warn"
        else:
            tone = ""
        n = memo.rating_count
        ratings = f"{n} rating{'' if n == 1 else 's'}"
        if memo.spread_shown and n:
            ratings += f", ranging from {memo.rating_low:+d} to {memo.rating_high:+d}"
        elif n:
            ratings += ", spread hidden until the window closes"
        memo.card = format_html(
            '<li class="card memo-item">\n'
            '      <h2 class="memo-title"><a href="{}">{}</a></h2>\n'
            '      <p class="memo-meta small">\n'
            '        <span class="pill {}">{}</span>\n'
            "        {}\n"
            '        Captain <a href="?captain={}">{}</a>\n'
            "        {}\n"
            "        {}\n"
            "      </p>\n"
            '      <p class="small muted">{}</p>\n'
            "    </li>",
            memo_url(memo.pk),
            memo.title,
            tone,
            memo.get_state_display(),
            mark_safe('<span class="pill bad">Confidential</span>') if memo.confidential else "",
            memo.captain_id,
            memo.captain.name,
            format_html_join(
                "", '· <a href="?team={}">{}</a>', ((t.slug, t.name) for t in memo.teams.all())
            ),
            (
                f"· decides by {date_format(memo.decide_by, 'j M Y')}"
                if memo.state == S.OPEN and memo.decide_by
                else ""
            ),
            ratings,
        )
