"""The request being served, for code far from the view: the audit log reads the client's
address from it, and settings rows are read once per request through it.

Set by culture.middleware.RequestContextMiddleware. It imports nothing of the product, so
models may use it: it is below them, where the middleware (which needs the clock, which
needs the models) is above.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

_request_var: contextvars.ContextVar = contextvars.ContextVar("culture_request", default=None)
_task_var: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "culture_once_per_task", default=None
)


def once_per_request(key: str, load):
    """`load()`, called once per request and kept on the request for the rest of it (the
    company settings row, which a page needs from several places); outside a request,
    once per `once_per_task()` block, else (tasks, commands) every call loads. Only for
    reads: the object is shared."""
    request = _request_var.get()
    if request is not None:
        kept = request.__dict__.setdefault("_once_per_request", {})
    else:
        kept = _task_var.get()
        if kept is None:
            return load()
    if key not in kept:
        kept[key] = load()
    return kept[key]


@contextmanager
def once_per_task() -> Iterator[None]:
    """Outside a request, keep what once_per_request() loads until the block ends, as a
    request does: a task that writes to many people at once (the keeper sweep renders each
    message as its reader, in their zone, which falls back to the company's) reads the
    company settings once, not once or twice a message. Only around work that does not
    change those settings itself."""
    token = _task_var.set({})
    try:
        yield
    finally:
        _task_var.reset(token)
