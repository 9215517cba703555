"""Decision memos: feed, memo page, writing, rating, the captain's steps and the bet ledger.

Thin views: parse -> access gate -> form -> one service call -> render.
"""

from __future__ import annotations

import functools

from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    Window,
    prefetch_related_objects,
)
from django.db.models.functions import RowNumber
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from culture import access, audit
from culture.links import url_maker
from culture.markdown import render_markdown
from culture.models import Person, Team
from culture.paging import CappedPaginator
from culture.views.people import TEAM_SELECT_LIMIT
from decisions import forms, services
from decisions.models import (
    MEMO_TEMPLATE,
    SCORES,
    Comment,
    FeedPost,
    Invitation,
    Memo,
    Rating,
    RatingRevision,
    RevisitRequest,
    company_today,
)

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


def _hx_target(request) -> str:
    return (request.htmx.target or "") if request.htmx else ""


# --- the feed ----------------------------------------------------------------------------------


@require_GET
def index(request):
    user = access._require_active(request.user)
    form = forms.FeedForm(request.GET)
    form.is_valid()
    f = form.cleaned_data if form.is_valid() else {}
    today = company_today()
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
    if _hx_target(request) == "feed-results":
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


# --- the memo page -----------------------------------------------------------------------------


REASONS_SHOWN = 3  # reasons shown per score before "show all"


def _histogram(counts):
    """The SVG bars and the accessible title for the 21 scores, from {score: count} (one
    aggregate query, not 500 rows). Built here: ~170 numbers per chart cost more to
    resolve and localise one by one in the template than the rest of the page."""
    top = max(counts.values(), default=0) or 1
    bars, title = [], []
    for i, score in enumerate(SCORES):
        n = counts.get(score, 0)
        height = round(90 * n / top)
        x, y = 8 + i * 28, 110 - height
        label = f"{score:+d}" if score else "0"
        tone = "neg" if score < 0 else ("pos" if score > 0 else "zero")
        bars.append(
            format_html(
                '<rect class="bar {}" x="{}" y="{}" width="22" height="{}"/>', tone, x, y, height
            )
        )
        if n:
            title.append(f"{label}: {n}; ")
            bars.append(
                format_html(
                    '<text class="count" x="{}" y="{}" text-anchor="middle">{}</text>',
                    x + 11,
                    y - 4,
                    n,
                )
            )
        bars.append(
            format_html(
                '<text class="axis" x="{}" y="128" text-anchor="middle">{}</text>', x + 11, label
            )
        )
    return {"bars": mark_safe("".join(bars)), "title": "".join(title)}


def _reasons(memo, *, score=None, limit=REASONS_SHOWN):
    """Signed reasons in score order (most negative first), oldest first within a score:
    the first `limit` of every score, or every reason of one `score`. A memo with 500
    ratings shows the whole spread and 3 reasons per score; each score expands on request."""
    ratings = (
        Rating.objects.filter(memo=memo)
        .select_related("person")
        .only("score", "reason", "version", "updated_at", "memo_id", "person__name")
        .order_by("score", "updated_at", "id")
    )
    if score is not None:
        ratings = list(ratings.filter(score=score))
    else:
        ratings = list(
            ratings.annotate(
                nth=Window(
                    RowNumber(), partition_by=F("score"), order_by=(F("updated_at"), F("id"))
                ),
                # How many reasons each score has, from the same statement (one snapshot).
                score_total=Window(Count("id"), partition_by=F("score")),
            ).filter(nth__lte=limit)
        )
    # Earlier versions only for ratings that changed (most never do): one query, no
    # per-row prefetch querysets.
    changed = {r.pk: r for r in ratings if r.version > 1}
    for r in ratings:
        r.history = []
    if changed:
        for rev in RatingRevision.objects.filter(rating_id__in=changed).order_by("at", "id"):
            changed[rev.rating_id].history.append(rev)
    return ratings


def _group(memo_url, score, count, ratings):
    # An expanded score is read by a later statement than its count: a rating written in
    # between may add a reason, never make the count smaller than what is shown.
    count = max(count, len(ratings))
    group = {
        "score": score,
        "label": f"{score:+d}" if score else "0",
        "count": count,
        "ratings": ratings,
        "hidden": count - len(ratings),
    }
    group["html"] = reason_group_html(group, memo_url)
    return group


def _revision_html(rev) -> str:
    return format_html(
        '<li>{}: {}, <span class="pre-line">{}</span></li>',
        date_format(template_localtime(rev.at), "j M Y, H:i"),
        f"{rev.score:+d}",
        rev.reason,
    )


def reason_group_html(g, memo_url: str):
    """One score's reasons (the <li> of the reason-group partial), built here: a memo with
    500 ratings shows 21 scores and up to 63 reasons, and their tags, filters and a
    {% url %} per score cost the template about 8 ms. The HTML is the same as the template's
    it replaced (tests/decisions/test_reason_groups.py)."""
    score, label = g["score"], g["label"]
    tone = "neg" if score < 0 else ("pos" if score > 0 else "zero")
    rows = []
    for r in g["ratings"]:
        history = ""
        if r.version > 1:
            changed = r.version - 1
            history = format_html(
                '\n      <details class="rating-history"><summary class="small muted">'
                "changed {} time{}</summary>\n"
                '        <ol class="small">{}</ol>\n'
                "      </details>",
                changed,
                "" if changed == 1 else "s",
                mark_safe("".join(_revision_html(rev) for rev in r.history)),  # noqa: S308
            )
        rows.append(
            format_html(
                '\n    <li><strong>{}</strong>: <span class="pre-line">{}</span>{}</li>\n    ',
                r.person.name,
                r.reason,
                history,
            )
        )
    more = ""
    if g["hidden"] > 0:
        more = format_html(
            '\n  <a class="button secondary small" href="{}?score={}#reasons-{}"'
            ' hx-get="{}?score={}" hx-target="#reasons-{}" hx-swap="outerHTML">'
            "Show all {} reasons at {}</a>\n  ",
            memo_url,
            score,
            score,
            memo_url,
            score,
            score,
            g["count"],
            label,
        )
    return format_html(
        '<li class="reason-group" id="reasons-{}">\n'
        '  <h4 class="score-label {}">{} <span class="muted small">({})</span></h4>\n'
        "  <ul>\n    {}\n  </ul>\n  {}\n</li>",
        score,
        tone,
        label,
        g["count"],
        mark_safe("".join(rows)),  # noqa: S308 - each row was built by format_html
        more,
    )


def _groups(memo, ratings, counts, expand=None):
    """One group per score that has ratings; `expand` is a score shown in full."""
    by_score = {}
    for r in ratings:
        by_score.setdefault(r.score, []).append(r)
    memo_url = memo.get_absolute_url()
    return [
        _group(memo_url, score, counts[score], expand[1] if expand and expand[0] == score else rows)
        for score, rows in sorted(by_score.items())
    ]


def _expand_score(request):
    try:
        score = int(request.GET.get("score", ""))
    except ValueError:
        return None
    return score if score in SCORES else None


def _thread(comments):
    roots, by_id = [], {}
    for c in comments:
        c.thread_replies = []
        by_id[c.pk] = c
    for c in comments:
        if c.parent_id and c.parent_id in by_id:
            by_id[c.parent_id].thread_replies.append(c)
        else:
            roots.append(c)
    return roots


def _memo_context(
    request,
    memo,
    *,
    rate_form=None,
    comment_form=None,
    revisit_form=None,
    expand=None,
    mine=None,
):
    """Everything the memo page shows. `mine`: the viewer's rating when the caller has it
    (the one just written), instead of reading it again."""
    user = request.user
    window_open = memo.window_open
    spread_visible = memo.spread_visible(window_open)
    groups = []
    if spread_visible:
        # The counts come from the statement that reads the reasons, so the two always
        # agree: read separately, a rating written in between made a reason's score
        # missing from the counts (a KeyError seen under load).
        shown = _reasons(memo)
        counts = {r.score: r.score_total for r in shown}
        if expand is not None and counts.get(expand, 0) > REASONS_SHOWN:
            expand = (expand, _reasons(memo, score=expand))
        else:
            expand = None
        groups = _groups(memo, shown, counts, expand)
        rating_count = sum(counts.values())
    else:
        rating_count = Rating.objects.filter(memo=memo).count()
    if mine is None:
        mine = Rating.objects.filter(memo=memo, person_id=user.pk).only("score", "reason").first()
    is_captain = memo.captain_id == user.pk
    # The related people are read for their names only (not whole rows with password hashes).
    invitations = list(
        Invitation.objects.filter(memo=memo)
        .select_related("person")
        .only("memo_id", "person__name")
        .annotate(
            has_rated=Exists(
                Rating.objects.filter(memo_id=OuterRef("memo_id"), person_id=OuterRef("person_id"))
            )
        )
        .order_by("person__name")
    )
    if rate_form is None and window_open:
        rate_form = forms.RateForm(
            initial={"score": mine.score, "reason": mine.reason} if mine else None
        )
    return {
        "memo": memo,
        # Read only when the template shows them: the htmx fragment after a rating shows
        # the ratings alone, and skipped the Markdown and three queries it never used.
        "body_html": functools.partial(render_markdown, memo.body),
        "window_open": window_open,
        "spread_visible": spread_visible,
        "histogram": _histogram(counts) if spread_visible else [],
        "groups": groups,
        "rating_count": rating_count,
        "mine": mine,
        "is_captain": is_captain,
        # Called by the template, so the ratings fragment (which does not show the edit
        # link) does not fetch the co-authors.
        "is_author": functools.partial(memo.is_author, user),
        "teams": SimpleLazyObject(lambda: list(memo.teams.all())),
        "invitations": invitations,
        "comments": SimpleLazyObject(
            lambda: _thread(
                list(
                    Comment.objects.filter(memo=memo)
                    .select_related("author")
                    .only("parent_id", "body", "created_at", "author__name")
                    .order_by("created_at", "id")
                )
            )
        ),
        "revisits": SimpleLazyObject(
            lambda: list(
                RevisitRequest.objects.filter(memo=memo)
                .select_related("requested_by")
                .only("new_information", "created_at", "requested_by__name")
            )
        ),
        "rate_form": rate_form,
        "comment_form": comment_form or forms.CommentForm(),
        "revisit_form": revisit_form or forms.RevisitForm(),
        "next_steps": services.allowed_next(memo.state) if is_captain else [],
        "states": S,
        "can_revisit": memo.state in (S.TESTING, S.DECIDED, S.OUTCOME),
    }


@require_GET
def memo_page(request, memo_id):
    memo = access.get_memo_for_user(request.user, memo_id)
    if memo.confidential:
        audit.record(request.user, "decisions.memo.read", obj=memo)
    expand = _expand_score(request)
    if expand is not None and _hx_target(request) == f"reasons-{expand}":
        # "Show all reasons at -3": only that score's reasons, not the whole page.
        ratings = _reasons(memo, score=expand) if memo.spread_visible(memo.window_open) else []
        if not ratings:
            raise Http404
        return render(
            request,
            "decisions/memo.html#reason-group",
            {"memo": memo, "g": _group(memo.get_absolute_url(), expand, len(ratings), ratings)},
        )
    return _whole_page(request, memo, _memo_context(request, memo, expand=expand))


def _whole_page(request, memo, context, status=200):
    """The whole memo page. It names the co-authors (and `is_author` checks them), which
    the access gate leaves to the views that show them: one query for both."""
    prefetch_related_objects([memo], Prefetch("co_authors", queryset=Person.objects.only("name")))
    return render(request, "decisions/memo.html", context, status=status)


# --- writing -----------------------------------------------------------------------------------


def _memo_kwargs(data):
    return {
        "title": data["title"],
        "body": data["body"],
        "decide_by": data["decide_by"],
        "teams": data["teams"],
        "co_authors": data["co_authors"],
        "confidential": data["confidential"],
        "readers": data["readers"] if data["confidential"] else [],
        "hide_spread": data["hide_spread"],
    }


@require_http_methods(["GET", "POST"])
def new_memo(request):
    user = access._require_active(request.user)
    form = forms.MemoForm(request.POST or None, initial={"body": MEMO_TEMPLATE})
    if request.method == "POST":
        if form.is_valid():
            memo = services.do_create_memo(by=user, **_memo_kwargs(form.cleaned_data))
            return redirect("decisions:memo", memo_id=memo.pk)
        return render(request, "decisions/edit.html", {"form": form, "memo": None}, status=422)
    return render(request, "decisions/edit.html", {"form": form, "memo": None})


@require_http_methods(["GET", "POST"])
def edit_memo(request, memo_id):
    memo = access.get_memo_for_user(request.user, memo_id, author=True)
    form = forms.MemoForm(request.POST or None, initial=forms.MemoForm.initial_for(memo))
    if request.method == "POST":
        if form.is_valid():
            try:
                services.do_edit_memo(memo=memo, by=request.user, **_memo_kwargs(form.cleaned_data))
                return redirect("decisions:memo", memo_id=memo.pk)
            except services.DecisionError as exc:
                form.add_error(None, str(exc))
        return render(request, "decisions/edit.html", {"form": form, "memo": memo}, status=422)
    return render(request, "decisions/edit.html", {"form": form, "memo": memo})


@require_POST
def preview(request):
    """Render Markdown for the preview pane. Changes nothing."""
    access._require_active(request.user)
    body = request.POST.get("body", "")[:100_000]
    return render(request, "decisions/_preview.html", {"body_html": render_markdown(body)})


# --- the captain's steps -----------------------------------------------------------------------

STEPS = {
    "publish": (None, "Publish for dissent"),
    "test": (forms.TestForm, "Start a test"),
    "results": (forms.ResultsForm, "Record the test results"),
    "decide": (forms.DecideForm, "Make the bet"),
    "outcome": (forms.OutcomeForm, "Record how it went"),
}


def _run_step(step, memo, by, data):
    if step == "publish":
        return services.do_publish(memo_id=memo.pk, by=by)
    if step == "test":
        return services.do_start_test(memo_id=memo.pk, by=by, description=data["description"])
    if step == "results":
        return services.do_record_test_results(memo_id=memo.pk, by=by, results=data["results"])
    if step == "decide":
        return services.do_decide(
            memo_id=memo.pk,
            by=by,
            bet=data["bet"],
            why=data["why"],
            look_back_on=data["look_back_on"],
        )
    return services.do_record_outcome(
        memo_id=memo.pk,
        by=by,
        outcome=data["outcome"],
        celebration=data["celebration"],
        happened=data["happened"],
        learned=data["learned"],
        new_look_back_on=data["new_look_back_on"],
    )


@require_http_methods(["GET", "POST"])
def step(request, memo_id, step):
    if step not in STEPS:
        raise Http404
    memo = access.get_memo_for_user(request.user, memo_id, write=True)
    form_class, title = STEPS[step]
    form = form_class(request.POST or None) if form_class else None
    if step == "results" and form is not None and request.method == "GET":
        form = forms.ResultsForm(initial={"results": memo.test_results})
    status = 200
    if request.method == "POST":
        if form is None or form.is_valid():
            try:
                _run_step(step, memo, request.user, form.cleaned_data if form else {})
                return redirect("decisions:memo", memo_id=memo.pk)
            except services.DecisionError as exc:
                error = str(exc)
        else:
            error = ""
        status = 422
    else:
        error = ""
    return render(
        request,
        "decisions/step.html",
        {"memo": memo, "form": form, "step": step, "title": title, "error": error},
        status=status,
    )


@require_POST
def hand_over(request, memo_id):
    memo = access.get_memo_for_user(request.user, memo_id, write=True)
    form = forms.HandOverForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.do_hand_over(memo_id=memo.pk, by=request.user, to=form.cleaned_data["email"])
            return redirect("decisions:memo", memo_id=memo.pk)
        except services.DecisionError as exc:
            error = str(exc)
    return render(
        request,
        "decisions/step.html",
        {"memo": memo, "form": form, "step": "handover", "title": "Hand over", "error": error},
        status=422,
    )


@require_POST
def invite(request, memo_id):
    memo = access.get_memo_for_user(request.user, memo_id, write=True)
    form = forms.InviteForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.do_invite(memo_id=memo.pk, by=request.user, people=form.cleaned_data["people"])
            return redirect("decisions:memo", memo_id=memo.pk)
        except services.DecisionError as exc:
            error = str(exc)
    return render(
        request,
        "decisions/step.html",
        {"memo": memo, "form": form, "step": "invite", "title": "Invite", "error": error},
        status=422,
    )


# --- everyone: rate, comment, ask to revisit ---------------------------------------------------


@require_POST
def rate(request, memo_id):
    memo = access.get_memo_for_user(request.user, memo_id)
    form = forms.RateForm(request.POST)
    status = 200
    mine = None
    if form.is_valid():
        try:
            mine = services.do_rate(
                memo_id=memo.pk,
                by=request.user,
                score=form.cleaned_data["score"],
                reason=form.cleaned_data["reason"],
            )
            if not request.htmx:
                return redirect(memo.get_absolute_url() + "#ratings")
            form = None
        except services.DecisionError as exc:
            form.add_error(None, str(exc))
            status = 422
    else:
        status = 422
    context = _memo_context(request, memo, rate_form=form, mine=mine)
    if status == 422:
        context["rate_form"] = form
        context["show_rate_form"] = True
    if request.htmx:
        return render(request, "decisions/memo.html#ratings", context, status=status)
    return _whole_page(request, memo, context, status=status)


@require_POST
def comment(request, memo_id):
    memo = access.get_memo_for_user(request.user, memo_id)
    form = forms.CommentForm(request.POST)
    if form.is_valid():
        try:
            c = services.do_comment(
                memo_id=memo.pk,
                by=request.user,
                body=form.cleaned_data["body"],
                parent_id=form.cleaned_data.get("parent"),
            )
            return redirect(memo.get_absolute_url() + f"#comment-{c.pk}")
        except services.DecisionError as exc:
            form.add_error(None, str(exc))
    context = _memo_context(request, memo, comment_form=form)
    return _whole_page(request, memo, context, status=422)


@require_POST
def revisit(request, memo_id):
    memo = access.get_memo_for_user(request.user, memo_id)
    form = forms.RevisitForm(request.POST)
    if form.is_valid():
        try:
            services.do_request_revisit(
                memo_id=memo.pk,
                by=request.user,
                new_information=form.cleaned_data["new_information"],
            )
            return redirect(memo.get_absolute_url() + "#revisits")
        except services.DecisionError as exc:
            form.add_error(None, str(exc))
    context = _memo_context(request, memo, revisit_form=form)
    return _whole_page(request, memo, context, status=422)


# --- the bet ledger ----------------------------------------------------------------------------


def _ledger(memos):
    columns = {"went_well": [], "did_not": [], "still_open": []}
    for m in memos:
        if m.state == S.OUTCOME and m.outcome == Memo.Outcome.WENT_WELL:
            columns["went_well"].append(m)
        elif m.state == S.OUTCOME and m.outcome == Memo.Outcome.DID_NOT:
            columns["did_not"].append(m)
        else:
            columns["still_open"].append(m)
    return [
        ("went_well", "Went well", columns["went_well"]),
        ("did_not", "Did not go well", columns["did_not"]),
        ("still_open", "Still open", columns["still_open"]),
    ]


def _bets(user):
    return (
        Memo.objects.visible_to(user)
        .filter(state__in=[S.DECIDED, S.OUTCOME])
        .select_related("captain")
        .order_by("-decided_at", "-id")
    )


@require_GET
def person_ledger(request, person_id):
    person = access.get_person_for_user(request.user, person_id)
    memos = _bets(request.user).filter(captain=person)
    return render(
        request,
        "decisions/ledger.html",
        {"person": person, "team": None, "columns": _ledger(memos)},
    )


@require_GET
def team_ledger(request, slug):
    access._require_active(request.user)
    team = get_object_or_404(Team, slug=slug)
    concerns = Memo.teams.through.objects.filter(memo_id=OuterRef("pk"), team_id=team.pk)
    memos = _bets(request.user).filter(Q(captain__team=team) | Exists(concerns))
    return render(
        request,
        "decisions/ledger.html",
        {"person": None, "team": team, "columns": _ledger(memos)},
    )


@require_http_methods(["GET", "POST"])
def reviews(request):
    manager = access.require_manager(request.user)
    error = ""
    status = 200
    if request.method == "POST":
        try:
            services.do_open_bet_review(by=manager)
            return redirect("decisions:reviews")
        except services.DecisionError as exc:
            error = str(exc)
            status = 422
    members = (
        Person.objects.active()
        .direct_reports_of(manager)
        .annotate(
            went_well=Count(
                "captained_memos",
                filter=Q(
                    captained_memos__state=S.OUTCOME,
                    captained_memos__outcome="went_well",
                    captained_memos__confidential=False,
                ),
            ),
            did_not=Count(
                "captained_memos",
                filter=Q(
                    captained_memos__state=S.OUTCOME,
                    captained_memos__outcome="did_not",
                    captained_memos__confidential=False,
                ),
            ),
            still_open=Count(
                "captained_memos",
                filter=Q(captained_memos__state=S.DECIDED, captained_memos__confidential=False),
            ),
        )
        .order_by("name")
    )
    return render(
        request,
        "decisions/reviews.html",
        {
            "members": members,
            "reviews": manager.bet_reviews.all()[:6],
            "period": services.current_period(company_today()),
            "error": error,
        },
        status=status,
    )
