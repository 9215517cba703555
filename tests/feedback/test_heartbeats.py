"""feedback.views.stream.Heartbeats: the heartbeats of one process's streams share one trip
to the database (touch_presence and one SELECT of their circles), each stream getting
its own circle's version and phase; so do the arrivals and departures of the moment."""

from __future__ import annotations

import asyncio

import pytest

from feedback.views.stream import Heartbeats


class Flush:
    """A stand-in for the pooled database trip: records each round's viewers."""

    def __init__(self, fail: bool = False):
        self.rounds: list[list[tuple[int, int]]] = []
        self.gone: list[list[tuple[int, int]]] = []
        self.fail = fail

    async def __call__(self, viewers, gone):
        self.rounds.append(sorted(viewers))
        self.gone.append(sorted(gone))
        if self.fail:
            raise ConnectionError("the database is down")
        return {circle: (10 + circle, "writing") for circle, _person in viewers if circle != 3}


class Sub:
    """A stand-in for a stream's subscription: what was delivered to it."""

    def __init__(self):
        self.delivered: list[dict] = []

    def deliver(self, payload):
        self.delivered.append(payload)


async def _asked(beats, *asks):
    subs = [Sub() for _ in asks]
    for sub, (circle_id, person) in zip(subs, asks, strict=True):
        beats.ask(circle_id, person, sub)
    await asyncio.sleep(beats.gather_seconds + 0.05)
    return [sub.delivered for sub in subs]


def _stream_of(circle, person):
    """The events of `person`'s stream of `circle`, as the view hands them over."""
    from feedback.views.stream import _events

    return _events(
        circle_id=circle.pk, channel=circle.channel, version=circle.version, viewer_id=person.pk
    )


def test_the_beats_of_a_moment_share_one_round_and_each_stream_hears_its_circle():
    flush = Flush()

    async def run():
        beats = Heartbeats(flush, gather_seconds=0.05)
        first = await _asked(beats, (1, 100), (1, 101), (2, 200), (1, 100))
        later = await _asked(beats, (3, 300))  # the next round; its circle is gone
        return first, later

    first, later = asyncio.run(run())
    row1, row2 = {"heartbeat": (11, "writing")}, {"heartbeat": (12, "writing")}
    assert first == [[row1], [row1], [row2], [row1]]  # two tabs of one viewer: both hear
    assert later == [[{"heartbeat": None}]]
    assert flush.rounds == [[(1, 100), (1, 101), (2, 200)], [(3, 300)]]


def test_a_failed_round_sends_its_streams_to_polling_and_the_next_round_starts_afresh():
    flush = Flush(fail=True)

    async def run():
        beats = Heartbeats(flush, gather_seconds=0.05)
        failed = await _asked(beats, (1, 100), (2, 200))
        flush.fail = False
        return failed, await _asked(beats, (1, 100))

    failed, then = asyncio.run(run())
    assert failed == [[{"heartbeat_failed": True}], [{"heartbeat_failed": True}]]
    assert then == [[{"heartbeat": (11, "writing")}]]
    assert len(flush.rounds) == 2


def test_departures_share_the_round_with_the_beats_and_need_no_stream_to_hear():
    flush = Flush()

    async def run():
        beats = Heartbeats(flush, gather_seconds=0.05)
        beats.leave(1, 100)  # a round of departures alone: written, nobody to tell
        await asyncio.sleep(0.1)
        beats.leave(2, 200)
        return await _asked(beats, (1, 101))

    heard = asyncio.run(run())
    assert flush.rounds == [[], [(1, 101)]]
    assert flush.gone == [[(1, 100)], [(2, 200)]]
    assert heard == [[{"heartbeat": (11, "writing")}]]


@pytest.mark.django_db
def test_a_stream_arrives_in_a_round_and_leaves_in_one(world, monkeypatch, settings):
    """Opening a stream writes its viewer here, and closing it writes them gone, both in
    the process's rounds; the stream's first event waits for the arrival's round."""
    from feedback.views import stream as stream_module
    from tests.feedback.factories import make_circle

    circle = make_circle(facilitator=world.manager, people=[world.employee, world.manager])

    class Bumped(Flush):
        async def __call__(self, viewers, gone):
            await super().__call__(viewers, gone)
            return {circle.pk: (circle.version + 1, "lobby")}  # the arrival bumped it

    flush = Bumped()
    settings.REDIS_URL = ""
    monkeypatch.setattr(stream_module, "_heartbeats", Heartbeats(flush, 0.01))

    async def run():
        events = _stream_of(circle, world.employee)
        first = await asyncio.wait_for(anext(events), 5)
        rounds = list(flush.rounds)
        await asyncio.wait_for(events.aclose(), 5)
        await asyncio.sleep(0.1)  # the departure's round
        return first, rounds

    first, before_first = asyncio.run(run())
    # The arrival was written before the first event, which has the version after it.
    assert before_first == [[(circle.pk, world.employee.pk)]]
    assert first.startswith("retry: ")
    assert first.endswith(f"event: changed\ndata: {circle.version + 1}\n\n")
    seat = (circle.pk, world.employee.pk)
    assert flush.rounds == [[seat], []]
    assert flush.gone == [[], [seat]]


@pytest.mark.django_db
def test_a_stream_hears_the_rooms_events_while_its_heartbeat_round_is_out(
    world, monkeypatch, settings
):
    """The stream asks for its beat and goes on reading: an event published meanwhile is
    sent at once, not after the round."""
    from feedback.views import stream as stream_module
    from tests.feedback.factories import make_circle

    circle = make_circle(facilitator=world.manager, people=[world.employee, world.manager])
    rounds = []

    async def slow_flush(viewers, gone):
        rounds.append(viewers)
        await asyncio.sleep(1.5)
        return {circle.pk: (circle.version, "lobby")}

    settings.REDIS_URL = ""  # the in-process fan-out
    monkeypatch.setattr(stream_module, "HEARTBEAT_SECONDS", 0.2)
    monkeypatch.setattr(stream_module, "_heartbeats", Heartbeats(slow_flush, 0.01))

    async def run():
        events = _stream_of(circle, world.employee)
        assert "event: changed" in await asyncio.wait_for(anext(events), 5)
        got = asyncio.ensure_future(anext(events))
        async with asyncio.timeout(5):
            while len(rounds) < 2:  # after the arrival's round, the first heartbeat's
                await asyncio.sleep(0.05)
        live.publish(circle.channel, version=circle.version + 100)
        text = await asyncio.wait_for(got, 1.0)  # well before the round's 1.5 s
        await asyncio.wait_for(events.aclose(), 5)
        return text

    from culture import live

    assert asyncio.run(run()) == f"event: changed\ndata: {circle.version + 100}\n\n"


@pytest.mark.django_db
def test_the_pooled_round_writes_presence_and_reads_each_circles_version(world):
    """The real flush (_beat_many), on the database."""
    from django.utils import timezone

    from feedback.models import Circle, Participant
    from feedback.views.stream import _beat_many
    from tests.feedback.factories import make_circle

    circle = make_circle(facilitator=world.manager, people=[world.employee, world.manager])
    rows = _beat_many([(circle.pk, world.employee.pk), (circle.pk + 999, world.peer.pk)])
    circle.refresh_from_db()
    assert rows == {circle.pk: (circle.version, Circle.Phase.LOBBY)}
    seat = Participant.objects.get(circle=circle, person=world.employee)
    assert seat.last_seen and seat.last_seen <= timezone.now()
