"""The audit log: one call, `record`, used for every read of confidential data."""

from __future__ import annotations

from django.utils import timezone

from culture.middleware import current_request_meta
from culture.models import AuditEvent, Person


def record(
    actor: Person | None,
    action: str,
    *,
    subject: Person | None = None,
    obj=None,
    detail: dict | None = None,
    request=None,
) -> AuditEvent:
    """Append one audit row. `request` (or the current request) supplies ip and agent."""
    ip, agent = current_request_meta(request)
    return AuditEvent.objects.create(
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        action=action,
        subject=subject,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        detail=detail or {},
        ip=ip,
        user_agent=agent,
    )


def record_many(actor: Person | None, action: str, subjects, *, detail=None, request=None) -> int:
    """One row per subject, in one INSERT (for pages that show many people's data).
    Returns how many rows were written."""
    ids = [s.pk for s in subjects]
    if not ids:
        return 0
    ip, agent = current_request_meta(request)
    actor_id = actor.pk if actor is not None and getattr(actor, "pk", None) else None
    at = timezone.now()
    rows = AuditEvent.objects.bulk_create(
        AuditEvent(
            at=at,
            actor_id=actor_id,
            action=action,
            subject_id=pk,
            detail=detail or {},
            ip=ip,
            user_agent=agent,
        )
        for pk in ids
    )
    return len(rows)
