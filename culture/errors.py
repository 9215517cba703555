"""The one way a service refuses an action, and the one place a refusal becomes a response.

A service raises `InvalidInput` (the request cannot be done as asked: 422) or `Conflict` (it
no longer fits the current state, e.g. a second click or a stale screen: 409), both
`ActionRefused`, with a message meant for the person who tried. Apps may subclass them to
name their own refusals (`DecisionError`, `StepRefused`, `ProposalNotOpen`); the status comes
from the class.

Views that show the reason in place (a form's errors, the room's message) catch
`ActionRefused` and answer with `exc.status`; anything a view lets through is answered by
`RefusedMiddleware`, as `culture.ratelimit` answers `Limited`: the page in the product's
layout, or for htmx its fragment swapped into the page's alert region.
"""

from __future__ import annotations

from culture.middleware import _HybridMiddleware


class ActionRefused(Exception):
    """A refused action, with a message meant for the person who tried it."""

    status = 422
    code = "refused"

    def __init__(self, message: str = "", *, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


class InvalidInput(ActionRefused):
    """What was asked cannot be done: a value out of range, a person who may not, a choice
    that is not one of the options."""

    status = 422
    code = "invalid"


class Conflict(ActionRefused):
    """What was asked no longer fits the current state: a stale click, a second click,
    something someone else already did."""

    status = 409
    code = "conflict"


class RefusedMiddleware(_HybridMiddleware):
    """Answers an `ActionRefused` that a view did not show in place."""

    def process_exception(self, request, exception):
        if isinstance(exception, ActionRefused):
            return refused(request, exception)
        return None


def refused(request, exc: ActionRefused):
    from django.shortcuts import render

    htmx = _is_htmx(request)
    context = {"message": exc.message, "code": exc.code}
    response = render(
        request, "refused.html#refused" if htmx else "refused.html", context, status=exc.status
    )
    return into_alerts(response) if htmx else response


def into_alerts(response):
    """An htmx request's refusal or error goes into the page's alert region (base.html's
    #alerts), whatever the request targeted, and leaves the address bar alone."""
    response["HX-Retarget"] = "#alerts"
    response["HX-Reswap"] = "innerHTML"
    response["HX-Reselect"] = "#refused"
    response["HX-Push-Url"] = "false"
    return response


def _is_htmx(request) -> bool:
    # The header itself, not request.htmx: the 500 handler may run before any middleware did.
    return bool(getattr(request, "htmx", False)) or request.headers.get("HX-Request") == "true"


# The error pages (culture/urls.py handler403, handler404, handler500): the page in the
# product's layout, with its navigation and a way back; for htmx, the fragment for #alerts.


def _error_page(request, template: str, status: int):
    from django.shortcuts import render

    htmx = _is_htmx(request)
    response = render(request, f"{template}#refused" if htmx else template, status=status)
    return into_alerts(response) if htmx else response


def permission_denied(request, exception=None):
    """403: a page the person may see exists but is not theirs to open (or change)."""
    return _error_page(request, "403.html", 403)


def page_not_found(request, exception=None):
    """404: no such page, or one the person may not know exists (the same answer)."""
    return _error_page(request, "404.html", 404)


def server_error(request):
    """500: rendered without the request's context (no database, no session, no user: any of
    them may be what failed), from the layout's static-safe variant (templates/500.html)."""
    from django.http import HttpResponseServerError
    from django.template import loader
    from django.urls import get_script_prefix

    from culture.context_processors import _urls

    try:
        nav, site_urls = _urls(get_script_prefix())
    except Exception:  # noqa: BLE001 - the URL map itself may be what failed
        nav, site_urls = [], {}
    htmx = _is_htmx(request)
    template = loader.get_template("500.html#refused" if htmx else "500.html")
    response = HttpResponseServerError(template.render({"nav": nav, "site_urls": site_urls}))
    return into_alerts(response) if htmx else response
