"""The decisions gate: every decisions view gets memos (and the bet review) through this module.

Published memos are open to every employee (no closed doors); drafts only to the captain and
co-authors; confidential memos only to the people named on them. Everyone else: 404.

Built on the core's primitives (culture/access.py, which says how the gate works: 404 for
whoever may not know an object exists, 403 for whoever may see but not change it); the
primitives a decisions view needs are re-exported here, so a decisions view asks one module.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from culture.access import can_manage, get_person_for_user, require_active, require_people_admin
from culture.models import Person
from decisions.models import Memo

__all__ = [
    # The core's primitives, for decisions' views.
    "can_manage",
    "get_person_for_user",
    "require_active",
    "require_people_admin",
    # Decisions' own getters.
    "get_memo_for_user",
    "may_review_bets",
    "require_manager",
]


def get_memo_for_user(user, memo_id, *, write: bool = False, author: bool = False) -> Memo:
    """write=True: only the captain may move the memo (others who can see it get 403).
    author=True: the captain or a co-author (editing the text)."""
    require_active(user)
    memos = Memo.objects.visible_to(user).select_related("captain")
    if author:  # the edit form needs them too; other callers fetch them if they show them
        memos = memos.prefetch_related("co_authors")
    try:
        memo = memos.get(pk=int(memo_id))
    except (Memo.DoesNotExist, ValueError, TypeError):
        raise Http404
    if write and memo.captain_id != user.pk:
        raise PermissionDenied
    if author and not memo.is_author(user):
        raise PermissionDenied
    return memo


def may_review_bets(user) -> bool:
    """Bet reviews are for active people with at least one active direct report (one query).
    The decisions page asks this to show its link to the review."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.has_reports())


def require_manager(user) -> Person:
    """Bet reviews: for people with at least one active direct report."""
    require_active(user)
    if not may_review_bets(user):
        raise PermissionDenied
    return user
