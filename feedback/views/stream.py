"""The room's live stream (server-sent events): who may listen, and what each viewer hears."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, StreamingHttpResponse
from django.http.response import HttpResponseBase

from culture import live
from feedback import access
from feedback.models import Circle
from feedback.services import circle as circle_services

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 10
# How long a process gathers its streams' heartbeats before writing them together
# (Heartbeats): a beat is this much later, and hundreds of streams share one trip.
BEAT_GATHER_SECONDS = 0.2
# How long a browser waits before reconnecting a dropped stream (the `retry:` field, in ms),
# drawn afresh for each stream: a deploy or restart that drops every stream at once then sees
# the browsers come back spread over twenty seconds instead of all in the same one (5,000
# streams spread over five seconds ran two restarting web processes' connection pools dry:
# bench/README.md, "A hundred circles at once"). A browser that loses its network reconnects
# at once when it is back ("online" in feedback.js), and the room polls after 25 s without a
# stream (longer than this spread and a restart, so a deploy's browsers do not poll while
# they come back), so the wider spread only delays the live updates of a room cut by a restart.
RETRY_MIN_MS = 1000
RETRY_MAX_MS = 20000


def retry_ms() -> int:
    """A reconnect delay in [RETRY_MIN_MS, RETRY_MAX_MS], uniformly (not a secret)."""
    return random.randint(RETRY_MIN_MS, RETRY_MAX_MS)


def _same_origin(request: HttpRequest) -> bool:
    """EventSource requests from our own pages carry no Origin (same-origin GET) or our
    own; anything else (another site's page) is refused."""
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    if not origin:
        return True
    own = f"{request.scheme}://{request.get_host()}"
    return origin == own or origin in settings.CSRF_TRUSTED_ORIGINS


def _pooled[**P, T](fn: Callable[P, T]) -> Callable[P, Coroutine[Any, Any, T]]:
    """Run `fn` on the shared thread pool (a few threads and connections for all streams),
    refreshing the thread's connection as a request would."""

    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        close_old_connections()
        try:
            return fn(*args, **kwargs)
        finally:
            close_old_connections()

    return sync_to_async(run, thread_sensitive=False)


def _beat_many(
    viewers: list[tuple[int, int]], gone: Iterable[tuple[int, int]] = ()
) -> dict[int, tuple[int, str]]:
    """The database work of a round: each (circle id, person id) of `viewers` is here (still,
    or arriving), each of `gone` has left, and each viewer's circle's version and phase is
    read (to catch up on a lost event, or see the circle end)."""
    circle_services.touch_presence(viewers, gone)
    if not viewers:
        return {}
    circles = Circle.objects.filter(pk__in={circle_id for circle_id, _person in viewers})
    return {pk: (v, phase) for pk, v, phase in circles.values_list("pk", "version", "phase")}


type Rows = dict[int, tuple[int, str]]
type Flush = Callable[[list[tuple[int, int]], list[tuple[int, int]]], Coroutine[Any, Any, Rows]]


class Heartbeats:
    """The presence of one process's streams, written in rounds: a stream opening, beating
    (each HEARTBEAT_SECONDS: 5,000 streams make 500 beats a second) or closing is written
    down, and everything asked within `gather_seconds` of the first shares one trip to the
    pool (`flush`): one UPDATE for all who are still here, one for the arrivals, one for
    the departures, one bump for the circles they change, and one SELECT of the circles.
    After a deploy every stream comes back within seconds, each seat an arrival: one at a
    time, each was five statements and an event to its whole circle; in a round, a
    circle's arrivals are one bump and one event (bench/README.md, "Issue 26, fifth
    round"). A stream that asks gets the answer in its own subscription, as an event,
    so it goes on reading the room's events meanwhile: waiting for the round instead
    delayed one event in fifty by up to the whole round ("Issue 26, fourth round")."""

    def __init__(self, flush: Flush, gather_seconds: float):
        self.flush = flush
        self.gather_seconds = gather_seconds
        self._viewers: dict[tuple[int, int], None] | None = None
        self._gone: dict[tuple[int, int], None] = {}
        self._answer: list[tuple[Callable[[dict], None], int]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def ask(self, circle_id: int, person: int, sub: live.Subscription) -> None:
        """Write `person` down as here in the next round, then deliver to `sub`
        {"heartbeat": (version, phase)} of the circle (None when it is gone), or
        {"heartbeat_failed": True}."""
        self._join(circle_id, person, sub.deliver)

    async def arrive(self, circle_id: int, person: int) -> dict:
        """As `ask`, but the answer is returned: a stream opening waits for it, so that the
        room has been told before the stream's first event."""
        answered: asyncio.Future[dict] = asyncio.get_running_loop().create_future()

        def answer(payload: dict) -> None:
            if not answered.done():
                answered.set_result(payload)

        self._join(circle_id, person, answer)
        return await answered

    def _join(self, circle_id: int, person: int, tell: Callable[[dict], None]) -> None:
        self._current()[(circle_id, person)] = None
        self._answer.append((tell, circle_id))

    def leave(self, circle_id: int, person: int) -> None:
        """Write `person` down as gone in the next round (unless one of their streams asks
        in the same round). A process that stops before the round leaves it unwritten:
        presence then expires by itself within the window."""
        self._current()
        self._gone[(circle_id, person)] = None

    def _current(self) -> dict[tuple[int, int], None]:
        loop = asyncio.get_running_loop()
        if self._viewers is None or self._loop is not loop:
            self._viewers, self._gone, self._answer, self._loop = {}, {}, [], loop
            task = loop.create_task(self._round(self._viewers, self._gone, self._answer))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return self._viewers

    async def _round(
        self,
        viewers: dict[tuple[int, int], None],
        gone: dict[tuple[int, int], None],
        answer: list[tuple[Callable[[dict], None], int]],
    ) -> None:
        await asyncio.sleep(self.gather_seconds)
        if self._viewers is viewers:
            self._viewers = None  # what is asked from now on makes the next round
        try:
            rows = await self.flush(list(viewers), list(gone))
        except Exception:
            log.exception("A round of %d heartbeats failed", len(viewers) + len(gone))
            for tell, _circle_id in answer:
                tell({"heartbeat_failed": True})
            return
        for tell, circle_id in answer:
            tell({"heartbeat": rows.get(circle_id)})


# Made once for all streams (each idle stream would otherwise keep its own).
_heartbeats = Heartbeats(_pooled(_beat_many), gather_seconds=BEAT_GATHER_SECONDS)


def stream(request: HttpRequest, circle_id: int) -> HttpResponseBase:
    """One long-lived connection per browser. Events say only "changed, version V" (and,
    for an item written, the room's "N of M have written": `changed_data`); the browser
    then fetches its own fragment through the access gate.

    A sync view, like every other: the gate runs on a web thread through the middleware,
    and the events, an async iterator, are then sent by the event loop (culture.asgi), so
    an idle stream holds no thread and no database connection."""
    if request.method != "GET":
        return HttpResponse(status=405)
    if not _same_origin(request):
        return HttpResponseForbidden("Cross-origin stream requests are refused.")
    user = request.user
    if not user.is_authenticated or not user.is_active:
        return HttpResponseForbidden()
    circle = access.get_circle_for_user(user, circle_id)
    if circle.phase == Circle.Phase.ENDED:
        response = StreamingHttpResponse(
            _one(f"event: ended\ndata: {circle.version}\n\n"), content_type="text/event-stream"
        )
        response["Cache-Control"] = "no-store"
        return response
    # The stream gets ids and strings only: it is idle for hours, and keeps no request,
    # user or circle object meanwhile.
    events = _events(
        circle_id=circle.pk, channel=circle.channel, version=circle.version, viewer_id=user.pk
    )
    response = StreamingHttpResponse(events, content_type="text/event-stream")
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"
    return response


def changed_data(event: dict, viewer_id: int) -> str:
    """The data of a "changed" event for one viewer: "V", or "V N/M" when the change to V
    was only someone else writing an item in this round, so that a browser still at V-1
    updates "N of M have written" in place instead of re-fetching the room (which 20
    people would otherwise all do for every item). N and M are what every viewer's
    fragment shows anyway; who wrote never leaves the server. The author (their own items
    changed) and the facilitator (who sees who has not written) get "V" and re-fetch."""
    version = int(event.get("version") or 0)
    if "written" not in event or viewer_id in (event.get("author"), event.get("facilitator")):
        return str(version)
    return f"{version} {int(event['written'])}/{int(event['expected'])}"


async def _one(text: str) -> AsyncIterator[str]:
    yield text


async def _events(
    *, circle_id: int, channel: str, version: int, viewer_id: int
) -> AsyncIterator[str]:
    heartbeats = _heartbeats
    if not await live.available():
        # Redis is down: the browser polls instead (and retries the stream later).
        yield "event: fallback\ndata: poll\n\n"
        return
    async with live.subscribe(channel) as sub:
        try:
            # Arriving: the room is told (in this process's next round) before the first event.
            answer = await heartbeats.arrive(circle_id, viewer_id)
            if answer.get("heartbeat_failed"):
                yield "event: fallback\ndata: poll\n\n"
                return
            row = answer["heartbeat"]
            if row is None or row[1] == Circle.Phase.ENDED:
                yield "event: ended\ndata: 0\n\n"
                return
            last_sent = max(version, row[0])
            yield f"retry: {retry_ms()}\nevent: changed\ndata: {last_sent}\n\n"
            last_beat = time.monotonic()
            while True:
                event = await sub.get(timeout=HEARTBEAT_SECONDS)
                if event and (event.get("closed") or event.get("heartbeat_failed")):
                    yield "event: fallback\ndata: poll\n\n"
                    return
                if event and "heartbeat" in event:
                    row = event["heartbeat"]
                    if row is None or row[1] == Circle.Phase.ENDED:
                        yield "event: ended\ndata: 0\n\n"
                        return
                    if row[0] > last_sent:  # an event was lost: catch up from the database
                        last_sent = row[0]
                        yield f"event: changed\ndata: {row[0]}\n\n"
                    else:
                        yield ": ping\n\n"
                elif event:
                    changed = event.get("version") or 0
                    if changed > last_sent or changed == 0:
                        last_sent = max(last_sent, changed)
                        yield f"event: changed\ndata: {changed_data(event, viewer_id)}\n\n"
                if time.monotonic() - last_beat >= HEARTBEAT_SECONDS:
                    last_beat = time.monotonic()
                    heartbeats.ask(circle_id, viewer_id, sub)
        finally:
            # Presence expires by itself anyway; this makes "gone" show within a round.
            with contextlib.suppress(RuntimeError):  # no running loop: nothing to write with
                heartbeats.leave(circle_id, viewer_id)
