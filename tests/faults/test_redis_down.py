"""Redis down (a private redis-server, killed): ordinary pages still load, people can still
log in (the cache is on that Redis), the live room sends browsers to polling and posting
still works; when Redis comes back, live push across processes resumes by itself.

tests/feedback/test_live.py covers a Redis that was never there for the room; this covers
login and pages with the Redis cache dead, and the return of Redis under running processes.
"""

from __future__ import annotations

import re
import time

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.faults import procs
from tests.feedback.servers import RawClient, StreamReader, session_cookie_for, uvicorn_server
from tests.feedback.test_live import _setup, _start_through

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("faults")]

PAGES = ["/", "/people/", "/feedback/", "/keeper/", "/decisions/", "/pay/", "/notifications/"]


def _log_in(base, email):
    client = RawClient(base, None)
    status, html = client.get("/login/")
    assert status == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    status, _ = client.request(
        "POST",
        "/login/",
        body=f"username={email}&password={PASSWORD}&csrfmiddlewaretoken={token}",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 302, "login failed with Redis down"
    return client


def test_with_redis_down_people_log_in_pages_load_and_the_room_polls_then_push_resumes():
    world, circle = _setup()
    redis_ = procs.PrivateRedis().start()
    stream_path = reverse("feedback:stream", args=[circle.pk])
    try:
        with (
            uvicorn_server(redis_url=redis_.url) as web1,
            uvicorn_server(redis_url=redis_.url) as web2,
        ):
            watcher = RawClient(web2, session_cookie_for(world.peer))
            # A fresh process opens streams once its Redis listener is connected.
            live = procs.wait_until(
                lambda: _stream_if_open(watcher, stream_path), 20, what="stream available"
            )
            live.wait_for(lambda e: e[1] == "changed")

            redis_.stop()
            # The open stream tells the browser to poll.
            live.wait_for(lambda e: e[1] == "fallback", timeout=10)
            live.close()

            employee = _log_in(web1, world.employee.email)
            for path in PAGES:
                started = time.monotonic()
                status, _ = employee.get(path)
                assert status == 200, f"{path}: {status} with Redis down"
                assert time.monotonic() - started < 5, f"{path} was slow with Redis down"
            # The room: streams send browsers to polling, posting works, polling shows it.
            polling = StreamReader(watcher, stream_path)
            assert polling.status == 200
            polling.wait_for(lambda e: e[1:] == ("fallback", "poll"))
            polling.close()
            _start_through(web1, world, circle)
            status, html = watcher.get(reverse("feedback:room_state", args=[circle.pk]))
            assert status == 200 and "Writing for Mia Manager" in html

            # Redis is back: no restart of anything, and push works across the processes.
            redis_.start()
            resumed = procs.wait_until(
                lambda: _stream_if_open(watcher, stream_path), 20, what="stream available again"
            )
            try:
                first = resumed.wait_for(lambda e: e[1] == "changed")
                writer = RawClient(web1, session_cookie_for(world.manager))
                writer.get(reverse("feedback:room", args=[circle.pk]))
                status, _ = writer.post(
                    reverse("feedback:step", args=[circle.pk]),
                    {"action": "extend", "minutes": 2, "expect": _expect(circle)},
                )
                assert status in (200, 302)
                resumed.wait_for(lambda e: e[1] == "changed" and int(e[2]) > int(first[2]), 10)
            finally:
                resumed.close()
    finally:
        redis_.stop()


def _stream_if_open(client, path):
    """A stream that is live (its first event a change), else None: one opened while the
    process's Redis listener is not connected sends the browser to polling instead."""
    stream = StreamReader(client, path)
    if stream.status == 200:
        first = stream.wait_for(lambda e: e[1] in ("changed", "fallback"))
        if first[1] == "changed":
            return stream
    stream.close()
    return None


def _expect(circle):
    circle.refresh_from_db()
    return f"{circle.phase}:{circle.current_position}"
