"""Feedback (scope feedback:read), one's own only: the circles one sits in, one's summary
of a circle (what one received, revealed rounds only, as on the summary page), and the
written feedback one gave and received. Nobody's browser or script receives other people's
unrevealed circle items."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from api.core import DEFAULT_LIMIT, caller, paginate
from feedback import access
from feedback.models import ActionItem, Circle, CircleItem, WrittenFeedback

router = Router(tags=["feedback"])
SCOPE = "feedback:read"


class PersonRef(Schema):
    id: int
    name: str


class CircleOut(Schema):
    id: int
    title: str
    phase: str
    scheduled_at: datetime
    facilitator: PersonRef


class CirclePage(Schema):
    items: list[CircleOut]
    next: str | None


class ItemOut(Schema):
    id: int
    kind: str
    text: str
    author: PersonRef
    decision: str


class ActionOut(Schema):
    id: int
    text: str
    done: bool


class SummaryOut(Schema):
    circle: CircleOut
    received: list[ItemOut]
    action_items: list[ActionOut]


class ReceivedOut(Schema):
    id: int
    kind: str
    text: str
    author: PersonRef
    decision: str
    created_at: datetime


class GivenOut(Schema):
    id: int
    kind: str
    text: str
    recipient: PersonRef
    created_at: datetime


class ReceivedPage(Schema):
    items: list[ReceivedOut]
    next: str | None


class GivenPage(Schema):
    items: list[GivenOut]
    next: str | None


@router.get(
    "/circles/",
    response=CirclePage,
    url_name="circles",
    summary="The feedback circles you sit in, newest first",
    openapi_extra={"x-scope": SCOPE},
)
def circles(
    request: HttpRequest, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> dict[str, Any]:
    me = caller(request, SCOPE)
    rows = Circle.objects.for_participant(me).select_related("facilitator")
    items, next_url = paginate(request, rows, order=("-id",), cursor=cursor, limit=limit)
    return {"items": items, "next": next_url}


@router.get(
    "/circles/{circle_id}/summary/",
    response=SummaryOut,
    url_name="circle_summary",
    summary="Your summary of a circle: what you received (revealed rounds) and your actions",
    openapi_extra={"x-scope": SCOPE},
)
def circle_summary(request: HttpRequest, circle_id: int) -> dict[str, Any]:
    me = caller(request, SCOPE)
    circle = access.get_circle_for_user(me, circle_id)
    received = (
        CircleItem.objects.filter(
            circle=circle, recipient=me, recipient_position__lte=circle.revealed_through
        )
        .select_related("author")
        .order_by("kind", "id")
    )
    actions = ActionItem.objects.filter(circle=circle, owner=me).order_by("id")
    circle = Circle.objects.select_related("facilitator").get(pk=circle.pk)
    return {"circle": circle, "received": list(received), "action_items": list(actions)}


@router.get(
    "/feedback/received/",
    response=ReceivedPage,
    url_name="feedback_received",
    summary="Written feedback you received, newest first",
    openapi_extra={"x-scope": SCOPE},
)
def received(
    request: HttpRequest, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> dict[str, Any]:
    me = caller(request, SCOPE)
    rows = WrittenFeedback.objects.received_by(me)
    items, next_url = paginate(request, rows, order=("-id",), cursor=cursor, limit=limit)
    return {"items": items, "next": next_url}


@router.get(
    "/feedback/given/",
    response=GivenPage,
    url_name="feedback_given",
    summary="Written feedback you gave, newest first",
    openapi_extra={"x-scope": SCOPE},
)
def given(
    request: HttpRequest, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> dict[str, Any]:
    me = caller(request, SCOPE)
    rows = WrittenFeedback.objects.given_by(me)
    items, next_url = paginate(request, rows, order=("-id",), cursor=cursor, limit=limit)
    return {"items": items, "next": next_url}
