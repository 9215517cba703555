"""The feedback gate: every feedback view, stream and page gets circles, items and written
feedback through this module.

Built on the core's primitives (culture/access.py, which says how the gate works: 404 for
whoever may not know an object exists, 403 for whoever may see but not change it); the
primitives a feedback view needs are re-exported here, so a feedback view asks one module.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import Http404

from culture.access import can_manage, get_person_for_user, require_active, require_people_admin
from culture.models import Person
from feedback.models import (
    ActionItem,
    Circle,
    CircleItem,
    FeedbackPolicy,
    Participant,
    WrittenFeedback,
)

__all__ = [
    # The core's primitives, for feedback's views.
    "can_manage",
    "get_person_for_user",
    "require_active",
    "require_people_admin",
    # Feedback's own getters.
    "get_action_item_for_owner",
    "get_circle_for_user",
    "get_circle_item_for_recipient",
    "get_feedback_reader_for_user",
    "get_written_feedback_for_recipient",
    "may_read_feedback_received_by",
]


def get_circle_for_user(
    user, circle_id, *, facilitator: bool = False, organiser: bool = False
) -> Circle:
    """Circles are for their participants only (anyone else: 404). `facilitator=True`
    additionally requires the facilitator role, `organiser=True` the creator's or the
    facilitator's (other participants: 403)."""
    require_active(user)
    # One statement: the circle, only if the user has a seat in it (every room request
    # and every live re-fetch passes here).
    seated = Exists(Participant.objects.filter(circle_id=OuterRef("pk"), person_id=user.pk))
    try:
        circle = Circle.objects.filter(seated).get(pk=int(circle_id))
    except (Circle.DoesNotExist, ValueError, TypeError):
        raise Http404
    if facilitator and circle.facilitator_id != user.pk:
        raise PermissionDenied
    if organiser and user.pk not in (circle.created_by_id, circle.facilitator_id):
        raise PermissionDenied
    return circle


def get_circle_item_for_recipient(user, item_id) -> CircleItem:
    """A circle item, for its recipient (who accepts or discards it); else 404."""
    require_active(user)
    try:
        return CircleItem.objects.get(pk=int(item_id), recipient=user)
    except (CircleItem.DoesNotExist, ValueError, TypeError):
        raise Http404


def get_action_item_for_owner(user, action_id) -> ActionItem:
    require_active(user)
    try:
        return ActionItem.objects.get(pk=int(action_id), owner=user)
    except (ActionItem.DoesNotExist, ValueError, TypeError):
        raise Http404


def get_written_feedback_for_recipient(user, feedback_id) -> WrittenFeedback:
    require_active(user)
    try:
        return WrittenFeedback.objects.get(pk=int(feedback_id), recipient=user)
    except (WrittenFeedback.DoesNotExist, ValueError, TypeError):
        raise Http404


def may_read_feedback_received_by(user, person: Person, *, manages: bool | None = None) -> bool:
    """Whether the user may read the written feedback `person` received: their own; their
    management chain's (and people admins') only when the company setting allows it.
    `manages` is can_manage(user, person) when the caller already knows it (the profile
    page does), so asking costs no query for a colleague and one for the chain."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if person.pk == user.pk:
        return True
    if manages is False or not FeedbackPolicy.chain_may_read_now():
        return False
    return manages if manages is not None else can_manage(user, person)


def get_feedback_reader_for_user(user, person_id) -> Person:
    """Whose received written feedback the user may read (may_read_feedback_received_by);
    anyone else's: 404."""
    person = get_person_for_user(user, person_id)
    if may_read_feedback_received_by(user, person):
        return person
    raise Http404
