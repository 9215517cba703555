"""Request-scoped context: the client's address and agent, for the audit log."""

from __future__ import annotations

import contextvars
import time

from asgiref.sync import iscoroutinefunction, markcoroutinefunction

_request_var: contextvars.ContextVar = contextvars.ContextVar("culture_request", default=None)


def client_ip(request) -> str | None:
    from django.conf import settings

    proxies = getattr(settings, "AXES_IPWARE_PROXY_COUNT", 0)
    if proxies:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        parts = [p.strip() for p in forwarded.split(",") if p.strip()]
        if len(parts) >= proxies:
            return parts[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def current_request_meta(request=None) -> tuple[str | None, str]:
    request = request or _request_var.get()
    if request is None:
        return None, ""
    return client_ip(request), request.META.get("HTTP_USER_AGENT", "")[:300]


class RequestContextMiddleware:
    """Sync and async capable, so live (async) views are not forced through a thread."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self.__acall__(request)
        token = _request_var.set(request)
        try:
            response = self.get_response(request)
        finally:
            _request_var.reset(token)
        return self._headers(response)

    async def __acall__(self, request):
        token = _request_var.set(request)
        try:
            response = await self.get_response(request)
        finally:
            _request_var.reset(token)
        return self._headers(response)

    @staticmethod
    def _headers(response):
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        return response


class ServerTimingMiddleware:
    """Adds `Server-Timing: app;dur=<ms>`: the time Django spent on the request. Benchmarks
    read it to separate server time from network and client time."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self.__acall__(request)
        started = time.perf_counter()
        response = self.get_response(request)
        return self._stamp(response, started)

    async def __acall__(self, request):
        started = time.perf_counter()
        response = await self.get_response(request)
        return self._stamp(response, started)

    @staticmethod
    def _stamp(response, started):
        if not getattr(response, "streaming", False):
            response.headers["Server-Timing"] = (
                f"app;dur={(time.perf_counter() - started) * 1000:.2f}"
            )
        return response
