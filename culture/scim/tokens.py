"""SCIM bearer tokens: made by people admins (the Provisioning page, or `manage.py scim_token`),
shown once, kept as a SHA-256 digest, revoked on the same page; and the per-token rate limit.

A token is 32 random bytes (256 bits) behind a recognisable prefix. With that much entropy a
slow password hash buys nothing: nobody can search their way back from the digest, so the
lookup is one indexed query on the digest, and the digest found is compared again in
constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone

from culture import audit
from culture.models import Person, ScimToken

log = logging.getLogger(__name__)

PREFIX = "culture_scim_"
HINT_LENGTH = len(PREFIX) + 3
# "Last used" is written at most this often per token: a first sync sends thousands of
# requests a minute, each would otherwise update the token's row.
LAST_USED_EVERY = timedelta(minutes=1)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def do_create_token(*, by: Person | None, name: str) -> tuple[ScimToken, str]:
    """Make a token; returns the row and the token itself, which is never shown again."""
    token = new_token()
    with transaction.atomic():
        row = ScimToken.objects.create(
            name=name.strip()[:100], digest=digest(token), hint=token[:HINT_LENGTH], created_by=by
        )
        audit.record(by, "scim.token_created", obj=row, detail={"token": row.name})
    return row, token


def do_revoke_token(*, by: Person | None, token: ScimToken) -> bool:
    """Revoke a token (once: a second revoke changes nothing). The next request that
    carries it gets 401."""
    with transaction.atomic():
        revoked = ScimToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=by
        )
        if revoked:
            audit.record(by, "scim.token_revoked", obj=token, detail={"token": token.name})
    return bool(revoked)


_LIVE_TOKEN = """
SELECT id, name, digest, last_used_at FROM culture_scimtoken
WHERE digest = %s AND revoked_at IS NULL
"""


def authenticate(header: str | None) -> ScimToken | None:
    """The live token an `Authorization: Bearer ...` header carries, or None."""
    scheme, _, token = (header or "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.startswith(PREFIX) or len(token) > 200:
        return None
    wanted = digest(token)
    # One short statement on every SCIM request: the ORM's query building cost SCIM
    # provisioning its target (bench/README.md item 33).
    with connection.cursor() as cursor:
        cursor.execute(_LIVE_TOKEN, [wanted])
        found = cursor.fetchone()
    if found is None or not hmac.compare_digest(found[2], wanted):
        return None
    row = ScimToken(pk=found[0], name=found[1], digest=found[2], last_used_at=found[3])
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_EVERY:
        # Conditional, so that concurrent requests write it once.
        ScimToken.objects.filter(pk=row.pk, last_used_at=row.last_used_at).update(last_used_at=now)
        row.last_used_at = now
    return row


# --- Rate limit -----------------------------------------------------------------------------

_RATE = re.compile(r"^(\d+)/(\d*)([smh])$")
_UNITS = {"s": 1, "m": 60, "h": 3600}


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def parse_rate(text: str) -> Rate | None:
    """ "12000/m" -> 12,000 requests a minute; "off" -> no limit."""
    text = str(text).strip().replace(" ", "")
    if text == "off":
        return None
    match = _RATE.match(text)
    if not match or int(match.group(1)) < 1:
        raise ImproperlyConfigured(f"SCIM_RATE_LIMIT {text!r}: write N/period, e.g. 12000/m")
    return Rate(int(match.group(1)), int(match.group(2) or 1) * _UNITS[match.group(3)])


class RateLimited(Exception):
    def __init__(self, retry_after: int):
        super().__init__(f"try again in {retry_after} s")
        self.retry_after = retry_after


_clients: dict[int, object] = {}


def _redis_client():
    """The default cache's Redis client when it is Redis, kept for the process: Django
    makes a new client object (on the same connection pool) on every call, which cost more
    than the INCR. Redis clients are safe to share between threads."""
    backend = getattr(cache, "_cache", None)
    if backend is None or not hasattr(backend, "get_client"):
        return None
    if id(backend) not in _clients:
        _clients[id(backend)] = backend.get_client(write=True)
    return _clients[id(backend)]


def _count(key: str, timeout: int) -> int:
    """Add one to the counter `key` (made with `timeout` when missing); its new value. On
    Redis one round trip (INCR; EXPIRE once, for the window's first request); Django's
    cache.incr would ask whether the key exists first."""
    client = _redis_client()
    if client is not None:
        full_key = cache.make_and_validate_key(key)
        count = int(client.incr(full_key))
        if count == 1:  # the window's first request: the counter goes with the window
            client.expire(full_key, timeout)
        return count
    # The first request of a window makes its counter; the others count on it.
    return 1 if cache.add(key, 1, timeout=timeout) else cache.incr(key)


def check_rate(token: ScimToken) -> None:
    """Count one request for `token` against settings.SCIM_RATE_LIMIT; raise RateLimited
    when its window is full.

    A fixed window per token: one counter in the cache (Redis in production, shared by every
    process), one INCR a request. culture.ratelimit's sliding windows keep one cache key per
    request allowed, which suits a few requests an hour to a login form, not the thousands a
    minute of a first sync. A cache that does not answer lets the request through (logged):
    the token was checked in the database, and provisioning must not stop with Redis."""
    rate = parse_rate(settings.SCIM_RATE_LIMIT)
    if rate is None:
        return
    window = int(time.time()) // rate.seconds
    key = f"scim-rate:{token.digest[:16]}:{window}"
    try:
        count = _count(key, rate.seconds + 1)
    except Exception:
        log.warning("SCIM rate limit not checked: the cache did not answer", exc_info=True)
        return
    if count > rate.count:
        raise RateLimited(max(1, (window + 1) * rate.seconds - int(time.time())))
