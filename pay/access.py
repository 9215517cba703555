"""The pay gate: every pay view gets people, raise proposals and pay imports through this module.

Salaries are confidential: the person (their own pay page only), their management chain and
people admins. Everyone else gets 404 for a person, a proposal or an import job.

Built on the core's primitives (culture/access.py, which says how the gate works: 404 for
whoever may not know an object exists, 403 for whoever may see but not change it); the
primitives a pay view needs are re-exported here, so a pay view asks one module.
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
from pay.models import MarketEvidence, PayImportJob, RaiseProposal

__all__ = [
    # The core's primitives, for pay's views.
    "can_manage",
    "get_person_for_user",
    "require_active",
    "require_people_admin",
    # Pay's own getters.
    "get_evidence_attachment_for_user",
    "get_own_shared_evidence_for_user",
    "get_pay_import_job_for_user",
    "get_pay_person_for_user",
    "get_raise_proposal_for_user",
    "require_pay_manager",
]


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


def get_raise_proposal_for_user(user, proposal_id, *, write: bool = False) -> RaiseProposal:
    """A raise proposal: visible to the person's chain and people admins (else 404);
    recording it (`write=True`) is for people admins only (403 for the chain)."""
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


def get_pay_import_job_for_user(user, job_id) -> PayImportJob:
    require_people_admin(user)
    try:
        return PayImportJob.objects.defer("content").get(pk=int(job_id))
    except (PayImportJob.DoesNotExist, ValueError, TypeError):
        raise Http404


def get_own_shared_evidence_for_user(user, evidence_id) -> MarketEvidence:
    """Evidence the user shared of their own market (to withdraw it): 404 for anything else,
    including evidence their chain recorded about them."""
    require_active(user)
    try:
        return MarketEvidence.objects.get(pk=int(evidence_id), person=user, shared_by_person=True)
    except (MarketEvidence.DoesNotExist, ValueError, TypeError):
        raise Http404


def get_evidence_attachment_for_user(user, evidence_id) -> MarketEvidence:
    """Evidence with an attachment, for its download: the person it is about, their chain and
    people admins, as for pay itself (404 for everyone else, peers included)."""
    require_active(user)
    try:
        evidence = MarketEvidence.objects.select_related("person").get(
            pk=int(evidence_id), attachment_size__gt=0
        )
    except (MarketEvidence.DoesNotExist, ValueError, TypeError):
        raise Http404
    if evidence.person_id != user.pk and not can_manage(user, evidence.person):
        raise Http404
    return evidence
