"""Request-scoped context: the client's address and agent, for the audit log."""

from __future__ import annotations

import ipaddress
import time
from typing import TYPE_CHECKING

from asgiref.sync import iscoroutinefunction, markcoroutinefunction

if TYPE_CHECKING:
    from django.http import HttpRequest

from culture.request_local import _request_var


def client_ip(request) -> str | None:
    """The client's address, for the audit log, the login lock-out (django-axes, through
    AXES_CLIENT_IP_CALLABLE) and the rate limits: one answer for all three.

    With PROXY_COUNT proxies in front, each appends the address it received the request from
    to X-Forwarded-For, so the client is the PROXY_COUNT-th entry from the end; anything
    before it was written by the client and is not trusted. Without proxies, or when that
    entry is missing or not an address, the connection's address (REMOTE_ADDR)."""
    from django.conf import settings

    proxies = settings.PROXY_COUNT
    if proxies:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        parts = [p.strip() for p in forwarded.split(",")]
        if len(parts) >= proxies:
            try:
                return str(ipaddress.ip_address(parts[-proxies]))
            except ValueError:
                pass  # stored as inet: never a string that is not an address
    return request.META.get("REMOTE_ADDR") or None


def current_request_meta(request: HttpRequest | None = None) -> tuple[str | None, str]:
    request = request or _request_var.get()
    if request is None:
        return None, ""
    return client_ip(request), request.META.get("HTTP_USER_AGENT", "")[:300]


class _HybridMiddleware:
    """Sync and async capable, so live (async) views are not forced through a thread.
    Subclasses implement `before(request)` (returns a token) and `after(request, response,
    token)` (returns the response)."""

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
        token = self.before(request)
        try:
            response = self.get_response(request)
        finally:
            self.finish(token)
        return self.after(request, response, token)

    async def __acall__(self, request):
        token = self.before(request)
        try:
            response = await self.get_response(request)
        finally:
            self.finish(token)
        return self.after(request, response, token)

    def before(self, request):
        return None

    def finish(self, token) -> None:
        pass

    def after(self, request, response, token):
        return response


class RequestContextMiddleware(_HybridMiddleware):
    """Makes the current request available to the audit log; adds Permissions-Policy."""

    def before(self, request):
        return _request_var.set(request)

    def finish(self, token) -> None:
        _request_var.reset(token)

    def after(self, request, response, token):
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        return response


class ReaderMiddleware:
    """Activates the reader's time zone and language for the request: forms read typed times
    in the zone, templates show times in it, and every string is in the language.

    - Zone: culture.clock.zone_for (their own, else the company's).
    - Language: culture.i18n.language_for_request (their own, else the browser's
      Accept-Language, else the company default). The response names it
      (Content-Language) and, when the browser chose it, varies on Accept-Language.

    After the authentication middleware (both settings come with the person) and
    RequestContextMiddleware (the company settings are read once per request).

    Async requests (the live streams) render no text: they carry "changed, version V",
    and the fragment the browser then fetches is an ordinary request with its zone and
    language. Nor do the health probes (culture/views/health.py), which must answer without
    the database: the company's zone is a query, and a probe whose database is down would
    get a 500 instead of its 503 (and /livez none at all). Nor do SCIM (/scim/) and the
    public API (/api/): their answers carry UTC times and the default language, for a
    machine, and the API reads no session, whose person this middleware would otherwise
    look up."""

    PROBE_PATHS = frozenset({"/livez", "/readyz", "/healthz"})

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        path = request.path_info
        if self.is_async or path in self.PROBE_PATHS or path.startswith(("/scim/", "/api/")):
            return self.get_response(request)
        from django.utils import timezone, translation
        from django.utils.cache import patch_vary_headers

        from culture.clock import zone_for
        from culture.i18n import language_for_request

        user = getattr(request, "user", None)
        language, from_browser = language_for_request(request, user)
        timezone.activate(zone_for(user))
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            timezone.deactivate()
            translation.deactivate()
        response.headers.setdefault("Content-Language", language)
        if from_browser:
            patch_vary_headers(response, ("Accept-Language",))
        return response


class ServerTimingMiddleware(_HybridMiddleware):
    """Adds `Server-Timing: app;dur=<ms>`: the time Django spent on the request. Benchmarks
    read it to separate server time from network and client time."""

    def before(self, request):
        return time.perf_counter()

    def after(self, request, response, token):
        if not getattr(response, "streaming", False):
            response.headers["Server-Timing"] = (
                f"app;dur={(time.perf_counter() - token) * 1000:.2f}"
            )
        return response
