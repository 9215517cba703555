"""The request being served, for code far from the view: the audit log reads the client's
address from it, and settings rows are read once per request through it.

Set by culture.middleware.RequestContextMiddleware. It imports nothing of the product, so
models may use it: it is below them, where the middleware (which needs the clock, which
needs the models) is above.
"""

from __future__ import annotations

import contextvars

_request_var: contextvars.ContextVar = contextvars.ContextVar("culture_request", default=None)


def once_per_request(key: str, load):
    """`load()`, called once per request and kept on the request for the rest of it (the
    company settings row, which a page needs from several places); outside a request
    (tasks, commands) every call loads. Only for reads: the object is shared."""
    request = _request_var.get()
    if request is None:
        return load()
    kept = request.__dict__.setdefault("_once_per_request", {})
    if key not in kept:
        kept[key] = load()
    return kept[key]
