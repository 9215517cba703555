"""The memo feed: published memos, filters, search and the celebrations."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from culture import clock
from culture.http import AuthedHttpRequest
from culture.models import Team
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
