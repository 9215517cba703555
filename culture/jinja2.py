"""The Jinja2 environment of the few hot fragments rendered by Jinja2 (templates/jinja2/).

Most templates are Django templates. A fragment that draws many rows and is rendered on a
hot path is a Jinja2 template when Django's engine was measured to be its bottleneck:
- feedback/room_state.html, the circle room's live state: every participant re-renders it
  on every event, with 51 seats and up to thousands of revealed items;
- keeper/card.html and card_status.html, a person on a keeper page, whose answer form
  renders its widgets through Django's Jinja2 widget templates (keeper.forms.AnswerForm);
- decisions/memo_ratings.html and memo_reason_group.html, a memo's spread and reasons,
  which every rating sent over htmx gets back;
- decisions/feed_results.html, the memo feed's cards and pager, which every search,
  filter and next page gets over htmx;
- pay/team_table.html, a manager's team pay table: a director's team is hundreds of rows,
  each with its money, gap and status formats (pay's filters, `register_filters`).
Jinja2 compiles a template to Python, so a row costs a fraction of what Django's engine
spends resolving and escaping each variable; the numbers that decided it are in
bench/README.md.

A Django template includes one with `{% load jinja %}{% jinja_include "name.html" %}`; a
view renders one as any template (`render(request, "feedback/room_state.html", ...)`: the
Django engine does not find it, so the Jinja2 engine does). Autoescaping is on, as in
Django; values Django marked safe (rendered widgets, csrf_input) are not escaped again.
Jinja2 escapes quotes as &#34; and &#39; where Django writes &quot; and &#x27;: the same
characters to a browser.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.template.defaultfilters import date as _date
from django.template.defaultfilters import linebreaksbr as _linebreaksbr
from django.templatetags.static import static
from django.urls import reverse
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # not in django-stubs
from django.utils.translation import gettext, ngettext
from jinja2 import ChainableUndefined, Environment
from markupsafe import Markup

from culture.links import url_maker


def url(name: str, *args) -> str:
    """reverse(), through culture.links for the common one-id URL (a row of cards links
    each card: reversed once per script prefix, not once per link)."""
    if len(args) == 1 and isinstance(args[0], int):
        return url_maker(name)(args[0])
    return reverse(name, args=args)


def date(value, fmt: str | None = None) -> str:
    """Django's |date, in the reader's time zone as Django templates show it."""
    return _date(template_localtime(value), fmt)


def linebreaksbr(value) -> str:
    """Django's |linebreaksbr: the text escaped, its line breaks as <br>."""
    return _linebreaksbr(value, autoescape=True)


def _gettext(message: str) -> Markup:
    """_("...") in a template: the product's own words, trusted as {% blocktranslate %}
    trusts them (a msgid may hold markup, `<strong>%(n)s</strong> have written`); values
    go in through |format, which escapes them because the string is Markup."""
    return Markup(gettext(message))  # noqa: S704  # a msgid or its translation, not input


def _ngettext(singular: str, plural: str, number: int) -> Markup:
    return Markup(ngettext(singular, plural, number))  # noqa: S704  # as _gettext


# Filters an app adds for its own fragments, from its AppConfig.ready (pay's money and gap
# formats): this core module imports no practice app. The environment is made on the first
# Jinja2 render, after every app is ready.
_APP_FILTERS: dict[str, Callable[..., Any]] = {}


def register_filters(**filters: Callable[..., Any]) -> None:
    _APP_FILTERS.update(filters)


def environment(**options) -> Environment:
    # Like a Django template, a missing attribute renders as nothing, also down a chain
    # (recipient.person.name with nobody in the centre), with DEBUG on or off.
    options["undefined"] = ChainableUndefined
    options.pop("autoescape", None)  # always on, whatever the settings say
    options.setdefault("extensions", ["jinja2.ext.i18n"])
    env = Environment(autoescape=True, **options)
    # _("...") translates as {% translate %} does, in the reader's language. Old-style
    # callables: _() only looks the string up, and placeholders are filled by |format
    # (`_("Hello %(name)s")|format(name=x)`), the one form Django's makemessages extracts
    # from a template; the new style would %-format every string and fail on its own %.
    # The i18n extension adds this method to the environment it is loaded into.
    env.install_gettext_callables(_gettext, _ngettext, newstyle=False)  # type: ignore[attr-defined]
    env.globals.update(url=url, static=static)
    env.filters.update(date=date, linebreaksbr=linebreaksbr)
    env.filters.update(_APP_FILTERS)
    return env
