"""The application uvicorn serves: `uvicorn culture.asgi:application`.

Every request goes through Django's WSGI handler on a small pool of threads (WebThreads):
the event loop hands the request to a thread once and gets the finished response back
once. A response whose body is an async iterator (the live streams) is then sent by the
event loop for as long as it lasts, holding no thread and no database connection.

Why not Django's ASGI handler: it runs a sync view, and each middleware that is sync only
(WhiteNoise) or a MiddlewareMixin (most of Django's), through `sync_to_async` hops between
the loop and a thread made for the request, two per middleware: on the benchmark floor
this bridge serves several times what that path did (bench/README.md, item 11), and a
live stream opens at twice the rate ("Issue 26, fifth round").
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import tempfile
import threading
import time
from collections import deque
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "culture.settings")

import django  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpRequest, StreamingHttpResponse  # noqa: E402
from django.urls import get_resolver  # noqa: E402

# A streaming response (a CSV export, a static file) is sent in blocks of about this size.
STREAM_BLOCK = 64 * 1024


class BodyTooLarge(Exception):
    pass


async def read_body(receive, spool_after: int, limit: int):
    """The whole request body, as Django's ASGI handler reads it (in memory up to
    `spool_after` bytes, then a temporary file); None if the client went away. A body
    longer than `limit` raises BodyTooLarge as soon as it is seen, so that nobody can fill
    the disk with one request (Django's own limits apply only once the body is read)."""
    message = await receive()
    if message["type"] == "http.disconnect":
        return None
    chunk = message.get("body", b"")
    if len(chunk) > limit:
        raise BodyTooLarge
    if not message.get("more_body", False):
        return io.BytesIO(chunk)
    # Closed by the caller once the response is sent.
    body = tempfile.SpooledTemporaryFile(max_size=spool_after, mode="w+b")  # noqa: SIM115
    size = len(chunk)
    body.write(chunk)
    while message.get("more_body", False):
        message = await receive()
        if message["type"] == "http.disconnect":
            body.close()
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            body.close()
            raise BodyTooLarge
        body.write(chunk)
    body.seek(0)
    return body


def _content_length(scope) -> int:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0


TOO_LARGE = b"Request body too large: the largest upload accepted is %d MB.\n"


def build_environ(scope: dict, body) -> dict:
    """A WSGI environ (PEP 3333) for an ASGI HTTP scope. Header names with an underscore
    are dropped (see below)."""
    script_name = scope.get("root_path", "")
    path = _path_info(scope)
    server = scope.get("server") or ("localhost", 80)
    environ = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": script_name.encode("utf-8").decode("latin-1"),
        "PATH_INFO": path.encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": server[0],
        "SERVER_PORT": str(server[1] or 0),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": body,
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    client = scope.get("client")
    if client:
        environ["REMOTE_ADDR"] = client[0]
        environ["REMOTE_PORT"] = str(client[1])
    for raw_name, raw_value in scope.get("headers", ()):
        if b"_" in raw_name:
            # `x_forwarded_for` and `X-Forwarded-For` would both be HTTP_X_FORWARDED_FOR:
            # a client could add to the proxy's header and choose the address the audit log
            # and the lock-out see. Dropped, as Django's own servers and ASGI handler do.
            continue
        name = raw_name.decode("latin-1").upper().replace("-", "_")
        if name not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            name = "HTTP_" + name
        value = raw_value.decode("latin-1")
        if name in environ:
            # Repeated headers join with a comma, as in WSGI servers (cookies with "; ").
            value = environ[name] + ("; " if name == "HTTP_COOKIE" else ",") + value
        environ[name] = value
    return environ


# Methods that change something: a person waits on their answer, and often a whole room
# on what it changes (each write to a live circle is followed by everyone's re-fetch).
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class WebThreads:
    """The web threads, with two queues: a request that changes something is taken before
    the reads waiting, but never more than `writes_in_a_row` of them while a read waits,
    so a stream of writes slows the reads without stopping them. Within each queue, first
    come, first served. (A thread pool with one queue served a write to a live circle
    after the re-fetches of the writes before it: bench/README.md, "Issue 26, fourth
    round".) The threads start with the first request."""

    def __init__(self, threads: int, *, writes_in_a_row: int = 3):
        self.size = threads
        self.writes_in_a_row = writes_in_a_row
        self._writes: deque = deque()
        self._reads: deque = deque()
        self._streak = 0
        self._ready = threading.Condition()
        self._started = False

    def submit(self, write: bool, fn, *args) -> asyncio.Future:
        """Run `fn(*args)` on a web thread; its result (or exception) as a future of the
        running loop."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        with self._ready:
            if not self._started:
                self._start()
            (self._writes if write else self._reads).append((future, loop, fn, args))
            self._ready.notify()
        return future

    def _start(self) -> None:
        for i in range(self.size):
            threading.Thread(target=self._work, name=f"web_{i}", daemon=True).start()
        self._started = True

    def _next(self):
        if self._writes and (not self._reads or self._streak < self.writes_in_a_row):
            self._streak += 1
            return self._writes.popleft()
        self._streak = 0
        return self._reads.popleft()

    def _work(self) -> None:
        while True:
            with self._ready:
                while not (self._writes or self._reads):
                    self._ready.wait()
                future, loop, fn, args = self._next()
            outcome: tuple[Any, BaseException | None]
            try:
                outcome = (fn(*args), None)
            except BaseException as exc:  # noqa: BLE001 - handed to the awaiting request
                outcome = (None, exc)
            with contextlib.suppress(RuntimeError):  # its loop has closed: nobody waits
                loop.call_soon_threadsafe(_settle, future, *outcome)
            # An idle thread keeps nothing of the last request (its environ, its response).
            del future, loop, fn, args, outcome


def _settle(future: asyncio.Future, result, exc: BaseException | None) -> None:
    if future.cancelled():  # the request's task was cancelled meanwhile
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result)


class Application:
    """The ASGI callable: every HTTP request to `wsgi_app` on `threads` web threads
    (WebThreads); a response with an async body is then sent from the loop."""

    def __init__(self, wsgi_app, *, threads: int, spool_after: int, max_body: int):
        self.wsgi_app = wsgi_app
        self.spool_after = spool_after
        self.max_body = max_body
        self.threads = WebThreads(threads)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":  # as Django's own handler: no lifespan, no websockets
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        try:
            if _content_length(scope) > self.max_body:
                raise BodyTooLarge
            body = await read_body(receive, self.spool_after, self.max_body)
        except BodyTooLarge:
            return await self._too_large(send)
        if body is None:
            return
        loop = asyncio.get_running_loop()
        try:
            start, content = await self.threads.submit(
                scope["method"] in WRITE_METHODS,
                self._respond,
                build_environ(scope, body),
                send,
                loop,
                time.perf_counter(),
            )
        finally:
            body.close()
        if isinstance(content, StreamingHttpResponse):
            await self._send_async(start, content, receive, send)
        elif start is not None:
            await send(start)
            await send({"type": "http.response.body", "body": content})

    async def _send_async(self, start, response, receive, send):
        """Send a response whose body is an async iterator (a live stream: hours) from the
        loop, until it ends or the client goes (then the iterator is cancelled, so its
        own cleanup runs at once). As Django's ASGI handler, which this replaces for it."""

        async def body():
            await send(start)
            async for chunk in aiter(response):
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})

        async def client_gone():
            while (await receive())["type"] != "http.disconnect":
                pass

        sending = asyncio.ensure_future(body())
        watching = asyncio.ensure_future(client_gone())
        try:
            await asyncio.wait({sending, watching}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sending, watching):
                task.cancel()
            await asyncio.gather(sending, watching, return_exceptions=True)
            # Fires request_finished (on a pool thread, as Django's handler does).
            await asyncio.get_running_loop().run_in_executor(None, response.close)
        if not sending.cancelled() and (error := sending.exception()) is not None:
            raise error

    async def _too_large(self, send):
        content = TOO_LARGE % (self.max_body // (1024 * 1024))
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"x-content-type-options", b"nosniff"),
                    (b"content-length", str(len(content)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": content})

    def _respond(self, environ, send, loop, queued_at: float):
        """In a pool thread: run Django. A complete response comes back to the loop to be
        sent in one piece, and so does one whose body is an async iterator (_send_async); a
        streaming one with a sync iterator (an export) is sent from here, block by block,
        because its iterator may read the database on this thread's connection. `Server-Timing:
        queue;dur=` says how long the request waited for this thread (Django adds its own
        `app;dur=`): under load, the two tell waiting from working."""
        queue_ms = (time.perf_counter() - queued_at) * 1000
        started: dict = {}

        def start_response(status, headers, exc_info=None):
            if exc_info and started:
                raise exc_info[1].with_traceback(exc_info[2])
            started["message"] = {
                "type": "http.response.start",
                "status": int(status.split(" ", 1)[0]),
                "headers": [
                    *(
                        (name.lower().encode("latin-1"), value.encode("latin-1"))
                        for name, value in headers
                    ),
                    (b"server-timing", f"queue;dur={queue_ms:.2f}".encode()),
                ],
            }
            return _write_not_supported

        response = self.wsgi_app(environ, start_response)
        if getattr(response, "is_async", False):
            _let_the_request_go(response)
            return started["message"], response  # sent by the loop (_send_async)
        try:
            if not getattr(response, "streaming", False):
                return started["message"], b"".join(response)

            def send_now(message):
                asyncio.run_coroutine_threadsafe(send(message), loop).result()

            send_now(started["message"])
            block = bytearray()
            for chunk in response:
                block += chunk
                if len(block) >= STREAM_BLOCK:
                    send_now(
                        {"type": "http.response.body", "body": bytes(block), "more_body": True}
                    )
                    block.clear()
            send_now({"type": "http.response.body", "body": bytes(block)})
            return None, None
        finally:
            # Fires request_finished on this thread: its database connection goes back.
            close = getattr(response, "close", None)
            if close is not None:
                close()


def _let_the_request_go(response) -> None:
    """A live stream is sent for hours, and its response keeps the request (Django's WSGI
    handler adds `request.close` to the response's closers): its headers, session, user,
    resolver match... about 11 KB a stream, which nothing reads once the view has made the
    response (the view hands the stream ids and strings only). The request object stays,
    empty: its close() still runs, and reading it fails loudly, never with another
    request's data."""
    for closer in getattr(response, "_resource_closers", ()):
        request = getattr(closer, "__self__", None)
        if isinstance(request, HttpRequest):
            vars(request).clear()


def _path_info(scope) -> str:
    root = scope.get("root_path", "")
    path = scope["path"]
    return path[len(root) :] if root and path.startswith(root) else path


def _write_not_supported(data):
    raise NotImplementedError("the WSGI write() callable is not supported")


def _build():
    from django.conf import settings

    django.setup(set_prefix=False)  # as django.core.asgi.get_asgi_application
    # Import every URL module (so every view and what it imports) before the port opens,
    # not on the first request: a cold import is seconds of compiling on a fresh checkout,
    # which the first user (or a probe's first request) would otherwise wait for.
    _ = get_resolver().url_patterns
    return Application(
        get_wsgi_application(),
        threads=settings.WEB_THREADS,
        spool_after=settings.FILE_UPLOAD_MAX_MEMORY_SIZE,
        # The largest upload (an import file) plus room for the form around it.
        max_body=settings.MAX_IMPORT_BYTES + 1024 * 1024,
    )


application = _build()
