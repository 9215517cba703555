"""Live-update fan-out: "something changed in channel X" events, with no content.

    live.publish("circle:42", version=17)       # sync, from an on_commit hook; never raises
    async with live.subscribe("circle:42") as sub:
        event = await sub.get(timeout=15)       # {"channel": ..., "version": ...} or None

Messages never carry content: each browser re-renders its own view from the database
through the access gate, so nobody can receive what they may not see. (The one addition, a
circle's "N of M have written" for an item written, is what every viewer's page shows; the
stream decides per viewer whether to send it: feedback.views.stream.changed_data.)

- With settings.REDIS_URL: publish goes to Redis pub/sub. Every process (every event loop)
  runs one listener task on one Redis connection, SUBSCRIBEd to exactly the channels its
  own streams listen to: the first local subscriber of a channel subscribes it (entering
  `subscribe()` returns once Redis has acknowledged, so nothing published after that is
  missed), the last one to leave unsubscribes it. A process with no stream in a circle
  never receives that circle's events, so a hundred circles over several processes cost
  each process only its own.
- Without it (the embedded single-process `make run`): an in-process broadcaster.
- Redis down: publishing falls back to local delivery and never fails the request; streams
  are told to close (`available()` is False) so browsers fall back to polling. The
  listener reconnects by itself and subscribes again to every channel that still has a
  local subscriber before `available()` says True.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
import threading
from collections import Counter, defaultdict
from typing import Any

from django.conf import settings

log = logging.getLogger(__name__)

PREFIX = "culture:live:"
# How long entering `subscribe()` waits for Redis to acknowledge a new channel. Past it the
# stream goes on without (the listener is failing: it will close the stream, or subscribe
# again once reconnected, and the stream's heartbeat catches up from the database).
ACK_WAIT_SECONDS = 3.0
# An idle listener pings Redis this often, and reconnects if the previous ping had no answer.
IDLE_PING_SECONDS = 30


@functools.cache
def _channel_prefix(url: str) -> str:
    """Redis pub/sub ignores the database number, so the channel names carry it: two sites
    (or test runs) on one Redis server with their own databases never hear each other."""
    from redis.connection import parse_url

    return f"{PREFIX}{parse_url(url).get('db', 0)}:"


CLOSED = {"closed": True}
QUEUE_SIZE = 16


class _Listener:
    """One event loop's Redis connection and the channels it is subscribed to.

    Everything here runs on that loop (the hub's `add`/`remove` and the stream code are
    called from it), so its state needs no lock; `_commands` only keeps SUBSCRIBE and
    UNSUBSCRIBE in the order their decisions were made.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.connected = asyncio.Event()
        self.wanted: Counter[str] = Counter()  # channel -> local subscribers on this loop
        self.on_redis: set[str] = set()  # SUBSCRIBE sent (and no UNSUBSCRIBE since)
        self.unacked: Counter[str] = Counter()  # SUBSCRIBEs sent, acknowledgement not read
        self.acks: dict[str, asyncio.Future] = {}
        self.pubsub: Any = None  # redis.asyncio PubSub, while connected
        self._commands = asyncio.Lock()
        self._pending: set[asyncio.Task] = set()  # UNSUBSCRIBEs on their way
        # Read by live.stats() (the benchmark): messages received, and those for a channel
        # with no local subscriber at the time (only in the instant between the last one
        # leaving and Redis processing the UNSUBSCRIBE).
        self.received = 0
        self.unheard = 0
        self.task = loop.create_task(self._run())

    # --- the channels this loop's streams listen to ----------------------------------------
    async def acquire(self, channel: str) -> None:
        """Count a local subscriber of `channel`; for the first, subscribe on Redis and wait
        for the acknowledgement (up to ACK_WAIT_SECONDS)."""
        self.wanted[channel] += 1
        if self.pubsub is None:
            return  # (re)connecting: _run subscribes to all wanted channels before `connected`
        await self._sync(channel)
        if channel in self.on_redis and self.unacked[channel]:
            ack = self.acks.get(channel)
            if ack is None or ack.done():
                ack = self.acks[channel] = self.loop.create_future()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(ack), ACK_WAIT_SECONDS)

    def release(self, channel: str) -> None:
        self.wanted[channel] -= 1
        if self.wanted[channel] <= 0:
            del self.wanted[channel]
            if self.pubsub is not None and not self.loop.is_closed():
                task = self.loop.create_task(self._sync(channel))
                self._pending.add(task)
                task.add_done_callback(self._pending.discard)

    async def _sync(self, channel: str) -> None:
        """Bring Redis in line with whether `channel` has local subscribers now (decided
        under the lock, so a leave-then-join sends UNSUBSCRIBE then SUBSCRIBE, in order)."""
        async with self._commands:
            pubsub = self.pubsub
            if pubsub is None or pubsub.connection is None or not pubsub.connection.is_connected:
                return  # failing: _run starts again from `wanted`
            name = _channel_prefix(settings.REDIS_URL) + channel
            try:
                if self.wanted[channel] > 0 and channel not in self.on_redis:
                    self.on_redis.add(channel)
                    self.unacked[channel] += 1
                    await pubsub.subscribe(name)
                elif self.wanted[channel] <= 0 and channel in self.on_redis:
                    self.on_redis.discard(channel)
                    await pubsub.unsubscribe(name)
            except Exception as exc:  # noqa: BLE001 - the reading side sees it and reconnects
                log.debug("live: could not (un)subscribe %s (%s)", channel, exc)

    def _acknowledged(self, channel: str) -> None:
        if self.unacked[channel] > 0:
            self.unacked[channel] -= 1
        if self.unacked[channel] <= 0:
            self.unacked.pop(channel, None)
            ack = self.acks.pop(channel, None)
            if ack is not None and not ack.done():
                ack.set_result(None)
        if not self.connected.is_set() and not self.unacked:
            self.connected.set()

    # --- the connection ----------------------------------------------------------------------
    async def _run(self) -> None:
        import redis.asyncio as aredis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        prefix = _channel_prefix(settings.REDIS_URL)
        delay = 0.5
        while True:
            client = aredis.Redis.from_url(
                settings.REDIS_URL,
                socket_connect_timeout=1,
                # No background health check (it would read the socket while this task
                # does) and no silent retry: a lost connection must reach the except below.
                health_check_interval=0,
                retry=Retry(NoBackoff(), 0),
                client_name=f"culture-live:{os.getpid()}",
            )
            pubsub = client.pubsub()
            try:
                await pubsub.connect()
                self.pubsub = pubsub
                for channel in list(self.wanted):
                    await self._sync(channel)
                if not self.unacked:
                    self.connected.set()
                delay = 0.5
                pinged = False
                while True:
                    message = await pubsub.get_message(timeout=IDLE_PING_SECONDS)
                    if message is None:
                        if pinged:
                            raise ConnectionError("no answer to a ping")
                        await pubsub.ping()
                        pinged = True
                        continue
                    pinged = False
                    kind = message.get("type")
                    channel = message.get("channel")
                    if isinstance(channel, bytes):
                        channel = channel.decode()
                    if kind == "subscribe":
                        self._acknowledged(channel.removeprefix(prefix))
                    elif kind == "message":
                        self._received(channel.removeprefix(prefix), message["data"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - reconnect on any Redis failure
                if self.connected.is_set():
                    log.warning("live: Redis listener lost (%s); streams fall back", exc)
                self._lost()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5)
            finally:
                self.pubsub = None
                try:
                    await pubsub.aclose()
                    await client.aclose()
                except Exception:  # noqa: BLE001, S110
                    pass

    def _received(self, channel: str, data) -> None:
        self.received += 1
        if channel not in self.wanted:
            self.unheard += 1
            return
        try:
            payload = json.loads(data)
        except (TypeError, ValueError):
            return
        _hub.dispatch_local(channel, payload, loop=self.loop)

    def _lost(self) -> None:
        """The connection failed: nothing is subscribed any more; whoever waits for an
        acknowledgement stops waiting, and this loop's streams are told to close."""
        self.pubsub = None
        self.connected.clear()
        self.on_redis.clear()
        self.unacked.clear()
        for ack in self.acks.values():
            if not ack.done():
                ack.set_result(None)
        self.acks.clear()
        _hub.close_all(self.loop)


class _Hub:
    def __init__(self):
        self._lock = threading.Lock()
        self._subs: dict[str, set] = defaultdict(set)
        self._listeners: dict[asyncio.AbstractEventLoop, _Listener] = {}
        self._sync_client = None

    # --- fan-out inside this process --------------------------------------------------
    def dispatch_local(self, channel: str, payload: dict, loop=None) -> None:
        """Deliver to this process's subscribers of `channel` (those on `loop` only, when
        given: each loop's listener delivers what its own connection received)."""
        with self._lock:
            targets = [s for s in self._subs.get(channel, ()) if loop is None or s.loop is loop]
        for sub in targets:
            sub.deliver(payload)

    def close_all(self, loop) -> None:
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

    def listener(self) -> _Listener:
        """This loop's listener, started on first use (and again if it ever ended)."""
        loop = asyncio.get_running_loop()
        with self._lock:
            for old in [lp for lp in self._listeners if lp.is_closed()]:
                self._listeners.pop(old, None)
            current = self._listeners.get(loop)
            if current is None or current.task.done():
                current = self._listeners[loop] = _Listener(loop)
            return current

    def stats(self) -> dict:
        with self._lock:
            listeners = [lst for lp, lst in self._listeners.items() if not lp.is_closed()]
        return {
            "channels": sum(len(lst.on_redis) for lst in listeners),
            "received": sum(lst.received for lst in listeners),
            "unheard": sum(lst.unheard for lst in listeners),
        }


_hub = _Hub()


class Subscription:
    """One stream's subscription: the events delivered and not yet read (the latest
    QUEUE_SIZE), and the future its reader waits on. Not an asyncio.Queue: thousands of
    streams sit idle in `get()`, and a queue's deques and event cost several times what
    this list and one future do."""

    def __init__(self, channel: str):
        self.channel = channel
        self.loop = asyncio.get_running_loop()
        self._events: list[dict] = []
        self._waiter: asyncio.Future | None = None
        self._listener: _Listener | None = None

    def deliver(self, payload: dict) -> None:
        def put():
            if len(self._events) >= QUEUE_SIZE:
                # Events only say "changed": the latest one is all a client needs.
                del self._events[0]
            self._events.append(payload)
            if self._waiter is not None and not self._waiter.done():
                self._waiter.set_result(None)

        with contextlib.suppress(RuntimeError):  # loop closed
            self.loop.call_soon_threadsafe(put)

    async def get(self, timeout: float) -> dict | None:
        """The oldest event not yet read, waiting up to `timeout` seconds for one."""
        if not self._events:
            self._waiter = self.loop.create_future()
            try:
                async with asyncio.timeout(timeout):
                    await self._waiter
            except TimeoutError:
                pass
            finally:
                self._waiter = None
        return self._events.pop(0) if self._events else None

    async def __aenter__(self):
        _hub.add(self)
        if getattr(settings, "REDIS_URL", ""):
            self._listener = _hub.listener()
            try:
                await self._listener.acquire(self.channel)
            except BaseException:
                self._listener.release(self.channel)
                _hub.remove(self)
                raise
        return self

    async def __aexit__(self, *exc):
        _hub.remove(self)
        if self._listener is not None:
            self._listener.release(self.channel)


def publish(channel: str, **data) -> None:
    """Tell every subscriber of `channel` (in every process) that it changed. Never raises."""
    try:
        _hub.publish(channel, {"channel": channel, **data})
    except Exception:  # noqa: BLE001
        log.exception("live: publish failed")


def subscribe(channel: str) -> Subscription:
    """Listen to `channel`; entering it returns once events published from then on will
    reach this subscription (with Redis: once Redis acknowledged the channel's SUBSCRIBE,
    or at once when this process already listens to it)."""
    return Subscription(channel)


async def available(wait: float = 3.0) -> bool:
    """True when events will reach this process: always without Redis; with Redis, once
    this process's listener is connected and subscribed to every channel its streams
    listen to (waits up to `wait` seconds for it)."""
    if not getattr(settings, "REDIS_URL", ""):
        return True
    connected = _hub.listener().connected
    if connected.is_set():
        return True
    try:
        await asyncio.wait_for(connected.wait(), wait)
    except TimeoutError:
        return False
    return True


def subscriber_count() -> int:
    return _hub.subscriber_count()


def stats() -> dict:
    """This process's listener figures: channels subscribed on Redis, messages received, and
    messages received for a channel none of its streams listened to (the benchmark's)."""
    return _hub.stats()
