"""/healthz: the load balancer's and the operator's view of the database, Redis and beat."""

from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from culture.models import Heartbeat

CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"


def beat_ticked(ago: timedelta) -> None:
    Heartbeat.objects.update_or_create(name="beat", defaults={"at": timezone.now() - ago})


@pytest.fixture
def anonymous():
    return Client()


def test_healthz_is_200_with_database_redis_and_a_fresh_beat_heartbeat(db, redis_url, anonymous):
    beat_ticked(timedelta(seconds=30))
    with override_settings(REDIS_URL=redis_url):
        response = anonymous.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["ok"] is True
    assert body["database"] == {"ok": True}
    assert body["redis"] == {"ok": True, "mode": "redis"}
    assert body["beat"]["ok"] is True
    assert 25 <= body["beat"]["age_seconds"] <= 60
    assert body["beat"]["last"]
    assert "no-cache" in response["Cache-Control"]


def test_healthz_reports_the_embedded_stand_in_when_redis_url_is_unset(db, anonymous):
    beat_ticked(timedelta(seconds=5))
    with override_settings(REDIS_URL=""):
        response = anonymous.get("/healthz")
    assert response.status_code == 200
    assert response.json()["redis"]["mode"].startswith("embedded")


def test_healthz_is_503_when_the_beat_heartbeat_is_stale(db, anonymous):
    beat_ticked(timedelta(minutes=6))
    with override_settings(REDIS_URL=""):
        response = anonymous.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["ok"] is False
    assert body["beat"]["ok"] is False
    assert body["beat"]["age_seconds"] >= 360
    assert body["database"]["ok"] is True


def test_healthz_is_503_when_beat_has_never_ticked(db, anonymous):
    with override_settings(REDIS_URL=""):
        response = anonymous.get("/healthz")
    assert response.status_code == 503
    assert response.json()["beat"] == {"ok": False, "last": None, "error": "no heartbeat yet"}


def test_healthz_is_503_when_redis_is_unreachable(db, anonymous):
    beat_ticked(timedelta(seconds=5))
    with override_settings(REDIS_URL=CLOSED_PORT_REDIS):
        response = anonymous.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["ok"] is False
    assert body["redis"]["ok"] is False
    assert body["redis"]["error"]
    assert body["beat"]["ok"] is True


def test_healthz_needs_no_login_and_is_not_redirected_to_https(db):
    beat_ticked(timedelta(seconds=5))
    # A load balancer probes over plain http: the HTTPS redirect exempts /healthz.
    with override_settings(REDIS_URL="", SECURE_SSL_REDIRECT=True):
        response = Client().get("/healthz")
        assert response.status_code == 200
        assert Client().get("/").status_code == 301


def test_healthz_answers_get_only(db, anonymous):
    assert anonymous.post("/healthz").status_code == 405
