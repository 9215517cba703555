"""Decision memos (scopes memos:read, memos:write): list and search, read, write a draft,
rate. Visibility is decisions' rule (Memo.objects.visible_to, get_memo_for_user); a read of
a confidential memo is audited as on its page; the spread of ratings is hidden while the
captain hides it (Memo.spread_hidden_on), and from a caller who has not rated a memo that
shows the others' ratings only after rating (Memo.results_hidden_from), as on the page."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from api.core import DEFAULT_LIMIT, caller, paginate
from culture import audit, clock
from culture.models import Person, Team
from decisions import access, services
from decisions.models import MEMO_TEMPLATE, Memo, Rating

router = Router(tags=["memos"])
READ = "memos:read"
WRITE = "memos:write"


class PersonRef(Schema):
    id: int
    name: str


class Spread(Schema):
    count: int
    low: int | None
    high: int | None


class MemoOut(Schema):
    id: int
    title: str
    state: str
    confidential: bool
    captain: PersonRef
    decide_by: date | None
    published_at: datetime | None
    spread: Spread | None = Field(
        None, description="Lowest and highest rating; null while the captain hides them."
    )
    url: str


class MyRating(Schema):
    score: int
    reason: str
    updated_at: datetime


class MemoDetail(MemoOut):
    body: str
    bet: str
    bet_why: str
    outcome: str
    rating_open: bool
    my_rating: MyRating | None


class MemoPage(Schema):
    items: list[MemoOut]
    next: str | None


class MemoIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    body: str = Field(MEMO_TEMPLATE, max_length=100_000)
    decide_by: date | None = None
    confidential: bool = False
    hide_spread: bool = False
    team_ids: list[int] = Field(default_factory=list, max_length=50)


class RatingIn(Schema):
    score: int = Field(..., ge=-10, le=10)
    reason: str = Field(..., max_length=5000)


class RatingOut(Schema):
    memo_id: int
    score: int
    reason: str
    updated_at: datetime


def _out(
    request: HttpRequest, memo: Memo, today: date, me: Person, *, has_rated: bool
) -> dict[str, Any]:
    hidden = (
        memo.spread_hidden_on(today)
        or memo.state == Memo.State.DRAFT
        # "Reasons after rating": nothing of the others' ratings before the caller rates.
        or memo.results_hidden_from(me, has_rated=has_rated, today=today)
    )
    return {
        "id": memo.pk,
        "title": memo.title,
        "state": memo.state,
        "confidential": memo.confidential,
        "captain": memo.captain,
        "decide_by": memo.decide_by,
        "published_at": memo.published_at,
        "spread": None
        if hidden
        else {"count": memo.rating_count, "low": memo.rating_low, "high": memo.rating_high},
        "url": request.build_absolute_uri(memo.get_absolute_url()),
    }


@router.get(
    "/memos/",
    response=MemoPage,
    url_name="memos",
    summary="Memos you can see, newest first; `q` searches title and body",
    openapi_extra={"x-scope": READ},
)
def memos(
    request: HttpRequest, q: str = "", cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> dict[str, Any]:
    me = caller(request, READ)
    rows = (
        Memo.objects.visible_to(me)
        .select_related("captain")
        .defer("body")
        .annotate(has_rated=Exists(Rating.objects.filter(memo_id=OuterRef("pk"), person_id=me.pk)))
    )
    q = q.strip()[:200]
    if q:
        rows = rows.search(q)
    items, next_url = paginate(request, rows, order=("-id",), cursor=cursor, limit=limit)
    today = clock.today()
    return {
        "items": [_out(request, m, today, me, has_rated=m.has_rated) for m in items],
        "next": next_url,
    }


def _detail(request: HttpRequest, memo: Memo, me: Person) -> dict[str, Any]:
    mine = Rating.objects.filter(memo=memo, person=me).first()
    return {
        **_out(request, memo, clock.today(), me, has_rated=mine is not None),
        "body": memo.body,
        "bet": memo.bet,
        "bet_why": memo.bet_why,
        "outcome": memo.outcome,
        "rating_open": memo.window_open,
        "my_rating": mine,
    }


@router.get(
    "/memos/{memo_id}/",
    response=MemoDetail,
    url_name="memo",
    summary="One memo",
    openapi_extra={"x-scope": READ},
)
def memo(request: HttpRequest, memo_id: int) -> dict[str, Any]:
    me = caller(request, READ)
    found = access.get_memo_for_user(me, memo_id)
    if found.confidential:
        audit.record(me, "decisions.memo.read", obj=found, detail={"via": "api"})
    return _detail(request, found, me)


@router.post(
    "/memos/",
    response={201: MemoDetail},
    url_name="memo_create",
    summary="Write a memo (a draft, captained by you)",
    openapi_extra={"x-scope": WRITE},
)
def create_memo(request: HttpRequest, payload: MemoIn) -> Status[dict[str, Any]]:
    me = caller(request, WRITE)
    teams = list(Team.objects.filter(pk__in=payload.team_ids))
    created = services.do_create_memo(
        by=me,
        title=payload.title.strip(),
        body=payload.body,
        decide_by=payload.decide_by,
        teams=teams,
        confidential=payload.confidential,
        hide_spread=payload.hide_spread,
    )
    created = access.get_memo_for_user(me, created.pk)
    return Status(201, _detail(request, created, me))


@router.post(
    "/memos/{memo_id}/rating/",
    response=RatingOut,
    url_name="memo_rate",
    summary="Rate an open memo from -10 to +10, with a reason (again: changes your rating)",
    openapi_extra={"x-scope": WRITE},
)
def rate(request: HttpRequest, memo_id: int, payload: RatingIn) -> dict[str, Any]:
    me = caller(request, WRITE)
    found = access.get_memo_for_user(me, memo_id)
    # A refusal (a closed window, no reason) is an InvalidInput: 422 (api.core).
    rating = services.do_rate(memo_id=found.pk, by=me, score=payload.score, reason=payload.reason)
    return {
        "memo_id": found.pk,
        "score": rating.score,
        "reason": rating.reason,
        "updated_at": rating.updated_at,
    }
