"""Which language a reader reads, and rendering as a given reader.

- A page is in the reader's language: their own (Person.language, chosen on their account
  page), else the browser's Accept-Language, else the company default (LANGUAGE_CODE).
  culture.middleware.ReaderMiddleware activates it with their zone.
- A message sent to a person (email, chat, calendar invitation) is rendered in *their*
  language and zone, never the sender's: `as_reader(person)`.
- The first time a person logs in, their language is set from the browser they logged in
  with, and a zone their browser reports that differs from the company's is offered
  (`suggest_at_login`); both can be changed on the account page.

Content that people write (memos, feedback, the culture page once edited) is never
translated: only the product's own words are.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from urllib.parse import unquote

from django.conf import settings
from django.utils import timezone, translation

# The cookie the login page's script sets to the browser's zone (static/js/login.js).
BROWSER_ZONE_COOKIE = "culture_browser_tz"
# The session key of a zone offered at login until the person takes or declines it.
SUGGESTED_ZONE_KEY = "suggested_time_zone"


@lru_cache(maxsize=64)
def supported(code: str | None) -> str | None:
    """The product's language for `code` ('fr-CA' -> 'fr', 'en' -> 'en-gb'), or None."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def language_for(person) -> str:
    """The language messages to `person` are written in."""
    return supported(getattr(person, "language", None)) or settings.LANGUAGE_CODE


def language_for_request(request, person) -> tuple[str, bool]:
    """The language of a page for `request`, and whether the browser chose it (the
    response then varies on Accept-Language)."""
    own = supported(getattr(person, "language", None))
    if own:
        return own, False
    browser = translation.get_language_from_request(request)
    return supported(browser) or settings.LANGUAGE_CODE, True


@contextmanager
def as_reader(person) -> Iterator[None]:
    """Render as `person` reads: their language and their zone."""
    from culture.clock import zone_for

    with translation.override(language_for(person)), timezone.override(zone_for(person)):
        yield


def valid_zone(name: str | None) -> str | None:
    if not name or name not in _zones():
        return None
    return name


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def suggest_at_login(request, person) -> None:
    """On logging in: a person with no language takes the browser's, and a browser zone
    that differs from the one they read times in is offered on the next page."""
    if not person.language and request.META.get("HTTP_ACCEPT_LANGUAGE"):
        browser = supported(translation.get_language_from_request(request))
        if browser:
            person.language = browser
            type(person).objects.filter(pk=person.pk).update(language=browser)
    zone = valid_zone(unquote(request.COOKIES.get(BROWSER_ZONE_COOKIE, "")))
    if zone and not person.time_zone:
        from culture.clock import company_zone

        if zone != company_zone().key:
            request.session[SUGGESTED_ZONE_KEY] = zone
