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
from django.db.models import Exists, OuterRef
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


# --- keeper (issue 3) -------------------------------------------------------------------------
# Keeper getters go in this section.


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


def get_keeper_test_for_user(user, test_id, *, write: bool = False):
    """A keeper test (with its answer). Anyone who may not read it gets 404; a reader who
    may not change it (skip level, admin, closed cycle) gets 403. Only the report's current
    manager answers, while the cycle is open."""
    from keeper.models import KeeperTest

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


# --- end keeper ----------------------------------------------------------------------------


# --- feedback (issue 4) -----------------------------------------------------------------------
# Feedback getters go in this section.


def get_circle_for_user(user, circle_id, *, facilitator: bool = False, organiser: bool = False):
    """Circles are for their participants only (anyone else: 404). `facilitator=True`
    additionally requires the facilitator role, `organiser=True` the creator's or the
    facilitator's (other participants: 403)."""
    from feedback.models import Circle, Participant

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


def get_circle_item_for_recipient(user, item_id):
    """A circle item, for its recipient (who accepts or discards it); else 404."""
    from feedback.models import CircleItem

    require_active(user)
    try:
        return CircleItem.objects.get(pk=int(item_id), recipient=user)
    except (CircleItem.DoesNotExist, ValueError, TypeError):
        raise Http404


def get_action_item_for_owner(user, action_id):
    from feedback.models import ActionItem

    require_active(user)
    try:
        return ActionItem.objects.get(pk=int(action_id), owner=user)
    except (ActionItem.DoesNotExist, ValueError, TypeError):
        raise Http404


def get_written_feedback_for_recipient(user, feedback_id):
    from feedback.models import WrittenFeedback

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
    from feedback.models import FeedbackPolicy

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


# --- end feedback ----------------------------------------------------------------------------


# --- decisions (issue 5) ----------------------------------------------------------------------
# Decision memo getters go in this section.
# Published memos are open to every employee (no closed doors); drafts only to the captain and
# co-authors; confidential memos only to the people named on them. Everyone else: 404.


def get_memo_for_user(user, memo_id, *, write: bool = False, author: bool = False):
    """write=True: only the captain may move the memo (others who can see it get 403).
    author=True: the captain or a co-author (editing the text)."""
    from decisions.models import Memo

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


# --- end decisions ---------------------------------------------------------------------------


# --- pay (issue 6) ----------------------------------------------------------------------------
# Salaries are confidential: the person (their own pay page only), their management chain and
# people admins. Everyone else gets 404 for a person, a proposal or an import job.


def get_pay_person_for_user(user, person_id, *, write: bool = False) -> Person:
    """Someone whose pay, evidence and proposals the user may see: their management chain and
    people admins (404 for everyone else, including the person themself, who has their own
    page). `write=True` (recording pay) is for people admins only: 403 for the chain."""
    person = get_managed_person_for_user(user, person_id)
    if write and not user.is_people_admin:
        raise PermissionDenied
    return person


def require_pay_manager(user) -> Person:
    """The team pay view: people with active reports (and people admins)."""
    require_active(user)
    if not (user.is_people_admin or user.has_reports()):
        raise PermissionDenied
    return user


def get_raise_proposal_for_user(user, proposal_id, *, write: bool = False):
    """A raise proposal: visible to the person's chain and people admins (else 404);
    recording it (`write=True`) is for people admins only (403 for the chain)."""
    from pay.models import RaiseProposal

    require_active(user)
    try:
        proposal = RaiseProposal.objects.select_related("person", "proposed_by").get(
            pk=int(proposal_id)
        )
    except (RaiseProposal.DoesNotExist, ValueError, TypeError):
        raise Http404
    if not can_manage(user, proposal.person):
        raise Http404
    if write and not user.is_people_admin:
        raise PermissionDenied
    return proposal


def get_pay_import_job_for_user(user, job_id):
    from pay.models import PayImportJob

    require_people_admin(user)
    try:
        return PayImportJob.objects.defer("content").get(pk=int(job_id))
    except (PayImportJob.DoesNotExist, ValueError, TypeError):
        raise Http404


# --- end pay ---------------------------------------------------------------------------------
