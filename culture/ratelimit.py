"""Rate limits on what sends mail or answers without a login.

    ratelimit.check(request, "password_reset", to=[email])

takes one place in each limit that applies: per client address (`<action>.ip`, the address
`culture.middleware.client_ip` gives the audit log and the lock-out), per logged-in person
(`<action>.user`) and per person on the receiving end (`<action>.to`, one place for each
person). If any of them is full, nothing is taken and `Limited` is raised; `RateLimitMiddleware`
answers it with 429 and `Retry-After` (templates/429.html: the page, or its fragment for htmx).
Call it after the form is valid and before the service, so that a refused request changes
nothing and sends nothing.

The limits, "N/period" (`30/10m`, `3/h`), are `settings.RATE_LIMITS`, with why each is what it is;
an action without an entry for a dimension is not limited on it, and "off" turns one off.

How: a limit of N per period is N slots, cache keys that each live `period` seconds from the
moment they are taken, holding the time they expire. `cache.add` takes one atomically (SET NX
on Redis), so at most N requests pass in any `period`, sliding: "3 an hour" is never 6 across a
window's edge, as fixed windows (a counter per period: cache.add + cache.incr) allow. A check
is one `get_many` for all the request's limits and one `add` for each; the earliest expiry says
when to try again. Counts live in the default cache: Redis in production, shared by every
process; the file cache on one machine, whose `add` is not atomic across processes (two
requests in the same instant may both take the last slot).

Why not django-ratelimit: its windows are fixed (the edge above); it refuses the file cache
with a system-check error and warns on Django's own Redis backend, which
`check --deploy --fail-level WARNING` turns into a failure (tests/culture/test_deploy.py); and
several targets per request, `Retry-After` and the 429 page would be written around it anyway.

IPv6 clients are counted per /64, the block one subscriber usually gets. A cache that does not
answer lets the request through (logged): a Redis outage must not stop people logging in
(tests/faults); the lock-out, in the database, still holds. A hung Redis answers nothing for
its socket timeout (1 s), so after a failure this process stops asking for CACHE_RETRY
seconds: one request pays the timeout, not every one.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from culture.middleware import _HybridMiddleware, client_ip

log = logging.getLogger(__name__)

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE = re.compile(r"^(\d+)/(\d*)([smhd])$")
# Each slot is a key: a limit is fetched whole on every check, so keep N modest.
MAX_COUNT = 1000
DIMENSIONS = ("ip", "user", "to")
# After the cache fails, requests pass unchecked for this long before it is asked again.
CACHE_RETRY = 30.0
_cache_down_until = 0.0


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def parse(text: str) -> Rate | None:
    """Parse a limit: "30/10m" is Rate(30, 600); "off" is None."""
    text = str(text).strip().replace(" ", "")
    if text == "off":
        return None
    match = RATE.match(text)
    if not match:
        raise ImproperlyConfigured(f"rate limit {text!r}: write N/period, e.g. 30/10m or 3/h")
    count, number, unit = match.groups()
    rate = Rate(int(count), int(number or 1) * UNITS[unit])
    if not 1 <= rate.count <= MAX_COUNT or rate.seconds < 1:
        raise ImproperlyConfigured(f"rate limit {text!r}: N must be 1 to {MAX_COUNT}")
    return rate


def rate_for(action: str, dimension: str) -> Rate | None:
    text = settings.RATE_LIMITS.get(f"{action}.{dimension}")
    return None if text is None else parse(text)


class Limited(Exception):
    """A request over a limit. `retry_after`: seconds until it would pass."""

    def __init__(self, action: str, dimension: str, retry_after: int):
        super().__init__(f"{action}.{dimension}: try again in {retry_after} s")
        self.action = action
        self.dimension = dimension
        self.retry_after = retry_after


def _address(ip: str | None) -> str | None:
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _target(target) -> str:
    """A person (or their id) by id; an email address by a hash of it, so that addresses
    typed into the reset form (existing or not) are not kept in the cache."""
    pk = getattr(target, "pk", target)
    if isinstance(pk, int):
        return f"p{pk}"
    email = str(target).strip().lower()
    return "e" + hashlib.sha256(email.encode()).hexdigest()[:32]


def _limits(request, action: str, to: Iterable) -> list[tuple[str, str, Rate]]:
    """(dimension, key stem, rate) for every limit the request falls under."""
    identities: list[tuple[str, str]] = []
    address = _address(client_ip(request))
    if address:
        identities.append(("ip", address))
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        identities.append(("user", str(user.pk)))
    identities += [("to", t) for t in dict.fromkeys(_target(t) for t in to)]
    out = []
    rates = {d: rate_for(action, d) for d in DIMENSIONS}
    for dimension, identity in identities:
        rate = rates[dimension]
        if rate is not None:
            stem = f"{settings.RATE_LIMIT_PREFIX}:{action}.{dimension}:{identity}"
            out.append((dimension, stem, rate))
    return out


def _slots(stem: str, rate: Rate) -> list[str]:
    return [f"{stem}:{i}" for i in range(rate.count)]


def _wait(held: Iterable[float], now: float) -> int:
    return max(1, math.ceil(min(held, default=now + 1) - now))


def check(request, action: str, *, to: Iterable = ()) -> None:
    """Count this request under `action`: raise Limited (taking nothing) if any limit it
    falls under is full, else take one place in each."""
    global _cache_down_until
    if time.monotonic() < _cache_down_until:
        return
    limits = _limits(request, action, to)
    if not limits:
        return
    try:
        keys = [key for _, stem, rate in limits for key in _slots(stem, rate)]
        held = cache.get_many(keys)
        now = time.time()
        free: list[tuple[str, Rate, list[str]]] = []
        for dimension, stem, rate in limits:
            slots = _slots(stem, rate)
            taken = [held[k] for k in slots if held.get(k, 0) > now]
            if len(taken) >= rate.count:
                raise Limited(action, dimension, _wait(taken, now))
            free.append((dimension, rate, [k for k in slots if held.get(k, 0) <= now]))
        for dimension, rate, candidates in free:
            # Another request may take a free slot between the read and here: try the next.
            if not any(cache.add(k, now + rate.seconds, timeout=rate.seconds) for k in candidates):
                stem = candidates[0].rsplit(":", 1)[0]
                values = cache.get_many(_slots(stem, rate)).values()
                raise Limited(action, dimension, _wait(values, time.time()))
    except Limited:
        raise
    except Exception:  # the cache is down: let the request through
        _cache_down_until = time.monotonic() + CACHE_RETRY
        log.warning(
            "rate limits not checked for %d s: the cache did not answer (%s)",
            CACHE_RETRY,
            action,
            exc_info=True,
        )


def reset() -> None:
    """Forget every count (the tests do, before each test), and that the cache failed. On
    Redis only the rate-limit keys go, not the rest of the database (the Celery queue shares
    it); on other caches, the whole cache."""
    global _cache_down_until
    _cache_down_until = 0.0
    backend = str(settings.CACHES["default"]["BACKEND"])
    if backend.endswith("RedisCache"):
        # RedisCache's client; django-stubs types `cache` as any BaseCache.
        client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
        pattern = cache.make_key(f"{settings.RATE_LIMIT_PREFIX}:*")
        keys = list(client.scan_iter(match=pattern, count=1000))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


class RateLimitMiddleware(_HybridMiddleware):
    """Answers `Limited`, from any view, with 429: the page in the product's layout, or for
    htmx its fragment, swapped into the page's alert region (whatever the form targeted)."""

    def process_exception(self, request, exception):
        if isinstance(exception, Limited):
            return refused(request, exception)
        return None


def refused(request, limited: Limited):
    from datetime import timedelta

    from django.shortcuts import render
    from django.utils import timezone

    htmx = bool(getattr(request, "htmx", False))
    context = {
        "action": limited.action,
        "dimension": limited.dimension,
        "retry_after": limited.retry_after,
        "minutes": math.ceil(limited.retry_after / 60),
        "retry_at": timezone.now() + timedelta(seconds=limited.retry_after),
    }
    response = render(request, "429.html#refused" if htmx else "429.html", context, status=429)
    response["Retry-After"] = str(limited.retry_after)
    if htmx:
        response["HX-Retarget"] = "#alerts"
        response["HX-Reswap"] = "innerHTML"
        response["HX-Reselect"] = "#refused"
        response["HX-Push-Url"] = "false"  # the address bar stays where the person is
    return response
