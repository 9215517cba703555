"""The memo feed: published memos, filters, search and the celebrations."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from culture import clock
from culture.http import AuthedHttpRequest
from culture.models import Person, Team
from culture.paging import CappedPage, CappedPaginator
from decisions import access, forms
from decisions.models import FeedPost, Memo
from decisions.views import hx_target


@require_GET
def index(request: AuthedHttpRequest) -> HttpResponse:
    user = access.require_active(request.user)
    today = clock.today()
    form = forms.FeedForm(request.GET, viewer=user, today=today)
    memos = form.apply(Memo.objects.visible_to(user))
    number = request.GET.get("page")
    if form.search_text:
        page = memos.search_page(number, viewer=user, today=today)
    else:
        page = memos.feed_page(number, viewer=user, today=today)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "q": form.search_text,
        "sort": form.sort_by,
        "team": form.selected_team,
        "captain": form.selected_captain,
        "querystring": query.urlencode(),
        "today": today,
        "words": _words(page, form.search_text, form.selected_captain),
    }
    if hx_target(request) == "feed-results":
        return render(request, "decisions/feed_results.html", context)
    context.update(
        posts=list(FeedPost.objects.visible_to(user).for_feed()[:6]),
        teams=Team.objects.for_select(),  # None: too many, the filter is a text field
        reviews_bets=access.may_review_bets(user),  # the link to the bet review (one query)
        drafts=list(Memo.objects.drafts_of(user)[:10]),
    )
    return render(request, "decisions/index.html", context)


def _score(score: int | None) -> str:
    return f"{score:+d}" if score else "0"


def _words(page: CappedPage, q: str, captain: Person | None) -> dict[str, str]:
    """The feed's sentences in the reader's language (counts and their plurals are worked
    out here: the Jinja2 template shows them). Each card gets its own in `card_words`."""
    paginator: CappedPaginator = page.paginator  # type: ignore[assignment]
    count = paginator.count
    shown = {"count": paginator.shown_count, "q": q, "name": captain.name if captain else ""}
    if q and captain:
        found = ngettext(
            "%(count)s memo matching “%(q)s” captained by %(name)s",
            "%(count)s memos matching “%(q)s” captained by %(name)s",
            count,
        )
    elif q:
        found = ngettext(
            "%(count)s memo matching “%(q)s”", "%(count)s memos matching “%(q)s”", count
        )
    elif captain:
        found = ngettext(
            "%(count)s memo captained by %(name)s", "%(count)s memos captained by %(name)s", count
        )
    else:
        found = ngettext("%(count)s memo", "%(count)s memos", count)
    if paginator.capped:
        position = _("Page %(number)s") % {"number": page.number}
    else:
        position = _("Page %(number)s of %(pages)s") % {
            "number": page.number,
            "pages": paginator.num_pages,
        }
    for memo in page.object_list:
        memo.card_words = _card_words(memo)
    return {"found": found % shown, "position": position}


def _card_words(memo: Any) -> dict[str, str]:
    """A feed card's sentences (`memo` carries what _spread_shown worked out for it)."""
    n = memo.rating_count
    values = {"count": n, "low": _score(memo.rating_low), "high": _score(memo.rating_high)}
    if memo.spread_shown and n:
        ratings = ngettext(
            "%(count)s rating, ranging from %(low)s to %(high)s",
            "%(count)s ratings, ranging from %(low)s to %(high)s",
            n,
        )
    elif n and memo.spread_waits_for_rating:
        ratings = ngettext(
            "%(count)s rating; the spread shows once you have rated",
            "%(count)s ratings; the spread shows once you have rated",
            n,
        )
    elif n:
        ratings = ngettext(
            "%(count)s rating, spread hidden until the window closes",
            "%(count)s ratings, spread hidden until the window closes",
            n,
        )
    else:
        ratings = ngettext("%(count)s rating", "%(count)s ratings", n)
    bars = "".join(f"{b['label']}: {b['count']}; " for b in memo.strip if b["count"])
    return {
        "decides": (
            _("decides by %(date)s") % {"date": date_format(memo.decide_by, "DATE_FORMAT")}
            if memo.decide_by
            else ""
        ),
        "ratings": ratings % values,
        "spread": ngettext(
            "Spread of %(count)s rating: %(bars)s", "Spread of %(count)s ratings: %(bars)s", n
        )
        % {"count": n, "bars": bars},
    }
