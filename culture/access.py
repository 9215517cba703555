"""The one permission gate.

Every view obtains protected objects only through the functions here. Deny by default:
- an object the user may not know exists -> Http404 (do not reveal existence);
- an object the user may see but not change -> PermissionDenied (403);
- a page reserved to a role -> PermissionDenied (403).

Roles are derived from the reporting tree on every call (never cached on the user), so a
reporting-line change takes effect on the very next request:
- employee: any active person;
- manager: has at least one active direct report;
- manager of managers: a report of theirs has reports;
- people admin: Person.is_people_admin.

Each practice app adds its getters in its own section below.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from culture.models import ImportJob, Notification, Person


def _require_active(user) -> Person:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise PermissionDenied
    return user


def is_people_admin(user) -> bool:
    return bool(
        getattr(user, "is_authenticated", False) and user.is_active and user.is_people_admin
    )


def require_people_admin(user) -> Person:
    """For pages only people admins use (imports, settings, audit log)."""
    _require_active(user)
    if not user.is_people_admin:
        raise PermissionDenied
    return user


def can_manage(user, person: Person) -> bool:
    """True for people admins and anyone in `person`'s management chain."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_people_admin:
        return True
    return user.is_above(person)


# --- culture: people, notifications, imports ------------------------------------------------


def get_person_for_user(user, person_id) -> Person:
    """The directory is open to every employee (no closed doors); inactive people are
    visible to people admins only."""
    _require_active(user)
    try:
        person = Person.objects.select_related("team", "manager").get(pk=int(person_id))
    except (Person.DoesNotExist, ValueError, TypeError):
        raise Http404
    if not person.is_active and not user.is_people_admin:
        raise Http404
    return person


def get_managed_person_for_user(user, person_id) -> Person:
    """A person whose confidential data (keeper answers, pay) the user may see:
    their management chain and people admins. Everyone else gets 404."""
    person = get_person_for_user(user, person_id)
    if not can_manage(user, person):
        raise Http404
    return person


def get_notification_for_user(user, notification_id) -> Notification:
    _require_active(user)
    try:
        return Notification.objects.get(pk=int(notification_id), recipient=user)
    except (Notification.DoesNotExist, ValueError, TypeError):
        raise Http404


def get_import_job_for_user(user, job_id) -> ImportJob:
    require_people_admin(user)
    try:
        return ImportJob.objects.get(pk=int(job_id))
    except (ImportJob.DoesNotExist, ValueError, TypeError):
        raise Http404


# --- keeper (issue 3) -------------------------------------------------------------------------
# Keeper getters go in this section.
#
#
#
#
# --- end keeper ----------------------------------------------------------------------------


# --- feedback (issue 4) -----------------------------------------------------------------------
# Feedback getters go in this section.


def get_circle_for_user(user, circle_id, *, facilitator: bool = False):
    """Circles are for their participants only (anyone else: 404). `facilitator=True`
    additionally requires the facilitator role (participants: 403)."""
    from feedback.models import Circle, Participant

    _require_active(user)
    try:
        circle = Circle.objects.get(pk=int(circle_id))
    except (Circle.DoesNotExist, ValueError, TypeError):
        raise Http404
    if not Participant.objects.filter(circle=circle, person=user).exists():
        raise Http404
    if facilitator and circle.facilitator_id != user.pk:
        raise PermissionDenied
    return circle


def get_circle_item_for_recipient(user, item_id):
    """A circle item, for its recipient (who accepts or discards it); else 404."""
    from feedback.models import CircleItem

    _require_active(user)
    try:
        return CircleItem.objects.get(pk=int(item_id), recipient=user)
    except (CircleItem.DoesNotExist, ValueError, TypeError):
        raise Http404


def get_action_item_for_owner(user, action_id):
    from feedback.models import ActionItem

    _require_active(user)
    try:
        return ActionItem.objects.get(pk=int(action_id), owner=user)
    except (ActionItem.DoesNotExist, ValueError, TypeError):
        raise Http404


def get_written_feedback_for_recipient(user, feedback_id):
    from feedback.models import WrittenFeedback

    _require_active(user)
    try:
        return WrittenFeedback.objects.get(pk=int(feedback_id), recipient=user)
    except (WrittenFeedback.DoesNotExist, ValueError, TypeError):
        raise Http404


def get_feedback_reader_for_user(user, person_id) -> Person:
    """Whose received written feedback the user may read: their own; their management
    chain's (and people admins') only when the company setting allows it; else 404."""
    from feedback.models import FeedbackPolicy

    person = get_person_for_user(user, person_id)
    if person.pk == user.pk:
        return person
    if FeedbackPolicy.load().chain_may_read and can_manage(user, person):
        return person
    raise Http404


# --- end feedback ----------------------------------------------------------------------------


# --- decisions (issue 5) ----------------------------------------------------------------------
# Decision memo getters go in this section.
#
#
#
#
# --- end decisions ---------------------------------------------------------------------------


# --- pay (issue 6) ----------------------------------------------------------------------------
# Pay getters go in this section.
#
#
#
#
# --- end pay ---------------------------------------------------------------------------------
