"""The memo page, and what everyone does on it: rate, comment, ask to revisit."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Window, prefetch_related_objects
from django.db.models.functions import RowNumber
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from culture import audit, clock, ratelimit
from culture.errors import ActionRefused
from culture.http import AuthedHttpRequest
from culture.markdown import render_markdown
from culture.models import Person
from decisions import access, forms, services
from decisions import body as memo_body
from decisions.models import (
    SCORES,
    Comment,
    Invitation,
    Memo,
    Rating,
    RatingRevision,
    RevisitRequest,
    score_shade,
)
from decisions.views import hx_target

S = Memo.State


# --- the memo page -----------------------------------------------------------------------------


REASONS_SHOWN = 3  # reasons shown per score before "show all"


def _histogram(counts: dict[int, int]) -> list[dict[str, Any]]:
    """The 21 bars of the spread's SVG, from {score: count} (one aggregate query, not 500
    rows): each bar's score label, count, tone and geometry; the template draws them."""
    top = max(counts.values(), default=0) or 1
    bars = []
    for i, score in enumerate(SCORES):
        n = counts.get(score, 0)
        height = round(90 * n / top)
        x, y = 8 + i * 28, 110 - height
        bars.append(
            {
                "label": f"{score:+d}" if score else "0",
                "count": n,
                "tone": "neg" if score < 0 else ("pos" if score > 0 else "zero"),
                "shade": SCALE[i]["shade"],
                "x": x,
                "y": y,
                "height": height,
                "mid": x + 11,  # where the count and the label are centred
                "count_y": y - 4,
            }
        )
    return bars


# The rating control's 21 points, most negative first (left to right, as on the histogram).
SCALE = [
    {
        "value": score,
        "label": f"{score:+d}" if score else "0",
        "tone": "neg" if score < 0 else ("pos" if score > 0 else "zero"),
        "shade": score_shade(score),
    }
    for score in SCORES
]


def _reasons(memo: Memo, *, score: int | None = None, limit: int = REASONS_SHOWN) -> list[Rating]:
    """Signed reasons in score order (most negative first), oldest first within a score:
    the first `limit` of every score, or every reason of one `score`. A memo with 500
    ratings shows the whole spread and 3 reasons per score; each score expands on request."""
    rows = (
        Rating.objects.filter(memo=memo)
        .select_related("person")
        .only("score", "reason", "version", "updated_at", "memo_id", "person__name")
        .order_by("score", "updated_at", "id")
    )
    ratings: list[Rating]
    if score is not None:
        ratings = list(rows.filter(score=score))
    else:
        ratings = list(
            rows.annotate(
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


def _group(memo_url: str, score: int, count: int, ratings: list[Rating]) -> dict[str, Any]:
    # An expanded score is read by a later statement than its count: a rating written in
    # between may add a reason, never make the count smaller than what is shown.
    count = max(count, len(ratings))
    label = f"{score:+d}" if score else "0"
    return {
        "score": score,
        "label": label,
        "tone": "neg" if score < 0 else ("pos" if score > 0 else "zero"),
        "count": count,
        "ratings": ratings,
        "hidden": count - len(ratings),
        "url": memo_url,
        # The sentences the Jinja2 fragment shows, with their plurals, in the reader's language.
        "show_all": ngettext(
            "Show all %(count)s reasons at %(score)s",
            "Show all %(count)s reasons at %(score)s",
            count,
        )
        % {"count": count, "score": label},
        "changed": {
            r.pk: ngettext("changed %(count)s time", "changed %(count)s times", r.version - 1)
            % {"count": r.version - 1}
            for r in ratings
            if r.version > 1
        },
    }


def _groups(
    memo: Memo,
    ratings: list[Rating],
    counts: dict[int, int],
    expand: tuple[int, list[Rating]] | None = None,
) -> list[dict[str, Any]]:
    """One group per score that has ratings; `expand` is a score shown in full."""
    by_score: dict[int, list[Rating]] = {}
    for r in ratings:
        by_score.setdefault(r.score, []).append(r)
    memo_url = memo.get_absolute_url()
    return [
        _group(memo_url, score, counts[score], expand[1] if expand and expand[0] == score else rows)
        for score, rows in sorted(by_score.items())
    ]


def _expand_score(request: AuthedHttpRequest) -> int | None:
    try:
        score = int(request.GET.get("score", ""))
    except ValueError:
        return None
    return score if score in SCORES else None


def _thread(comments: Iterable[Comment]) -> list[Comment]:
    roots: list[Comment] = []
    by_id: dict[int, Comment] = {}
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
    request: AuthedHttpRequest,
    memo: Memo,
    *,
    rate_form: forms.RateForm | None = None,
    comment_form: forms.CommentForm | None = None,
    revisit_form: forms.RevisitForm | None = None,
    expand: int | None = None,
    mine: Rating | None = None,
) -> dict[str, Any]:
    """Everything the memo page shows. `mine`: the viewer's rating when the caller has it
    (the one just written), instead of reading it again."""
    user = request.user
    window_open = memo.window_open
    if mine is None:
        mine = Rating.objects.filter(memo=memo, person_id=user.pk).only("score", "reason").first()
    # "Reasons after rating": until the viewer rates, neither the spread nor the reasons
    # (the captain always sees them; everyone once the window closes).
    results_wait = memo.results_hidden_from(user, has_rated=mine is not None, today=clock.today())
    spread_visible = memo.spread_visible(window_open) and not results_wait
    groups = []
    if spread_visible:
        # The counts come from the statement that reads the reasons, so the two always
        # agree: read separately, a rating written in between made a reason's score
        # missing from the counts (a KeyError seen under load).
        shown = _reasons(memo)
        # score_total: _reasons's window annotation, which the plugin loses through list().
        counts = {r.score: r.score_total for r in shown}  # type: ignore[attr-defined]
        expanded = (
            (expand, _reasons(memo, score=expand))
            if expand is not None and counts.get(expand, 0) > REASONS_SHOWN
            else None
        )
        groups = _groups(memo, shown, counts, expanded)
        rating_count = sum(counts.values())
    else:
        rating_count = Rating.objects.filter(memo=memo).count()
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
    histogram = _histogram(counts) if spread_visible else []
    return {
        "memo": memo,
        "words": _ratings_words(memo, rating_count, mine, histogram),
        # Read only when the template shows them: the htmx fragment after a rating shows
        # the ratings alone, and skipped the Markdown and three queries it never used.
        # Without the sections left empty: a heading with nothing under it is not content.
        "body_html": lambda: render_markdown(memo_body.without_empty_sections(memo.body)),
        "window_open": window_open,
        "spread_visible": spread_visible,
        "results_wait": results_wait,
        "scale": SCALE,
        "histogram": histogram,
        "groups": groups,
        "rating_count": rating_count,
        "mine": mine,
        "is_captain": is_captain,
        # Called by the template, so the ratings fragment (which does not show the edit
        # link) does not fetch the co-authors.
        "is_author": functools.partial(memo.is_author, user),
        "teams": SimpleLazyObject(lambda: list(memo.teams.all())),
        "context_pages": SimpleLazyObject(lambda: list(memo.context_pages.for_select())),
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


def _ratings_words(
    memo: Memo, rating_count: int, mine: Rating | None, histogram: list[dict[str, Any]]
) -> dict[str, str]:
    """The ratings' sentences in the reader's language (counts, plurals and dates are worked
    out here: the Jinja2 fragment shows them)."""
    bars = "".join(f"{b['label']}: {b['count']}; " for b in histogram if b["count"])
    score = f"{mine.score:+d}" if mine else ""
    return {
        "heading": ngettext("Dissent: %(count)s rating", "Dissent: %(count)s ratings", rating_count)
        % {"count": rating_count},
        "histogram": ngettext(
            "Histogram of %(count)s rating from −10 to +10: %(bars)s",
            "Histogram of %(count)s ratings from −10 to +10: %(bars)s",
            rating_count,
        )
        % {"count": rating_count, "bars": bars},
        "legend": (
            _("Change your rating (now %(score)s), from −10 (against) to +10 (for)")
            % {"score": score}
            if mine
            else _("Your rating, from −10 (against) to +10 (for)")
        ),
        "closed": (
            _("Your rating: %(score)s. The dissent window is closed.") % {"score": score}
            if mine
            else ""
        ),
        "hidden": _(
            "The captain chose to hide the spread until the window closes on %(date)s, so "
            "everyone rates independently."
        )
        % {"date": date_format(memo.decide_by, "DATE_FORMAT") if memo.decide_by else ""},
    }


@require_GET
def memo_page(request: AuthedHttpRequest, memo_id: int) -> HttpResponse:
    memo = access.get_memo_for_user(request.user, memo_id)
    if memo.confidential:
        audit.record(request.user, "decisions.memo.read", obj=memo)
    expand = _expand_score(request)
    if expand is not None and hx_target(request) == f"reasons-{expand}":
        # "Show all reasons at -3": only that score's reasons, not the whole page.
        ratings = _reasons(memo, score=expand) if _reasons_shown(request, memo) else []
        if not ratings:
            raise Http404
        return render(
            request,
            "decisions/memo_reason_group.html",
            {"memo": memo, "g": _group(memo.get_absolute_url(), expand, len(ratings), ratings)},
        )
    return _whole_page(request, memo, _memo_context(request, memo, expand=expand))


def _reasons_shown(request: AuthedHttpRequest, memo: Memo) -> bool:
    """The page's rule for the others' reasons, for a fragment that shows some of them."""
    if not memo.spread_visible(memo.window_open):
        return False
    today = clock.today()
    if not memo.results_wait_for_rating(today) or memo.captain_id == request.user.pk:
        return True
    rated = Rating.objects.filter(memo=memo, person_id=request.user.pk).exists()
    return not memo.results_hidden_from(request.user, has_rated=rated, today=today)


def _whole_page(
    request: AuthedHttpRequest, memo: Memo, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """The whole memo page. It names the co-authors (and `is_author` checks them), which
    the access gate leaves to the views that show them: one query for both."""
    prefetch_related_objects([memo], Prefetch("co_authors", queryset=Person.objects.only("name")))
    return render(request, "decisions/memo.html", context, status=status)


# --- everyone: rate, comment, ask to revisit ---------------------------------------------------


@require_POST
def rate(request: AuthedHttpRequest, memo_id: int) -> HttpResponse:
    memo = access.get_memo_for_user(request.user, memo_id)
    form = forms.RateForm(request.POST)
    shown: forms.RateForm | None = form  # None once rated: the page's own form comes back
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
            shown = None
        except ActionRefused as exc:
            form.add_error(None, exc.message)
            status = 422
    else:
        status = 422
    context = _memo_context(request, memo, rate_form=shown, mine=mine)
    if status == 422:
        context["rate_form"] = shown
        context["show_rate_form"] = True
    if request.htmx:
        return render(request, "decisions/memo_ratings.html", context, status=status)
    return _whole_page(request, memo, context, status=status)


@require_POST
def comment(request: AuthedHttpRequest, memo_id: int) -> HttpResponse:
    memo = access.get_memo_for_user(request.user, memo_id)
    form = forms.CommentForm(request.POST)
    if form.is_valid():
        mentioned = services.mentioned_people(form.cleaned_data["body"])
        ratelimit.check(request, "comment", to=[p for p in mentioned if p.pk != request.user.pk])
        try:
            c = services.do_comment(
                memo_id=memo.pk,
                by=request.user,
                body=form.cleaned_data["body"],
                parent_id=form.cleaned_data.get("parent"),
            )
            return redirect(memo.get_absolute_url() + f"#comment-{c.pk}")
        except ActionRefused as exc:
            form.add_error(None, exc.message)
    context = _memo_context(request, memo, comment_form=form)
    return _whole_page(request, memo, context, status=422)


@require_POST
def revisit(request: AuthedHttpRequest, memo_id: int) -> HttpResponse:
    memo = access.get_memo_for_user(request.user, memo_id)
    form = forms.RevisitForm(request.POST)
    if form.is_valid():
        ratelimit.check(request, "revisit", to=[memo.captain_id])
        try:
            services.do_request_revisit(
                memo_id=memo.pk,
                by=request.user,
                new_information=form.cleaned_data["new_information"],
            )
            return redirect(memo.get_absolute_url() + "#revisits")
        except ActionRefused as exc:
            form.add_error(None, exc.message)
    context = _memo_context(request, memo, revisit_form=form)
    return _whole_page(request, memo, context, status=422)
