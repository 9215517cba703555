"""The audit log: one call, `record`, used for every read of confidential data."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone

from culture.middleware import current_request_meta
from culture.models import AuditEvent, Person


def record(
    actor: Person | None,
    action: str,
    *,
    subject: Person | None = None,
    obj: Model | None = None,
    detail: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
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


def record_many(
    actor: Person | None,
    action: str,
    subjects: Iterable[Person],
    *,
    detail: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> int:
    """One row per subject, in one INSERT over an array of ids, for pages that show many
    people's data (bulk_create's model instances cost the pay team page more than a tenth:
    bench/README.md, "Raw SQL kept after measuring"). Returns how many rows were written."""
    ids = [s.pk for s in subjects]
    if not ids:
        return 0
    ip, agent = current_request_meta(request)
    actor_id = actor.pk if actor is not None and getattr(actor, "pk", None) else None
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO culture_auditevent (at, actor_id, action, subject_id, object_type, "
            "object_id, detail, ip, user_agent) "
            "SELECT %s, %s, %s, s, '', '', %s::jsonb, %s::inet, %s "
            "FROM unnest(%s::bigint[]) WITH ORDINALITY AS u(s, n) ORDER BY n",
            [timezone.now(), actor_id, action, json.dumps(detail or {}), ip, agent, ids],
        )
        return cursor.rowcount
