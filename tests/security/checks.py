"""The checking code of the attack suites, shared by the real tests and by the tests of the
tests (test_checks_can_fail.py), which run it against a deliberately broken product."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable

from tests.security.helpers import body, fingerprint


def gets_that_change_state(clients: dict, url: str, headers=None, on_response=None) -> list[str]:
    """GET `url` as each client; the tables each GET changed (every table but sessions, login
    attempts and the append-only audit log)."""
    problems = []
    before = fingerprint()
    for persona, c in clients.items():
        response = c.get(url, headers=headers or {})
        body(response)
        if on_response:
            on_response(persona, response)
        after = fingerprint()
        changed = sorted(t for t in after if after[t] != before[t])
        if changed:
            problems.append(f"{url} as {persona}: GET changed {changed}")
            before = after
    return problems


def first_events(response, count: int = 2, timeout: float = 3) -> str:
    """The first `count` chunks of a live (async) event stream, then close it."""

    async def read(stream):
        chunks = []
        iterator = aiter(stream)
        try:
            for _ in range(count):
                chunks.append(await asyncio.wait_for(anext(iterator), timeout))
        except (TimeoutError, StopAsyncIteration):
            pass
        finally:
            await iterator.aclose()
        return b"".join(x if isinstance(x, bytes) else x.encode() for x in chunks).decode()

    return asyncio.run(read(response.streaming_content))


def leaked(text: str, secrets: Iterable[str]) -> list[str]:
    return [s for s in secrets if s in text]


def secrets_in_logs_and_pages(provoke: Callable[[], str], secrets: Iterable[str]):
    """Run `provoke()` (returns the response bodies to search) while capturing every log
    record at DEBUG; returns (the secrets found in logs or bodies, the log records)."""
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    keep = Keep(level=logging.DEBUG)
    loggers = [logging.getLogger(), logging.getLogger("django"), logging.getLogger("culture")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(keep)
        lg.setLevel(logging.DEBUG)
    try:
        text = provoke()
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.removeHandler(keep)
            lg.setLevel(level)
    text += "\n".join(records)
    return [s for s in secrets if s in text], records
