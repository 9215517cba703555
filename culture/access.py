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

This module holds the core's primitives (`require_active`, `is_people_admin`,
`require_people_admin`, `can_manage`, `get_person_for_user`, `get_managed_person_for_user`) and
the getters for the core's own objects (people's data, notifications, imports, SCIM tokens).
Each practice app owns its getters, built on these primitives, in its own module, so the core
never imports a practice (tests/culture/test_core_imports.py):

- keeper/access.py: keeper tests and the keeper roll-up;
- feedback/access.py: circles, circle items, action items, written feedback;
- decisions/access.py: decision memos and bet reviews;
- pay/access.py: pay pages, raise proposals, pay imports.

An app's views ask their app's access module only: it re-exports the primitives they use.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from culture.models import ImportJob, Notification, Person, ScimToken


def require_active(user) -> Person:
    """Any active, logged-in person (403 for anyone else): the employee role."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise PermissionDenied
    return user


def is_people_admin(user) -> bool:
    return bool(
        getattr(user, "is_authenticated", False) and user.is_active and user.is_people_admin
    )


def require_people_admin(user) -> Person:
    """For pages only people admins use (imports, settings, audit log)."""
    require_active(user)
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
    require_active(user)
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


def get_person_data_for_user(user, person_id) -> Person:
    """A person whose data a people admin may export or erase. Whoever may not know the
    person exists (an inactive person, for anyone but people admins) gets 404; any other
    non-admin 403."""
    person = get_person_for_user(user, person_id)
    require_people_admin(user)
    return person


def get_notification_for_user(user, notification_id) -> Notification:
    require_active(user)
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


def get_scim_token_for_user(user, token_id) -> ScimToken:
    """A SCIM provisioning token, for people admins (who make and revoke them)."""
    require_people_admin(user)
    try:
        return ScimToken.objects.get(pk=int(token_id))
    except (ScimToken.DoesNotExist, ValueError, TypeError):
        raise Http404
