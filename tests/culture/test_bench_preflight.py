"""bench/preflight.py: what `make bench` installs, refuses or starts before it measures.
No timing here: the decisions, with the machine (which programs exist, who we are, apt-get)
faked, and the private Redis started for real."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bench import preflight
from bench.pages import live_room_shape
from tests.faults.procs import port_open

EVERYTHING = {"wrk": "/usr/bin/wrk", "redis-server": "/usr/bin/redis-server"}


class Machine:
    """Programs on PATH, apt-get that installs them (or fails to), and a record of commands."""

    def __init__(self, programs: dict, *, root: bool, apt_works: bool = True):
        self.programs = dict(programs)
        self.chromium = self.programs.pop("chromium", None)
        self.root = root
        self.apt_works = apt_works
        self.commands: list[list[str]] = []

    def which(self, name):
        if name == "apt-get":
            return "/usr/bin/apt-get"
        return self.programs.get(name)

    def exists(self, path):
        return path == self.chromium

    def euid(self):
        return 0 if self.root else 1000

    def run(self, args, **kwargs):
        self.commands.append(list(args))
        if self.apt_works and args[:2] == ["apt-get", "install"]:
            for package in args[2:]:
                if package == "chromium":
                    self.chromium = preflight.DEFAULT_CHROMIUM
                elif not package.startswith("-"):
                    self.programs[package] = f"/usr/bin/{package}"
        return subprocess.CompletedProcess(args, 0)

    def ensure(self, redis_url=""):
        return preflight.ensure_tools(
            redis_url=redis_url,
            which=self.which,
            exists=self.exists,
            euid=self.euid,
            run=self.run,
            say=lambda message: None,
        )


def test_a_machine_with_everything_goes_on_and_installs_nothing():
    machine = Machine({**EVERYTHING, "chromium": preflight.DEFAULT_CHROMIUM}, root=True)
    machine.ensure()
    assert machine.commands == []


def test_without_wrk_a_user_is_stopped_at_once_with_the_one_command_that_installs_it():
    machine = Machine({"redis-server": "/x", "chromium": preflight.DEFAULT_CHROMIUM}, root=False)
    with pytest.raises(SystemExit) as stopped:
        machine.ensure()
    assert "sudo apt-get install -y wrk" in str(stopped.value.code)
    assert machine.commands == []  # nothing tried, nothing measured


def test_the_stop_is_exit_status_1_with_the_command_on_stderr():
    code = (
        "from bench import preflight; preflight.ensure_tools(redis_url='', "
        "which=lambda name: None, exists=lambda path: False, euid=lambda: 1000)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 1
    assert "sudo apt-get install -y wrk chromium redis-server" in result.stderr


def test_as_root_the_missing_programs_are_installed_with_apt_get_and_the_run_goes_on():
    machine = Machine({"redis-server": "/x"}, root=True)  # no wrk, no Chromium
    machine.ensure()
    assert machine.commands == [
        ["apt-get", "update", "-q"],
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", "wrk", "chromium"],
    ]
    assert machine.which("wrk")


def test_as_root_when_apt_get_cannot_install_the_run_still_stops_with_the_command():
    machine = Machine({**EVERYTHING, "chromium": preflight.DEFAULT_CHROMIUM}, root=True)
    del machine.programs["wrk"]
    machine.apt_works = False
    with pytest.raises(SystemExit) as stopped:
        machine.ensure()
    assert "sudo apt-get install -y wrk" in str(stopped.value.code)


def test_redis_server_is_needed_only_when_redis_url_is_unset():
    machine = Machine({"wrk": "/x", "chromium": preflight.DEFAULT_CHROMIUM}, root=False)
    machine.ensure(redis_url="redis://127.0.0.1:6379/6")  # goes on: that Redis is used
    with pytest.raises(SystemExit) as stopped:
        machine.ensure(redis_url="")
    assert "install -y redis-server" in str(stopped.value.code)


def test_chromium_is_looked_for_where_chromium_says():
    assert preflight.chromium_path({}) == "/usr/bin/chromium"
    assert preflight.chromium_path({"CHROMIUM": "/opt/chrome"}) == "/opt/chrome"


def test_with_redis_url_set_the_bench_uses_it_and_starts_nothing():
    def start():
        raise AssertionError("no private Redis when REDIS_URL is set")

    environ = {"REDIS_URL": "redis://127.0.0.1:6379/6"}
    assert preflight.redis_for_bench(environ, start=start) == ("REDIS_URL", None)
    assert environ == {"REDIS_URL": "redis://127.0.0.1:6379/6"}


def test_without_redis_url_the_bench_runs_its_own_redis_and_stops_it():
    import shutil

    import redis

    if not shutil.which("redis-server"):
        from tests.conftest import require_service

        require_service("redis-server", "not installed (apt-get install redis-server)")
    environ: dict = {}
    description, private = preflight.redis_for_bench(environ)
    try:
        assert environ["REDIS_URL"] == private.url == f"redis://127.0.0.1:{private.port}/0"
        assert "private redis-server" in description
        assert redis.Redis.from_url(environ["REDIS_URL"]).ping()
    finally:
        private.stop()
    assert not port_open(private.port)


def test_the_live_room_is_on_two_processes_only_with_redis_between_them():
    assert live_room_shape("redis://127.0.0.1:6379/0") == {
        "processes": 2,
        "fan_out": "Redis pub/sub",
    }
    # Two processes without Redis measured each process's clients catching up at the 10 s
    # heartbeat: a shape nobody deploys. Without Redis, one process, and the result says so.
    alone = live_room_shape("")
    assert alone["processes"] == 1
    assert "no Redis" in alone["fan_out"]
