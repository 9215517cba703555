"""API tokens: made (shown once), kept as a SHA-256 digest, revoked, and checked on every
API request. The pattern is culture/scim/tokens.py's.

A token is 32 random bytes behind a recognisable prefix ("culture_pat_" for a person's
own, "culture_svc_" for a service's), so a leaked one is easy to find in code and logs.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import SCOPES, ApiToken
from culture import audit
from culture.models import Person

PREFIXES: dict[str, str] = {
    ApiToken.Kind.PERSONAL: "culture_pat_",
    ApiToken.Kind.SERVICE: "culture_svc_",
}
HINT_LENGTH = 15
# "Last used" is written at most this often per token (a script's pages would otherwise
# update the token's row on every request).
LAST_USED_EVERY = timedelta(minutes=1)
# A personal token lives 90 days unless its maker chooses otherwise, and at most a year.
DEFAULT_DAYS = 90
MAX_DAYS = 366


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_scopes(scopes: Iterable[str]) -> list[str]:
    chosen = sorted(dict.fromkeys(s.strip() for s in scopes if s and s.strip()))
    unknown = [s for s in chosen if s not in SCOPES]
    if unknown:
        raise ValidationError(
            _("Unknown scope %(unknown)s: choose from %(scopes)s.")
            % {"unknown": ", ".join(unknown), "scopes": ", ".join(SCOPES)}
        )
    if not chosen:
        raise ValidationError(_("Choose at least one scope."))
    return chosen


def check_days(days: int | str | None) -> int | None:
    if days is None:
        return None
    days = int(days)
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError(_("A token lives 1 to %(max)s days.") % {"max": MAX_DAYS})
    return days


def do_create_token(
    *,
    by: Person,
    name: str,
    scopes: Iterable[str],
    days: int | None = DEFAULT_DAYS,
    kind: str = ApiToken.Kind.PERSONAL,
) -> tuple[ApiToken, str]:
    """Make a token acting as `by`; returns the row and the token itself, which is never
    shown again. A service token is for people admins to make (the caller checks)."""
    scopes = check_scopes(scopes)
    days = check_days(days)
    if kind == ApiToken.Kind.SERVICE and not by.is_people_admin:
        raise ValidationError(_("Only people admins make service tokens."))
    token = PREFIXES[kind] + secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        row = ApiToken.objects.create(
            kind=kind,
            name=(name or "").strip()[:100] or "API token",
            person=by,
            scopes=scopes,
            digest=digest(token),
            hint=token[:HINT_LENGTH],
            created_at=now,
            expires_at=now + timedelta(days=days) if days else None,
        )
        audit.record(
            by,
            "api.token_created",
            obj=row,
            detail={"token": row.name, "kind": kind, "scopes": scopes},
        )
    return row, token


def do_revoke_token(*, by: Person | None, token: ApiToken) -> bool:
    """Revoke a token (once: a second revoke changes nothing). The next request that
    carries it gets 401."""
    with transaction.atomic():
        revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=by
        )
        if revoked:
            audit.record(by, "api.token_revoked", obj=token, detail={"token": token.name})
    return bool(revoked)


def authenticate(token: str | None) -> ApiToken | None:
    """The live token for a bearer token, with its person, or None: unknown, revoked,
    expired, a person no longer active, or a service token whose admin no longer is one.
    One query (and, at most once a minute, one update of "last used")."""
    token = (token or "").strip()
    if not token.startswith(tuple(PREFIXES.values())) or len(token) > 200:
        return None
    wanted = digest(token)
    row = (
        ApiToken.objects.select_related("person")
        .filter(digest=wanted, revoked_at__isnull=True)
        .first()
    )
    if row is None or not hmac.compare_digest(row.digest, wanted) or row.is_expired:
        return None
    if not row.person.is_active:
        return None
    if row.kind == ApiToken.Kind.SERVICE and not row.person.is_people_admin:
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=row.pk, last_used_at=row.last_used_at).update(last_used_at=now)
        row.last_used_at = now
    return row
