"""Request types for annotating views.

LoginRequiredMiddleware (settings.MIDDLEWARE) turns away every request without a logged-in
person before a view runs, except for views marked login_not_required; so a view's request
has a Person as its user, which HttpRequest (whose user may be AnonymousUser) cannot say.
"""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from culture.models import Person


class AuthedHttpRequest(HttpRequest):
    """A request past the login gate (for type checking only: Django builds the request)."""

    user: Person
    htmx: HtmxDetails  # django_htmx's HtmxMiddleware sets it on every request
