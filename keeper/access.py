"""The keeper gate: every keeper view gets keeper tests and people through this module.

Built on the core's primitives (culture/access.py, which says how the gate works: 404 for
whoever may not know an object exists, 403 for whoever may see but not change it); the
primitives a keeper view needs are re-exported here, so a keeper view asks one module.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from culture.access import (
    can_manage,
    get_managed_person_for_user,
    get_person_for_user,
    require_active,
    require_people_admin,
)
from culture.models import Person
from keeper.models import KeeperTest, PostExit

__all__ = [
    # The core's primitives, for keeper's views.
    "can_manage",
    "get_person_for_user",
    "require_active",
    "require_people_admin",
    # Keeper's own getters.
    "get_keeper_rollup_manager_for_user",
    "get_keeper_test_for_user",
    "get_post_exit_for_user",
    "get_shared_post_exit_for_user",
]


def _may_read_keeper_test(user, test) -> bool:
    """Answers are for the answering manager, the managers above them and people admins.
    While a cycle is open the report's *current* line decides: someone who moved takes
    their open test to the new manager, and the old one loses it at once.

    Private notes on a test are narrower and do not move with it: of the test's readers,
    only the note's author, the managers above the author and people admins read it
    (keeper.models.KeeperNoteQuerySet.readable_by, which every page showing notes uses)."""
    if test.report_id == user.pk:
        return False  # nobody reads an answer about themselves, people admins included
    if user.is_people_admin:
        return True
    if test.cycle.is_open():
        return test.report.manager_id == user.pk or user.is_above(test.report)
    return test.manager_id == user.pk or user.is_above(test.manager)


def get_keeper_test_for_user(user, test_id, *, write: bool = False) -> KeeperTest:
    """A keeper test (with its answer). Anyone who may not read it gets 404; a reader who
    may not change it (skip level, admin, closed cycle) gets 403. Only the report's current
    manager answers, while the cycle is open."""
    require_active(user)
    try:
        test = KeeperTest.objects.select_related("cycle", "report", "manager", "report__team").get(
            pk=int(test_id)
        )
    except (KeeperTest.DoesNotExist, ValueError, TypeError):
        raise Http404
    if not _may_read_keeper_test(user, test):
        raise Http404
    if write and not (
        test.cycle.is_open() and test.report.manager_id == user.pk and test.report.is_active
    ):
        raise PermissionDenied
    return test


def get_keeper_rollup_manager_for_user(user, person_id) -> Person:
    """A manager under the viewer (or anyone, for people admins) whose keeper answers the
    viewer may drill into."""
    require_active(user)
    if str(person_id) == str(user.pk):
        return user
    return get_managed_person_for_user(user, person_id)


def _may_read_post_exit(user, post_exit: PostExit) -> bool:
    """Unshared notes: the former manager, the managers above them, people admins; never
    the person who left."""
    if post_exit.person_id == user.pk:
        return False
    if user.is_people_admin or post_exit.manager_id == user.pk:
        return True
    return user.is_above(post_exit.manager)


def get_post_exit_for_user(user, post_exit_id, *, write: bool = False) -> PostExit:
    """A post-exit Q&A with its notes: 404 for anyone who may not read them, 403 for a
    reader who is not the former manager (only they prepare and hold it)."""
    require_active(user)
    try:
        post_exit = PostExit.objects.select_related("person", "manager", "person__team").get(
            pk=int(post_exit_id)
        )
    except (PostExit.DoesNotExist, ValueError, TypeError):
        raise Http404
    if not _may_read_post_exit(user, post_exit):
        raise Http404
    if write and post_exit.manager_id != user.pk:
        raise PermissionDenied
    return post_exit


def get_shared_post_exit_for_user(user, post_exit_id) -> PostExit:
    """The notes the former manager shared with their team: for the team (the manager's
    current direct reports) and everyone who reads them unshared; 404 for anyone else and
    while they are not shared."""
    require_active(user)
    try:
        post_exit = PostExit.objects.select_related("person", "manager").get(
            pk=int(post_exit_id), shared_at__isnull=False
        )
    except (PostExit.DoesNotExist, ValueError, TypeError):
        raise Http404
    if post_exit.person_id == user.pk:
        raise Http404
    if user.manager_id != post_exit.manager_id and not _may_read_post_exit(user, post_exit):
        raise Http404
    return post_exit
