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

    htmx = bool(getattr(request, "htmx", False))
    context = {"message": exc.message, "code": exc.code}
    response = render(
        request, "refused.html#refused" if htmx else "refused.html", context, status=exc.status
    )
    if htmx:
        response["HX-Retarget"] = "#alerts"
        response["HX-Reswap"] = "innerHTML"
        response["HX-Reselect"] = "#refused"
        response["HX-Push-Url"] = "false"
    return response
