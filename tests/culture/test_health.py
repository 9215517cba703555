"""Health: /livez (the process answers), /readyz (the database answers), /healthz (the
operator's view of the database, Redis and beat), and `manage.py beat_alive`."""

import subprocess
import sys
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.utils import timezone

from culture.models import Heartbeat
from tests.feedback.servers import ROOT, free_port, uvicorn_server

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


# --- /livez and /readyz: what an orchestrator probes -----------------------------------------


def test_livez_is_200_without_touching_the_database_or_logging_in():
    # No `db` fixture: pytest-django refuses any query here, so a 200 proves it made none.
    with override_settings(REDIS_URL=CLOSED_PORT_REDIS):
        response = Client().get("/livez")
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_is_200_with_one_query_when_the_database_answers(
    db, anonymous, django_assert_num_queries
):
    with django_assert_num_queries(1):
        response = anonymous.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "database": {"ok": True}}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_stays_200_when_redis_is_down_and_beat_is_stale_while_healthz_is_503(db, anonymous):
    # Taking every web process out of the load balancer for these would be an outage: pages
    # still work without Redis (streams fall back to polling) and without beat.
    beat_ticked(timedelta(hours=2))
    with override_settings(REDIS_URL=CLOSED_PORT_REDIS):
        assert anonymous.get("/readyz").status_code == 200
        assert anonymous.get("/livez").status_code == 200
        assert anonymous.get("/healthz").status_code == 503


def test_probes_are_not_redirected_to_https_and_answer_get_only(db, anonymous):
    with override_settings(REDIS_URL="", SECURE_SSL_REDIRECT=True):
        assert anonymous.get("/livez").status_code == 200
        assert anonymous.get("/readyz").status_code == 200
    assert anonymous.post("/livez").status_code == 405
    assert anonymous.post("/readyz").status_code == 405


def test_a_real_web_process_whose_database_is_unreachable_is_live_but_not_ready():
    """uvicorn as production runs it, pointed at a port where no PostgreSQL listens."""
    import http.client

    unreachable = f"postgres://postgres@127.0.0.1:{free_port()}/culture"
    with uvicorn_server(extra_env={"DATABASE_URL": unreachable}) as base:
        port = int(base.rsplit(":", 1)[1])

        def get(path):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
            conn.request("GET", path, headers={"Host": "127.0.0.1"})
            response = conn.getresponse()
            body = response.read().decode()
            conn.close()
            return response.status, body

        assert get("/livez") == (200, '{"ok": true}')
        status, body = get("/readyz")
        assert status == 503 and '"database": {"ok": false' in body
        assert get("/healthz")[0] == 503


# --- manage.py beat_alive: the beat container's health check ---------------------------------


def test_beat_alive_passes_with_a_fresh_heartbeat(db, capsys):
    beat_ticked(timedelta(seconds=40))
    call_command("beat_alive", "--max-age", "180")
    assert "beat alive: last heartbeat 4" in capsys.readouterr().out


def test_beat_alive_fails_when_the_heartbeat_is_older_than_max_age(db):
    beat_ticked(timedelta(seconds=200))
    with pytest.raises(CommandError, match=r"20\d s old \(more than 180 s\)"):
        call_command("beat_alive", "--max-age", "180")
    call_command("beat_alive", "--max-age", "300")  # the same heartbeat, a longer allowance


def test_beat_alive_fails_when_beat_has_never_ticked(db):
    with pytest.raises(CommandError, match="not ticked yet"):
        call_command("beat_alive")


def test_beat_alive_exits_1_when_the_database_is_unreachable(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "culture.settings",
        "SECRET_KEY": "beat-alive-test",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{free_port()}/culture",
        "VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "beat_alive", "--max-age", "180"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "beat heartbeat unreadable: OperationalError" in result.stderr
