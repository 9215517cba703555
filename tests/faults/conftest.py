"""The fault tests start, stop and time real processes (Celery workers and beats, uvicorn,
private Redis and PostgreSQL servers). Under pytest-xdist (`make test`) they share one
xdist_group, so `--dist loadgroup` runs them one after another in one worker, while the
other worker runs the rest of the suite: two of them at once would each start several
processes on a 2-core machine and measure each other's start-up instead of the fault."""

from pathlib import Path

import pytest

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.xdist_group("faults"))
