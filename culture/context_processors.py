import functools

from django.urls import get_script_prefix, reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from culture.i18n import SUGGESTED_ZONE_KEY
from culture.models import Notification

NAV = [
    ("home", _("Home"), "home"),
    ("feedback", _("Circles"), "feedback:index"),
    ("keeper", _("Keeper"), "keeper:index"),
    ("decisions", _("Decisions"), "decisions:index"),
    ("pay", _("Pay"), "pay:index"),
    ("people", _("People"), "people:directory"),
]


SITE_URLS = (
    "home",
    "notifications",
    "culture_page",
    "company_settings",
    "people:import",
    "audit_log",
    "password_change",
    "mfa_index",
    "api_tokens",
    "chat:preferences",
    "reader_settings",
    "javascript_catalog",
    "logout",
)


@functools.cache
def _urls(prefix: str) -> tuple[list, dict]:
    """The header's links, reversed once per script prefix instead of on every page (a
    dozen {% url %} tags were a tenth of a small page's rendering)."""
    nav = [(key, label, reverse(name)) for key, label, name in NAV]
    return nav, {name.replace(":", "_"): reverse(name) for name in SITE_URLS}


def chrome(request):
    """The header's navigation and unread count (read with the person: no query of its own)."""
    user = getattr(request, "user", None)
    nav, urls = _urls(get_script_prefix())
    # <html lang dir>, and the scripts' catalogue (?l=: a cached copy is never another's).
    reader = {
        "reader_language": translation.get_language(),
        "reader_rtl": translation.get_language_bidi(),
    }
    if user is None or not user.is_authenticated:
        return {"nav": nav, "site_urls": urls, **reader}
    match = getattr(request, "resolver_match", None)
    section = ""
    if match is not None:
        section = match.namespace or ("home" if match.url_name == "home" else "")
    session = getattr(request, "session", None)
    return {
        **reader,
        # A zone the browser reported at login, offered until taken or declined.
        "suggested_zone": session.get(SUGGESTED_ZONE_KEY) if session is not None else None,
        "nav": nav,
        "site_urls": urls,
        "nav_section": section,
        # Read with the person by culture.backends.PersonBackend; counted here only for a
        # person it did not read (one that login() put on this very request).
        "unread_count": unread
        if (unread := getattr(user, "unread_notifications", None)) is not None
        else functools.cache(
            lambda: Notification.objects.filter(recipient=user, read_at__isnull=True).count()
        ),
    }
