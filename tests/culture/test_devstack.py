"""The embedded PostgreSQL that `make run` and `make test` use when DATABASE_URL is unset."""

import shutil
import sys
import tempfile
from pathlib import Path

import dj_database_url
import psycopg
import pytest

from culture import devstack


@pytest.fixture
def scratch_var():
    # Not under tmp_path: Postgres runs as another system user when we are root, and every
    # pytest run (anyone's) resets /tmp/pytest-of-<user> to 0700, cutting that user off.
    folder = Path(tempfile.mkdtemp(prefix="culture-devstack-test-"))
    try:
        yield folder / "var"
    finally:
        devstack.stop_postgres(folder / "var")  # never leave a server behind
        shutil.rmtree(folder, ignore_errors=True)


def test_embedded_postgres_starts_under_var_dir_keeps_its_data_and_stops(scratch_var):
    first = devstack.start_postgres(scratch_var)
    assert first.started_here
    assert first.pgdata == scratch_var / "pgdata"
    assert (scratch_var / "pgdata" / "PG_VERSION").exists()

    # The URL it exports is an ordinary loopback host:port URL that the settings
    # (dj-database-url), psycopg and tests that rebuild it from HOST/PORT all accept.
    parsed = dj_database_url.parse(first.url)
    assert parsed["NAME"] == "culture"
    assert parsed["HOST"] == "127.0.0.1"
    assert parsed["PORT"] == first.port
    with psycopg.connect(
        host=parsed["HOST"], port=parsed["PORT"], user="postgres", dbname=parsed["NAME"]
    ) as conn:
        conn.execute("CREATE TABLE kept (value text)")
        conn.execute("INSERT INTO kept VALUES ('still here')")

    # A second start while it runs attaches to it instead of starting another server.
    assert not devstack.start_postgres(scratch_var).started_here

    assert devstack.stop_postgres(scratch_var)
    assert not devstack.postgres_running(scratch_var)

    second = devstack.start_postgres(scratch_var)
    assert second.started_here
    assert second.port == first.port  # the same URL on every run
    with psycopg.connect(second.url) as conn:
        assert conn.execute("SELECT value FROM kept").fetchone() == ("still here",)
    assert devstack.stop_postgres(scratch_var)
    assert not devstack.stop_postgres(scratch_var)


def test_a_second_make_run_on_the_same_var_dir_is_refused(tmp_path):
    # One `make run` per var/ folder, so there is never a second Celery beat.
    with (
        devstack._single_instance(tmp_path),
        pytest.raises(SystemExit, match="already running"),
        devstack._single_instance(tmp_path),
    ):
        pass
    with devstack._single_instance(tmp_path):  # free again once the first one ended
        pass


def test_a_command_run_on_the_embedded_database_stops_the_server_it_started(
    scratch_var, monkeypatch, capfd
):
    # `make test` gives pytest its own VAR_DIR (var/test); the server in var/pgdata must
    # still be the one that is stopped afterwards.
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("VAR_DIR", str(scratch_var))
    show_env = "import os; print(os.environ['DATABASE_URL'], os.environ['VAR_DIR'])"
    code = devstack._with_database(
        [sys.executable, "-c", show_env], extra_env={"VAR_DIR": str(scratch_var / "test")}
    )
    assert code == 0
    database_url, child_var = capfd.readouterr().out.split()
    parsed = dj_database_url.parse(database_url)
    assert (parsed["HOST"], parsed["NAME"]) == ("127.0.0.1", "culture")
    assert child_var == str(scratch_var / "test")
    assert not devstack.postgres_running(scratch_var)
