"""Factories for decision memos: plain functions with keyword defaults."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from decisions.models import Comment, Memo, Rating, RatingRevision, refresh_spread


def make_memo(
    *,
    captain,
    title: str = "Try a four-day week",
    body: str = "## Context\nWe think focus matters.\n\n## The proposal\nTry it for a quarter.",
    state: str = Memo.State.OPEN,
    decide_by: date | None = None,
    confidential: bool = False,
    readers=(),
    co_authors=(),
    teams=(),
    hide_spread: bool = False,
    **fields,
) -> Memo:
    today = timezone.localdate()
    if decide_by is None:
        decide_by = today + timedelta(days=7)
    if state in (Memo.State.DECIDED, Memo.State.OUTCOME):
        fields.setdefault("bet", Memo.Bet.GO)
        fields.setdefault("bet_why", "Because the test worked.")
        fields.setdefault("look_back_on", today + timedelta(days=30))
        fields.setdefault("decided_at", timezone.now())
    memo = Memo.objects.create(
        title=title,
        body=body,
        captain=captain,
        created_by=captain,
        state=state,
        decide_by=decide_by,
        confidential=confidential,
        hide_spread=hide_spread,
        published_at=None if state == Memo.State.DRAFT else timezone.now(),
        **fields,
    )
    memo.readers.set(readers)
    memo.co_authors.set(co_authors)
    memo.teams.set(teams)
    return memo


def make_rating(memo, person, score: int = 3, reason: str = "A good reason for this.") -> Rating:
    rating = Rating.objects.create(memo=memo, person=person, score=score, reason=reason)
    RatingRevision.objects.create(rating=rating, score=score, reason=reason)
    refresh_spread(memo.pk)
    return rating


def make_comment(memo, author, body: str = "Nice memo", parent=None) -> Comment:
    return Comment.objects.create(memo=memo, author=author, body=body, parent=parent)


@pytest.fixture
def memo(world):
    return make_memo(captain=world.employee, teams=[world.team])
