"""Live-update fan-out: "something changed in channel X" events, with no content.

    live.publish("circle:42", version=17)       # sync, from an on_commit hook; never raises
    async with live.subscribe("circle:42") as sub:
        event = await sub.get(timeout=15)       # {"channel": ..., "version": ...} or None

Messages never carry content: each browser re-renders its own view from the database
through the access gate, so nobody can receive what they may not see. (The one addition, a
circle's "N of M have written" for an item written, is what every viewer's page shows; the
stream decides per viewer whether to send it: feedback.views.stream.changed_data.)

- With settings.REDIS_URL: publish goes to Redis pub/sub; every process runs one listener
  task (one Redis connection, a pattern subscription) that fans out to its local queues.
- Without it (the embedded single-process `make run`): an in-process broadcaster.
- Redis down: publishing falls back to local delivery and never fails the request; streams
  are told to close (`available()` is False) so browsers fall back to polling.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import threading
from collections import defaultdict

from django.conf import settings

log = logging.getLogger(__name__)

PREFIX = "culture:live:"


@functools.cache
def _channel_prefix(url: str) -> str:
    """Redis pub/sub ignores the database number, so the channel names carry it: two sites
    (or test runs) on one Redis server with their own databases never hear each other."""
    from redis.connection import parse_url

    return f"{PREFIX}{parse_url(url).get('db', 0)}:"


CLOSED = {"closed": True}
QUEUE_SIZE = 16


class _Hub:
    def __init__(self):
        self._lock = threading.Lock()
        self._subs: dict[str, set] = defaultdict(set)
        self._listeners: dict[asyncio.AbstractEventLoop, asyncio.Task] = {}
        self._connected: dict[asyncio.AbstractEventLoop, asyncio.Event] = {}
        self._sync_client = None

    # --- fan-out inside this process --------------------------------------------------
    def dispatch_local(self, channel: str, payload: dict) -> None:
        with self._lock:
            targets = list(self._subs.get(channel, ()))
        for sub in targets:
            sub.deliver(payload)

    def _close_all(self, loop) -> None:
        with self._lock:
            targets = [s for subs in self._subs.values() for s in subs if s.loop is loop]
        for sub in targets:
            sub.deliver(CLOSED)

    def add(self, sub) -> None:
        with self._lock:
            self._subs[sub.channel].add(sub)

    def remove(self, sub) -> None:
        with self._lock:
            subs = self._subs.get(sub.channel)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._subs[sub.channel]

    def subscriber_count(self) -> int:
        with self._lock:
            return sum(len(s) for s in self._subs.values())

    # --- Redis ---------------------------------------------------------------------------
    def _redis(self):
        if self._sync_client is None:
            import redis

            self._sync_client = redis.Redis.from_url(
                settings.REDIS_URL, socket_timeout=0.5, socket_connect_timeout=0.5
            )
        return self._sync_client

    def publish(self, channel: str, payload: dict) -> None:
        if not getattr(settings, "REDIS_URL", ""):
            self.dispatch_local(channel, payload)
            return
        try:
            self._redis().publish(
                _channel_prefix(settings.REDIS_URL) + channel, json.dumps(payload)
            )
        except Exception as exc:  # noqa: BLE001 - publishing must never fail a request
            log.warning("live: Redis publish failed (%s); local delivery only", exc)
            self.dispatch_local(channel, payload)

    def ensure_listener(self) -> asyncio.Event:
        loop = asyncio.get_running_loop()
        with self._lock:
            for old in [lp for lp in self._listeners if lp.is_closed()]:
                self._listeners.pop(old, None)
                self._connected.pop(old, None)
            if loop not in self._listeners or self._listeners[loop].done():
                self._connected[loop] = asyncio.Event()
                self._listeners[loop] = loop.create_task(self._listen(loop))
            return self._connected[loop]

    async def _listen(self, loop) -> None:
        import redis.asyncio as aredis

        connected = self._connected[loop]
        prefix = _channel_prefix(settings.REDIS_URL)
        delay = 0.5
        while True:
            client = aredis.Redis.from_url(
                settings.REDIS_URL, socket_connect_timeout=1, health_check_interval=10
            )
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.psubscribe(prefix + "*")
                connected.set()
                delay = 0.5
                while True:
                    message = await pubsub.get_message(timeout=30)
                    if message is None:
                        await pubsub.ping()
                        continue
                    if message.get("type") != "pmessage":
                        continue
                    channel = message["channel"]
                    if isinstance(channel, bytes):
                        channel = channel.decode()
                    try:
                        payload = json.loads(message["data"])
                    except (TypeError, ValueError):
                        continue
                    self.dispatch_local(channel.removeprefix(prefix), payload)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - reconnect on any Redis failure
                if connected.is_set():
                    log.warning("live: Redis listener lost (%s); streams fall back", exc)
                connected.clear()
                self._close_all(loop)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5)
            finally:
                try:
                    await pubsub.aclose()
                    await client.aclose()
                except Exception:  # noqa: BLE001, S110
                    pass


_hub = _Hub()


class Subscription:
    def __init__(self, channel: str):
        self.channel = channel
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue = asyncio.Queue(maxsize=QUEUE_SIZE)

    def deliver(self, payload: dict) -> None:
        def put():
            if self.queue.full():
                # Events only say "changed": the latest one is all a client needs.
                self.queue.get_nowait()
            self.queue.put_nowait(payload)

        with contextlib.suppress(RuntimeError):  # loop closed
            self.loop.call_soon_threadsafe(put)

    async def get(self, timeout: float) -> dict | None:
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return None

    async def __aenter__(self):
        _hub.add(self)
        return self

    async def __aexit__(self, *exc):
        _hub.remove(self)


def publish(channel: str, **data) -> None:
    """Tell every subscriber of `channel` (in every process) that it changed. Never raises."""
    try:
        _hub.publish(channel, {"channel": channel, **data})
    except Exception:  # noqa: BLE001
        log.exception("live: publish failed")


def subscribe(channel: str) -> Subscription:
    return Subscription(channel)


async def available(wait: float = 3.0) -> bool:
    """True when events will reach this process: always without Redis; with Redis, once
    this process's listener is connected (waits up to `wait` seconds for it)."""
    if not getattr(settings, "REDIS_URL", ""):
        return True
    connected = _hub.ensure_listener()
    if connected.is_set():
        return True
    try:
        await asyncio.wait_for(connected.wait(), wait)
    except TimeoutError:
        return False
    return True


def subscriber_count() -> int:
    return _hub.subscriber_count()
