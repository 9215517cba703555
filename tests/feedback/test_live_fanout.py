"""culture/live.py on its own: in-process fan-out, Redis fan-out, Redis down."""

import asyncio
import threading

from culture import live


def run(coro):
    """asyncio.run in its own thread (Playwright's sync API may own this thread's loop)."""
    result = {}

    def target():
        try:
            result["value"] = asyncio.run(coro)
        except BaseException as exc:  # noqa: BLE001
            result["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


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
