"""The freedom gate: every time-away and guide view gets its objects through this module.

Time away is seen by the person, their team, their management chain and people admins
(TimeAway.objects.visible_to); only the person changes or removes their own entries. Guides
are open to every employee; only people admins write them, and their owner (or a people
admin) marks one reviewed. Built on the core's primitives (culture/access.py: 404 for whoever
may not know an object exists, 403 for whoever may see but not change it).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from culture.access import is_people_admin, require_active, require_people_admin
from culture.models import Person
from freedom.models import Guide, TimeAway

__all__ = [
    "require_active",
    "require_people_admin",
    "get_time_away_for_user",
    "get_guide_for_user",
    "may_see_time_away_of",
    "may_review",
]


def get_time_away_for_user(user, entry_id, *, write: bool = False) -> TimeAway:
    """write=True: only the person it belongs to (others who can see it get 403)."""
    require_active(user)
    try:
        entry = TimeAway.objects.visible_to(user).get(pk=int(entry_id))
    except (TimeAway.DoesNotExist, ValueError, TypeError):
        raise Http404
    if write and entry.person_id != user.pk:
        raise PermissionDenied
    return entry


def get_guide_for_user(user, slug, *, write: bool = False, review: bool = False) -> Guide:
    """Every employee reads; write=True: people admins; review=True: the owner or a people
    admin (others get 403)."""
    require_active(user)
    try:
        guide = Guide.objects.select_related("owner").get(slug=str(slug))
    except Guide.DoesNotExist:
        raise Http404
    if write:
        require_people_admin(user)
    if review and not may_review(user, guide):
        raise PermissionDenied
    return guide


def may_review(user, guide: Guide) -> bool:
    return is_people_admin(user) or (guide.owner_id is not None and guide.owner_id == user.pk)


def may_see_time_away_of(user, person: Person, *, manages: bool) -> bool:
    """The person, their team, their chain and people admins (`manages` is
    culture.access.can_manage(user, person), which covers the chain and admins)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if manages or user.pk == person.pk:
        return True
    return user.team_id is not None and user.team_id == person.team_id
