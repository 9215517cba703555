"""Health endpoints, public and exempt from the HTTPS redirect (culture/settings.py).

    /livez   the process answers: 200, touches nothing (a liveness probe: restart when it fails)
    /readyz  the database answers: 200, else 503 (a readiness probe: send traffic or not)
    /healthz the full status for monitoring: database, Redis and the beat heartbeat, 503 when
             any is wrong

A load balancer or orchestrator must probe /readyz, never /healthz: a stale beat or a Redis
outage turns /healthz 503 while every web process still serves pages (live streams fall back
to polling without Redis), and taking them all out of rotation for it would be an outage.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from culture.models import Heartbeat

BEAT_STALE_AFTER = timedelta(minutes=5)


def _check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True}
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": type(exc).__name__}


def _check_redis() -> dict:
    if not settings.REDIS_URL:
        return {"ok": True, "mode": "embedded stand-in (no REDIS_URL)"}
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
        )
        client.ping()
        return {"ok": True, "mode": "redis"}
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "mode": "redis", "error": type(exc).__name__}


def beat_status(max_age: timedelta = BEAT_STALE_AFTER) -> dict:
    """The beat heartbeat (beat -> broker -> worker -> database, each minute) and its age.
    Also what `manage.py beat_alive` checks, with its own --max-age."""
    last = Heartbeat.objects.last_at("beat")
    if last is None:
        return {"ok": False, "last": None, "error": "no heartbeat yet"}
    age = timezone.now() - last
    return {"ok": age <= max_age, "last": last.isoformat(), "age_seconds": int(age.total_seconds())}


def _check_beat(db_ok: bool) -> dict:
    if not db_ok:
        return {"ok": False, "error": "database unavailable"}
    return beat_status()


@login_not_required
@require_GET
@never_cache
def livez(request: HttpRequest) -> HttpResponse:
    """The process answers. No database, no Redis: only a process that cannot serve at all
    (hung, out of threads) fails this, and restarting it is the cure."""
    return JsonResponse({"ok": True})


@login_not_required
@require_GET
@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    """The database answers: this process can serve pages. 503 otherwise."""
    database = _check_database()
    return JsonResponse(
        {"ok": database["ok"], "database": database}, status=200 if database["ok"] else 503
    )


@login_not_required
@require_GET
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """JSON status of the database, Redis (or its stand-in) and the Celery beat heartbeat."""
    database = _check_database()
    checks = {"database": database, "redis": _check_redis(), "beat": _check_beat(database["ok"])}
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse({"ok": healthy, **checks}, status=200 if healthy else 503)
