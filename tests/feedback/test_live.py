"""The live fan-out against real uvicorn processes: Redis across two processes, the
in-process broadcaster without Redis, and Redis down (requests still work, streams refuse
so browsers poll)."""

import time

import pytest
from django.urls import reverse

from feedback.models import Circle
from tests.conftest import build_world, make_person
from tests.feedback.factories import make_circle
from tests.feedback.servers import RawClient, StreamReader, session_cookie_for, uvicorn_server

pytestmark = pytest.mark.django_db(transaction=True)


def _setup():
    world = build_world()
    extra = make_person(name="Fay Fourth", manager=world.manager)
    circle = make_circle(facilitator=world.manager, people=[world.employee, world.peer, extra])
    return world, circle


def _start_through(base, world, circle):
    facilitator = RawClient(base, session_cookie_for(world.manager))
    status, _ = facilitator.get(reverse("feedback:room", args=[circle.pk]))
    assert status == 200
    started = time.monotonic()
    status, _ = facilitator.post(
        reverse("feedback:step", args=[circle.pk]), {"action": "start", "expect": "lobby:-1"}
    )
    assert status == 302
    return started


def test_an_event_posted_through_one_process_reaches_a_client_of_another(redis_url):
    world, circle = _setup()
    with uvicorn_server(redis_url=redis_url) as web1, uvicorn_server(redis_url=redis_url) as web2:
        watcher = RawClient(web2, session_cookie_for(world.employee))
        stream = StreamReader(watcher, reverse("feedback:stream", args=[circle.pk]))
        try:
            assert stream.status == 200
            first = stream.wait_for(lambda e: e[1] == "changed")
            start_version = int(first[2])
            posted = _start_through(web1, world, circle)
            arrived = stream.wait_for(lambda e: e[1] == "changed" and int(e[2]) > start_version)
            assert arrived[0] - posted < 2.0
            # The event carries no content: only a version number.
            assert all(e[2].isdigit() for e in stream.events)
            # ...and the fragment the browser then fetches, through the gate, shows the round.
            status, html = watcher.get(reverse("feedback:room_state", args=[circle.pk]))
            assert status == 200 and "Writing for Mia Manager" in html
        finally:
            stream.close()
    circle.refresh_from_db()
    assert circle.phase == Circle.Phase.WRITING


def test_without_redis_one_process_fans_out_in_process():
    world, circle = _setup()
    with uvicorn_server(redis_url="") as web:
        watcher = RawClient(web, session_cookie_for(world.peer))
        stream = StreamReader(watcher, reverse("feedback:stream", args=[circle.pk]))
        try:
            first = stream.wait_for(lambda e: e[1] == "changed")
            _start_through(web, world, circle)
            stream.wait_for(lambda e: e[1] == "changed" and int(e[2]) > int(first[2]))
        finally:
            stream.close()


def test_with_redis_down_posts_still_work_and_the_stream_sends_browsers_to_polling():
    world, circle = _setup()
    with uvicorn_server(redis_url="redis://127.0.0.1:1/0") as web:
        watcher = RawClient(web, session_cookie_for(world.peer))
        stream = StreamReader(watcher, reverse("feedback:stream", args=[circle.pk]))
        assert stream.status == 503
        stream.close()
        _start_through(web, world, circle)  # publishing never fails the request
        status, html = watcher.get(reverse("feedback:room_state", args=[circle.pk]))
        assert status == 200 and "Writing for Mia Manager" in html


def test_the_stream_refuses_outsiders_foreign_origins_and_no_session_on_a_real_server(
    redis_url,
):
    world, circle = _setup()
    path = reverse("feedback:stream", args=[circle.pk])
    with uvicorn_server(redis_url=redis_url) as web:
        outsider = StreamReader(RawClient(web, session_cookie_for(world.outsider)), path)
        assert outsider.status == 404
        foreign = StreamReader(
            RawClient(web, session_cookie_for(world.employee)),
            path,
            headers={"Origin": "https://evil.example"},
        )
        assert foreign.status == 403
        anonymous = StreamReader(RawClient(web, None), path)
        assert anonymous.status == 302
        for s in (outsider, foreign, anonymous):
            s.close()
