"""The live fan-out against real uvicorn processes: Redis across two processes, the
in-process broadcaster without Redis, and Redis down (requests still work, streams refuse
so browsers poll)."""

import re
import time

import pytest
from django.urls import reverse

from feedback.models import Circle
from tests.conftest import build_world, make_person
from tests.feedback.factories import make_circle
from tests.feedback.servers import (
    RawClient,
    StreamReader,
    server_threads,
    session_cookie_for,
    uvicorn_server,
)

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
            # The event carries no content: only a version number (a step is not an item).
            assert all(e[2].isdigit() for e in stream.events)
            # ...and the fragment the browser then fetches, through the gate, shows the round.
            status, html = watcher.get(reverse("feedback:room_state", args=[circle.pk]))
            assert status == 200 and "Writing for Mia Manager" in html
        finally:
            stream.close()
    circle.refresh_from_db()
    assert circle.phase == Circle.Phase.WRITING


def _version(e) -> int:
    return int(e[2].split(" ")[0])


def test_an_item_event_gives_other_viewers_the_rooms_count_and_no_one_who_wrote(redis_url):
    world, circle = _setup()  # Mia (facilitator) is in the centre; Eli, Pat and Fay write
    fay = circle.participants.get(person__name="Fay Fourth").person
    url = reverse("feedback:stream", args=[circle.pk])
    people = {"mia": world.manager, "eli": world.employee, "pat": world.peer, "fay": fay}
    with uvicorn_server(redis_url=redis_url) as web:
        clients = {k: RawClient(web, session_cookie_for(p)) for k, p in people.items()}
        for client in clients.values():  # a page first, as a browser: the CSRF token
            client.get(reverse("feedback:room", args=[circle.pk]))
        streams = {k: StreamReader(c, url) for k, c in clients.items()}
        try:
            for stream in streams.values():
                stream.wait_for(lambda e: e[1] == "changed")
            _start_through(web, world, circle)
            started = Circle.objects.get(pk=circle.pk).version
            for stream in streams.values():
                stream.wait_for(lambda e: e[1] == "changed" and _version(e) >= started)

            def write(who, text):
                status, html = clients[who].post(
                    reverse("feedback:write_item", args=[circle.pk]),
                    {"kind": "start", "text": text},
                    headers={"HX-Request": "true"},
                )
                assert status == 200, html
                return Circle.objects.get(pk=circle.pk).version

            def data_for(who, version):
                return streams[who].wait_for(
                    lambda e: e[1] == "changed" and _version(e) == version
                )[2]

            v = write("eli", "Start sharing plans earlier")
            # Pat and Fay: the count they see, in the event; the author and the facilitator
            # (who sees who has not written) only the version, and they re-fetch.
            assert data_for("pat", v) == f"{v} 1/3"
            assert data_for("fay", v) == f"{v} 1/3"
            assert data_for("eli", v) == str(v)
            assert data_for("mia", v) == str(v)
            # The count is the one the fragment shows at that version.
            status, html = clients["pat"].get(reverse("feedback:room_state", args=[circle.pk]))
            assert f'data-version="{v}"' in html and "<strong>1 of 3</strong>" in html

            # Eli writes again (still one writer); Fay leaves; Pat writes: 2 of the 2 left.
            v = write("eli", "Stop answering for us")
            assert data_for("pat", v) == f"{v} 1/3"
            status, _ = clients["fay"].post(reverse("feedback:leave", args=[circle.pk]), {})
            assert status == 302
            left = Circle.objects.get(pk=circle.pk).version
            assert data_for("pat", left) == str(left)  # not an item: everyone re-fetches
            v = write("pat", "Continue the Friday demos")
            assert data_for("eli", v) == f"{v} 2/2"
            status, html = clients["eli"].get(reverse("feedback:room_state", args=[circle.pk]))
            assert f'data-version="{v}"' in html and "<strong>2 of 2</strong>" in html
            # Nothing else ever: a version, or a version and the count.
            for stream in streams.values():
                assert all(re.fullmatch(r"\d+( \d+/\d+)?", e[2]) for e in stream.events)
        finally:
            for stream in streams.values():
                stream.close()


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
        assert stream.status == 200
        stream.wait_for(lambda e: e[1:] == ("fallback", "poll"))  # the browser polls
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


def test_each_stream_tells_its_browser_its_own_reconnect_delay_within_the_documented_range():
    """A deploy drops every stream at once; each browser waits its own `retry:` before it
    reconnects, so they do not all come back in the same second."""
    from feedback.views.stream import RETRY_MAX_MS, RETRY_MIN_MS

    world, circle = _setup()
    viewers = [world.employee, world.peer, world.manager] * 3
    path = reverse("feedback:stream", args=[circle.pk])
    with uvicorn_server(redis_url="") as web:
        streams = [StreamReader(RawClient(web, session_cookie_for(p)), path) for p in viewers]
        try:
            retries = []
            for stream in streams:
                assert stream.status == 200
                stream.wait_for(lambda e: e[1] == "changed")
                lines = [line for line in stream.raw if line.startswith("retry:")]
                assert len(lines) == 1, stream.raw  # sent once, before the first event
                retries.append(int(lines[0].removeprefix("retry:").strip()))
        finally:
            for stream in streams:
                stream.close()
    assert all(RETRY_MIN_MS <= ms <= RETRY_MAX_MS for ms in retries), retries
    # Nine draws from 5,001 values: all equal by chance about once in 10^30 runs.
    assert len(set(retries)) > 1, retries


def test_an_open_stream_holds_no_thread_of_its_own():
    """A stream is hours of waiting: it holds a web thread only while it opens (the gate),
    and its events are sent by the event loop. Ten streams open (and heard their first
    event) leave the process with about the threads it had."""
    world, circle = _setup()
    viewers = [world.employee, world.peer, world.manager] * 3 + [world.employee]
    path = reverse("feedback:stream", args=[circle.pk])
    with uvicorn_server(redis_url="") as web:
        first = StreamReader(RawClient(web, session_cookie_for(world.peer)), path)
        streams = [first]
        try:
            first.wait_for(lambda e: e[1] == "changed")  # the process's first stream: warm
            before = server_threads(web)
            for person in viewers:
                stream = StreamReader(RawClient(web, session_cookie_for(person)), path)
                streams.append(stream)
                assert stream.status == 200
                stream.wait_for(lambda e: e[1] == "changed")
            deadline = time.monotonic() + 10
            while (grown := server_threads(web) - before) >= len(viewers) // 2:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            assert grown < len(viewers) // 2, (before, grown)
            # ...and the streams still hear what happens in the room.
            version = int(first.wait_for(lambda e: e[1] == "changed")[2])
            _start_through(web, world, circle)
            for stream in streams:
                stream.wait_for(lambda e: e[1] == "changed" and _version(e) > version)
        finally:
            for stream in streams:
                stream.close()


def test_the_reconnect_delays_spread_over_the_whole_range():
    from feedback.views import stream

    delays = [stream.retry_ms() for _ in range(2000)]
    assert min(delays) >= stream.RETRY_MIN_MS and max(delays) <= stream.RETRY_MAX_MS
    spread = stream.RETRY_MAX_MS - stream.RETRY_MIN_MS
    # Uniform: each fifth of the range gets about 400 of the 2,000 (never below 250 in practice).
    fifths = [0] * 5
    for ms in delays:
        fifths[min(4, (ms - stream.RETRY_MIN_MS) * 5 // spread)] += 1
    assert all(n > 250 for n in fifths), fifths
    assert spread >= 4000  # at least four seconds between the first and the last browser
