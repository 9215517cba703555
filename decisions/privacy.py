"""The decisions app's part of a person's data (culture.privacy): memos they captain or
co-author, their ratings (with every revision), comments, revisit requests and invitations.
Nothing is deleted at erasure: memos are open by default and signed, and what they wrote
now names "a former colleague" through the person row.

The exporting admin sees what the memo rules let them see: a memo they may not read (a
draft, a confidential memo they are not named on) is listed by id and state only, and so
are ratings and comments on it."""

from __future__ import annotations

from typing import Any

from culture.models import Person
from decisions.models import Comment, Invitation, Memo, Rating, RevisitRequest

# A row about a memo needs the memo's title only, not its text or search vector.
MEMO_TEXT = ("memo__body", "memo__search_vector")
WITHHELD = "withheld: the exporting admin may not read this memo (a draft or confidential)"


def _memo(memo: Memo, readable: set[int]) -> dict[str, Any]:
    if memo.pk not in readable:
        return {"id": memo.pk, "state": memo.state, "withheld": WITHHELD}
    return {
        "id": memo.pk,
        "title": memo.title,
        "state": memo.state,
        "confidential": memo.confidential,
        "body": memo.body,
        "decide_by": memo.decide_by,
        "test_description": memo.test_description,
        "test_results": memo.test_results,
        "bet": memo.bet,
        "bet_why": memo.bet_why,
        "look_back_on": memo.look_back_on,
        "outcome": memo.outcome,
        "celebration": memo.celebration,
        "sunshine_happened": memo.sunshine_happened,
        "sunshine_learned": memo.sunshine_learned,
        "created_at": memo.created_at,
        "published_at": memo.published_at,
        "decided_at": memo.decided_at,
        "outcome_at": memo.outcome_at,
    }


def _ref(memo_id: int, title: str, readable: set[int]) -> dict:
    return {"id": memo_id, "title": title} if memo_id in readable else {"id": memo_id}


def export(person: Person, *, viewer: Person) -> dict[str, Any]:
    """Eight queries, whatever the amount."""
    memos = Memo.objects.defer("search_vector")
    captained = list(memos.filter(captain=person).order_by("created_at", "id"))
    co_authored = list(memos.filter(co_authors=person).order_by("created_at", "id"))
    ratings = list(
        Rating.objects.filter(person=person)
        .select_related("memo")
        .defer(*MEMO_TEXT)
        .prefetch_related("revisions")
        .order_by("created_at", "id")
    )
    comments = list(
        Comment.objects.filter(author=person)
        .select_related("memo")
        .defer(*MEMO_TEXT)
        .order_by("created_at", "id")
    )
    revisits = list(
        RevisitRequest.objects.filter(requested_by=person)
        .select_related("memo")
        .defer(*MEMO_TEXT)
        .order_by("created_at", "id")
    )
    invitations = list(
        Invitation.objects.filter(person=person)
        .select_related("memo", "invited_by")
        .defer(*MEMO_TEXT)
        .order_by("created_at", "id")
    )
    ids = {m.pk for m in captained + co_authored} | {
        row.memo_id for row in ratings + comments + revisits + invitations
    }
    readable = set(
        Memo.objects.visible_to(viewer).filter(pk__in=ids).values_list("pk", flat=True)
        if ids
        else []
    )

    def text(memo_id: int, value: str) -> str:
        return value if memo_id in readable else WITHHELD

    return {
        "memos_captained": [_memo(m, readable) for m in captained],
        "memos_co_authored": [_memo(m, readable) for m in co_authored],
        "ratings": [
            {
                "memo": _ref(r.memo_id, r.memo.title, readable),
                "score": r.score if r.memo_id in readable else None,
                "reason": text(r.memo_id, r.reason),
                "created_at": r.created_at,
                "updated_at": r.updated_at,
                "revisions": [
                    {"score": v.score, "reason": v.reason, "at": v.at} for v in r.revisions.all()
                ]
                if r.memo_id in readable
                else [],
            }
            for r in ratings
        ],
        "comments": [
            {
                "memo": _ref(c.memo_id, c.memo.title, readable),
                "body": text(c.memo_id, c.body),
                "reply_to": c.parent_id,
                "created_at": c.created_at,
            }
            for c in comments
        ],
        "revisit_requests": [
            {
                "memo": _ref(r.memo_id, r.memo.title, readable),
                "new_information": text(r.memo_id, r.new_information),
                "created_at": r.created_at,
            }
            for r in revisits
        ],
        "memo_invitations": [
            {
                "memo": _ref(i.memo_id, i.memo.title, readable),
                "invited_by": {"id": i.invited_by_id, "name": i.invited_by.name},
                "created_at": i.created_at,
            }
            for i in invitations
        ],
    }
