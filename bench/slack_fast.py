"""Slack's Web API for the keeper cycle benchmark, in a process of its own.

tests/chat/slack_standin.py (a thread per connection, in the benchmark's own process) answered
about 200 posts a second, and never more than two at once however many the workers sent
(bench/README.md, "Issue 26, seventh round"): the benchmark measured the stand-in. This one is
an ASGI app under uvicorn in its own process, so it answers as fast as the posts come, as
Slack's servers do. It answers chat.postMessage (the keeper cycle's only call: the people are
matched to Slack users beforehand) with Slack's shape, after BENCH_SLACK_LATENCY seconds
(Slack is a round trip away), and keeps each post's channel and a hash of its text, so that
the benchmark can count posts and duplicates.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs

TOKEN = os.environ.get("BENCH_SLACK_TOKEN", "")
LATENCY = float(os.environ.get("BENCH_SLACK_LATENCY", "0") or 0)

posts: list[tuple[str, str]] = []
state = {"answering": 0, "most_at_once": 0}


def _answer(method: str, headers: dict[bytes, bytes], body: bytes) -> dict:
    if headers.get(b"authorization", b"").decode() != f"Bearer {TOKEN}":
        return {"ok": False, "error": "not_authed"}
    if method != "chat.postMessage":
        return {"ok": False, "error": "unknown_method"}
    if body[:1] == b"{":
        params = json.loads(body)
    else:
        params = {k: v[-1] for k, v in parse_qs(body.decode()).items()}
    channel = str(params.get("channel", ""))
    if not channel.startswith("U"):
        return {"ok": False, "error": "channel_not_found"}
    text = str(params.get("text", ""))
    posts.append((channel, hashlib.sha1(text.encode()).hexdigest()))  # noqa: S324 - a key
    return {"ok": True, "channel": f"D{channel}", "ts": "1700000000.000100"}


async def app(scope, receive, send) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    path = scope["path"]
    if scope["method"] == "GET" and path == "/__posts":
        answer: dict = {"posts": posts, "most_at_once": state["most_at_once"]}
    else:
        state["answering"] += 1
        state["most_at_once"] = max(state["most_at_once"], state["answering"])
        try:
            if LATENCY:
                await asyncio.sleep(LATENCY)
            answer = _answer(path.removeprefix("/api/"), dict(scope["headers"]), body)
        finally:
            state["answering"] -= 1
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json; charset=utf-8")],
        }
    )
    await send({"type": "http.response.body", "body": json.dumps(answer).encode()})


class FastSlack:
    """Runs `app` under uvicorn on a free port: api_url for SLACK_API_URL, then posts()."""

    def __init__(self, token: str, latency: float = 0.0):
        from bench.run import free_port

        self.token, self.latency = token, latency
        self.port = free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api/"
        self.most_at_once = 0
        self.process: subprocess.Popen | None = None

    def start(self) -> FastSlack:
        env = {
            **os.environ,
            "BENCH_SLACK_TOKEN": self.token,
            "BENCH_SLACK_LATENCY": str(self.latency),
        }
        root = Path(__file__).resolve().parent.parent
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "bench.slack_fast:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                "--no-access-log",
                "--backlog",
                "1024",
            ],
            cwd=root,
            env=env,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                self._get()
                return self
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the Slack stand-in did not start") from None
                time.sleep(0.1)

    def _get(self) -> dict:
        url = f"http://127.0.0.1:{self.port}/__posts"
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - local
            return json.loads(response.read())

    def posts(self) -> list[tuple[str, str]]:
        """(channel, hash of the text) of every chat.postMessage answered, in order."""
        data = self._get()
        self.most_at_once = data["most_at_once"]
        return [tuple(p) for p in data["posts"]]

    def cpu_seconds(self) -> float:
        """The CPU time (user and system) the stand-in has used so far: Slack's side of the
        work, which in production is done on Slack's servers, not on the company's."""
        from bench.run import cpu_seconds

        assert self.process is not None
        return cpu_seconds(self.process.pid)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
