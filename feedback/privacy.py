"""The feedback app's part of a person's data (culture.privacy): written feedback given and
received, requests, circle seats, circle items given and received, action items. Nothing is
deleted at erasure: feedback is signed, and what they wrote or heard now names "a former
colleague" through the person row."""

from __future__ import annotations

from typing import Any

from django.db.models import F

from culture.models import Person
from feedback.models import (
    ActionItem,
    Circle,
    CircleItem,
    FeedbackRequest,
    Participant,
    WrittenFeedback,
)


def _who(person_id: int | None, person: Person | None) -> dict[str, Any] | None:
    return {"id": person_id, "name": person.name} if person else None


def _circle(circle: Circle) -> dict[str, Any]:
    return {"id": circle.pk, "title": circle.title, "scheduled_at": circle.scheduled_at}


def export(person: Person, *, viewer: Person) -> dict[str, Any]:
    """Eight queries, whatever the amount. Circle items they received are those whose round
    was revealed: before the reveal nobody but the author sees an item."""
    given = WrittenFeedback.objects.given_by(person).select_related("campaign")
    received = WrittenFeedback.objects.received_by(person).select_related("campaign")
    asked_by_them = FeedbackRequest.objects.filter(requester=person).select_related("asked")
    asked_of_them = FeedbackRequest.objects.filter(asked=person).select_related("requester")
    seats = Participant.objects.filter(person=person).select_related("circle")
    items_given = CircleItem.objects.filter(author=person).select_related("circle", "recipient")
    items_received = CircleItem.objects.filter(
        recipient=person, recipient_position__lte=F("circle__revealed_through")
    ).select_related("circle", "author")
    actions = ActionItem.objects.filter(owner=person).select_related("circle")
    return {
        "written_feedback_given": [
            {
                "to": _who(f.recipient_id, f.recipient),
                "kind": f.kind,
                "text": f.text,
                "campaign": f.campaign.name if f.campaign else None,
                "created_at": f.created_at,
            }
            for f in given.order_by("created_at", "id")
        ],
        "written_feedback_received": [
            {
                "from": _who(f.author_id, f.author),
                "kind": f.kind,
                "text": f.text,
                "decision": f.decision,
                "campaign": f.campaign.name if f.campaign else None,
                "created_at": f.created_at,
            }
            for f in received.order_by("created_at", "id")
        ],
        "feedback_requests_made": [
            {
                "asked": _who(r.asked_id, r.asked),
                "question": r.question,
                "created_at": r.created_at,
                "answered_at": r.answered_at,
            }
            for r in asked_by_them.order_by("created_at", "id")
        ],
        "feedback_requests_received": [
            {
                "from": _who(r.requester_id, r.requester),
                "question": r.question,
                "created_at": r.created_at,
                "answered_at": r.answered_at,
            }
            for r in asked_of_them.order_by("created_at", "id")
        ],
        "circles": [
            {**_circle(seat.circle), "response": seat.response}
            for seat in seats.order_by("circle__scheduled_at", "id")
        ],
        "circle_items_given": [
            {
                "circle": _circle(item.circle),
                "to": _who(item.recipient_id, item.recipient),
                "kind": item.kind,
                "text": item.text,
                "created_at": item.created_at,
            }
            for item in items_given.order_by("created_at", "id")
        ],
        "circle_items_received": [
            {
                "circle": _circle(item.circle),
                "from": _who(item.author_id, item.author),
                "kind": item.kind,
                "text": item.text,
                "decision": item.decision,
                "created_at": item.created_at,
            }
            for item in items_received.order_by("created_at", "id")
        ],
        "action_items": [
            {
                "circle": _circle(action.circle),
                "text": action.text,
                "done": action.done,
                "created_at": action.created_at,
            }
            for action in actions.order_by("created_at", "id")
        ],
    }
