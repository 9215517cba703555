import functools

from django.urls import get_script_prefix, reverse

from culture.models import Notification

NAV = [
    ("home", "Home", "home"),
    ("feedback", "Circles", "feedback:index"),
    ("keeper", "Keeper", "keeper:index"),
    ("decisions", "Decisions", "decisions:index"),
    ("pay", "Pay", "pay:index"),
    ("people", "People", "people:directory"),
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
    if user is None or not user.is_authenticated:
        return {"nav": nav, "site_urls": urls}
    match = getattr(request, "resolver_match", None)
    section = ""
    if match is not None:
        section = match.namespace or ("home" if match.url_name == "home" else "")
    return {
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
