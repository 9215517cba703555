"""Under ASGI the middleware chain runs in sync mode: one thread hop in per request."""

from __future__ import annotations

from asgiref.sync import AsyncToSync, SyncToAsync
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler


def test_the_asgi_chain_is_entered_once_and_every_middleware_runs_sync():
    chain = ASGIHandler()._middleware_chain
    assert isinstance(chain, SyncToAsync)  # the one hop into the worker thread, at the top
    layer, layers = chain.func, 0
    # Each layer is a middleware (wrapped by Django, which copies its attributes): none may
    # be in async mode, or it would hop threads on its own.
    while not isinstance(layer, AsyncToSync):
        assert not getattr(layer, "async_mode", False), layer
        assert not getattr(layer, "is_async", False), layer
        layer, layers = layer.get_response, layers + 1
    assert layers >= len(settings.MIDDLEWARE)
    assert settings.MIDDLEWARE[-1] == "culture.middleware.SyncChainMiddleware"


def test_without_the_sync_end_the_chain_would_hop_per_middleware(settings):
    settings.MIDDLEWARE = settings.MIDDLEWARE[:-1]
    layer, async_layers = ASGIHandler()._middleware_chain, 0
    for _ in range(50):
        layer = next(
            (getattr(layer, a) for a in ("get_response", "func", "awaitable") if hasattr(layer, a)),
            None,
        )
        if layer is None:
            break
        async_layers += bool(getattr(layer, "async_mode", False))
    # What py-spy showed: WhiteNoise (sync only) hops out, then each middleware below it
    # hops back in for its process_request and process_response. The check above can fail.
    assert async_layers > 3
