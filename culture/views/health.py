from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
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


def _check_beat(db_ok: bool) -> dict:
    if not db_ok:
        return {"ok": False, "error": "database unavailable"}
    beat = Heartbeat.objects.filter(name="beat").first()
    if beat is None:
        return {"ok": False, "last": None, "error": "no heartbeat yet"}
    age = timezone.now() - beat.at
    return {
        "ok": age <= BEAT_STALE_AFTER,
        "last": beat.at.isoformat(),
        "age_seconds": int(age.total_seconds()),
    }


@login_not_required
@require_GET
@never_cache
def healthz(request):
    """JSON status of the database, Redis (or its stand-in) and the Celery beat heartbeat."""
    database = _check_database()
    checks = {"database": database, "redis": _check_redis(), "beat": _check_beat(database["ok"])}
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse({"ok": healthy, **checks}, status=200 if healthy else 503)
