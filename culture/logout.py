"""Logging people out everywhere: deactivation, erasure, SCIM and the people import call it,
so a later reactivation cannot bring an old (possibly stolen) session back to life.

Its own module, importing nothing of the product, so the core's services, the people import,
privacy and SCIM can all import it at the top without importing each other.
"""

from __future__ import annotations

from django.contrib.sessions.models import Session
from django.utils import timezone


def end_sessions(person_ids) -> int:
    """Log these people out everywhere: delete every live session that belongs to them.

    Deactivation calls this, so a later reactivation cannot bring an old (possibly stolen)
    session back to life. Sessions live in the database; deactivation is rare, so one scan
    of the live sessions is fine."""
    wanted = {str(pk) for pk in person_ids}
    if not wanted:
        return 0
    doomed = [
        s.pk
        for s in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if s.get_decoded().get("_auth_user_id") in wanted
    ]
    Session.objects.filter(pk__in=doomed).delete()
    return len(doomed)
