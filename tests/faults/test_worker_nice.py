"""A worker's pool processes run at settings.WORKER_NICE (culture/celery.py), so that on a
machine that also serves pages a keeper cycle's emails take the CPU the pages leave. A
real prefork worker; the niceness is read from the kernel."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.faults import procs

pytestmark = [pytest.mark.celery, pytest.mark.xdist_group("faults")]


def _children(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in children.read_text().split()] if children.exists() else []


def test_a_workers_pool_processes_yield_the_cpu_and_its_main_process_does_not(redis_url, tmp_path):
    nice = 7
    base = os.getpriority(os.PRIO_PROCESS, 0)
    env = procs.worker_env(redis_url=redis_url, mail_dir=tmp_path, WORKER_NICE=nice)
    process = procs.celery(
        [
            "worker",
            "--pool=prefork",
            "--concurrency=2",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"nice{nice}@%h",
        ],
        env,
    )
    try:

        def pool() -> list[int] | None:
            pids = _children(process.pid)
            levels = [os.getpriority(os.PRIO_PROCESS, pid) for pid in pids]
            # Each pool process sets its niceness as it starts (worker_process_init).
            return levels if len(pids) == 2 and set(levels) == {min(base + nice, 19)} else None

        assert procs.wait_until(pool, timeout=60, what=f"two pool processes at nice {nice}")
        assert os.getpriority(os.PRIO_PROCESS, process.pid) == base
    finally:
        procs.stop(process)
