"""The audit log: one call, `record`, used for every read of confidential data."""

from __future__ import annotations

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


def record_many(actor: Person | None, action: str, subjects, *, detail=None, request=None):
    """One row per subject, in one INSERT (for pages that show many people's data)."""
    ip, agent = current_request_meta(request)
    rows = [
        AuditEvent(
            actor=actor,
            action=action,
            subject=s,
            detail=detail or {},
            ip=ip,
            user_agent=agent,
        )
        for s in subjects
    ]
    return AuditEvent.objects.bulk_create(rows)
