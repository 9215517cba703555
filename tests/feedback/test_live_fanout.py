"""culture/live.py on its own: in-process fan-out, Redis fan-out, Redis down."""

import asyncio
import threading

from culture import live
from tests.conftest import run_in_thread as run


def _roundtrip(channel, publish_from_thread=True):
    async def scenario():
        async with live.subscribe(channel) as sub:
            assert await live.available()
            if publish_from_thread:
                await asyncio.to_thread(live.publish, channel, version=7)
            else:
                live.publish(channel, version=7)
            return await sub.get(timeout=3)

    return run(scenario())


def test_without_redis_a_publish_reaches_subscribers_in_this_process(settings):
    settings.REDIS_URL = ""
    assert _roundtrip("circle:901") == {"channel": "circle:901", "version": 7}


def test_other_channels_are_not_told(settings):
    settings.REDIS_URL = ""

    async def scenario():
        async with live.subscribe("circle:1") as sub:
            await asyncio.to_thread(live.publish, "circle:2", version=3)
            return await sub.get(timeout=0.3)

    assert run(scenario()) is None


def test_with_redis_a_publish_goes_through_redis(settings, redis_url):
    settings.REDIS_URL = redis_url
    live._hub._sync_client = None
    assert _roundtrip("circle:902") == {"channel": "circle:902", "version": 7}


def test_with_redis_events_of_another_redis_database_on_the_same_server_are_not_heard(
    settings, redis_url
):
    # Redis pub/sub ignores the database number: another site (or another engineer's test
    # run) using its own database on this server publishes on the same channel names.
    import redis
    from redis.connection import parse_url

    settings.REDIS_URL = redis_url
    live._hub._sync_client = None
    other_db = (parse_url(redis_url).get("db", 0) + 1) % 16
    other = redis_url.rsplit("/", 1)[0] + f"/{other_db}"
    neighbour = redis.Redis.from_url(other)

    async def scenario():
        async with live.subscribe("circle:905") as sub:
            assert await live.available()
            for name in ("culture:live:circle:905", f"culture:live:{other_db}:circle:905"):
                await asyncio.to_thread(neighbour.publish, name, '{"version": 99}')
            heard = await sub.get(timeout=0.5)
            await asyncio.to_thread(live.publish, "circle:905", version=8)
            return heard, await sub.get(timeout=3)

    try:
        assert run(scenario()) == (None, {"channel": "circle:905", "version": 8})
    finally:
        neighbour.close()


def test_with_redis_down_publishing_never_raises_and_streams_are_told_to_poll(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    live._hub._sync_client = None
    try:
        live.publish("circle:903", version=1)  # no exception

        async def scenario():
            return await live.available(wait=0.5)

        assert run(scenario()) is False
    finally:
        live._hub._sync_client = None


def test_a_slow_subscriber_keeps_only_the_latest_events(settings):
    settings.REDIS_URL = ""

    async def scenario():
        async with live.subscribe("circle:904") as sub:
            for v in range(1, 40):
                live.publish("circle:904", version=v)
            await asyncio.sleep(0.05)
            got = []
            while (event := await sub.get(timeout=0.05)) is not None:
                got.append(event["version"])
            return got

    got = run(scenario())
    assert len(got) == live.QUEUE_SIZE and got[-1] == 39


# --- with Redis, each process subscribes to its own streams' channels only ------------------


def _redis(redis_url):
    import redis

    return redis.Redis.from_url(redis_url)


def _numsub(redis_url, *channels) -> dict[str, int]:
    """How many Redis connections are subscribed to each channel (PUBSUB NUMSUB)."""
    prefix = live._channel_prefix(redis_url)
    client = _redis(redis_url)
    try:
        counts = client.pubsub_numsub(*(prefix + c for c in channels))
    finally:
        client.close()
    return {name.decode().removeprefix(prefix): n for name, n in counts}


def _kill_listener_connections(redis_url) -> int:
    """CLIENT KILL this process's listener connections (by their name: never anyone else's
    on the same server)."""
    import os

    client = _redis(redis_url)
    try:
        mine = [c for c in client.client_list() if c.get("name") == f"culture-live:{os.getpid()}"]
        for c in mine:
            client.client_kill_filter(_id=c["id"])
    finally:
        client.close()
    return len(mine)


def _in_thread(coro):
    """Start `coro` on its own loop in its own thread (a web process of its own: its own
    listener and Redis connection); returns a function that joins it and gives its result."""
    result = {}
    thread = threading.Thread(target=lambda: result.update(value=run(coro)))
    thread.start()

    def join():
        thread.join(timeout=30)
        assert not thread.is_alive()
        return result["value"]

    return join


def test_with_redis_a_process_receives_only_the_channels_its_streams_listen_to(settings, redis_url):
    settings.REDIS_URL = redis_url
    live._hub._sync_client = None
    both_listening = threading.Barrier(3)

    async def process(channel, expected):
        async with live.subscribe(channel) as sub:
            assert await live.available()
            await asyncio.to_thread(both_listening.wait)
            got = [await sub.get(timeout=3) for _ in range(expected)]
            listener = live._hub.listener()
            return [e and e["version"] for e in got], listener.received, listener.unheard

    first = _in_thread(process("circle:911", expected=1))
    second = _in_thread(process("circle:912", expected=3))
    both_listening.wait(timeout=10)
    assert _numsub(redis_url, "circle:911", "circle:912") == {"circle:911": 1, "circle:912": 1}
    # Redis delivers one connection's messages in the order they were published: by the
    # time the first process has circle 911's event, 912's three would have reached it.
    for version in (1, 2, 3):
        live.publish("circle:912", version=version)
    live.publish("circle:911", version=9)

    assert first() == ([9], 1, 0)
    assert second() == ([1, 2, 3], 3, 0)


def test_with_redis_an_event_published_once_subscribe_returns_is_never_missed(settings, redis_url):
    # The stream's order: available() first (the listener is connected), then subscribe to
    # a channel nobody listens to yet, then at once anything may be published to it.
    settings.REDIS_URL = redis_url
    live._hub._sync_client = None

    async def scenario():
        assert await live.available()
        got = []
        for n in range(20):
            async with live.subscribe(f"circle:92{n:02d}") as sub:
                live.publish(f"circle:92{n:02d}", version=n)
                got.append(await sub.get(timeout=3))
        return got

    assert run(scenario()) == [{"channel": f"circle:92{n:02d}", "version": n} for n in range(20)]


def test_with_redis_the_last_subscriber_leaving_unsubscribes_the_channel(settings, redis_url):
    from tests.faults.procs import wait_until

    settings.REDIS_URL = redis_url
    live._hub._sync_client = None

    def subscribed():
        return _numsub(redis_url, "circle:913")["circle:913"]

    async def scenario():
        assert await live.available()
        async with live.subscribe("circle:913"):
            async with live.subscribe("circle:913") as second:
                # One connection, one subscription, however many local streams.
                assert await asyncio.to_thread(subscribed) == 1
            assert await asyncio.to_thread(subscribed) == 1
            live.publish("circle:913", version=1)
            assert await second.get(timeout=0.3) is None  # it left: no longer told
        await asyncio.to_thread(wait_until, lambda: subscribed() == 0, 10, 0.05, "UNSUBSCRIBE")
        # This loop's listener: a live server of an earlier test in the same pytest process
        # may still hold its own streams' channels on another loop (live.stats() sums all).
        assert live._hub.listener().on_redis == set()
        # ...and a stream joining again subscribes again.
        async with live.subscribe("circle:913") as again:
            assert await asyncio.to_thread(subscribed) == 1
            live.publish("circle:913", version=2)
            return await again.get(timeout=3)

    assert run(scenario()) == {"channel": "circle:913", "version": 2}


def test_with_redis_a_dropped_connection_closes_streams_and_subscribes_again(settings, redis_url):
    settings.REDIS_URL = redis_url
    live._hub._sync_client = None

    async def scenario():
        async with live.subscribe("circle:914") as kept:
            assert await live.available()
            assert await asyncio.to_thread(_kill_listener_connections, redis_url) >= 1
            # Streams are told to fall back to polling...
            assert await kept.get(timeout=5) == live.CLOSED
            # ...a stream opened while the listener reconnects...
            async with live.subscribe("circle:915") as joined:
                # ...gets its events once available() says so, as does the one still open.
                assert await live.available(wait=10)
                numsub = await asyncio.to_thread(_numsub, redis_url, "circle:914", "circle:915")
                live.publish("circle:914", version=4)
                live.publish("circle:915", version=5)
                return numsub, await kept.get(timeout=3), await joined.get(timeout=3)

    assert run(scenario()) == (
        {"circle:914": 1, "circle:915": 1},
        {"channel": "circle:914", "version": 4},
        {"channel": "circle:915", "version": 5},
    )
