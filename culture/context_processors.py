import functools

from culture.models import Notification

NAV = [
    ("home", "Home", "home"),
    ("feedback", "Circles", "feedback:index"),
    ("keeper", "Keeper", "keeper:index"),
    ("decisions", "Decisions", "decisions:index"),
    ("pay", "Pay", "pay:index"),
    ("people", "People", "people:directory"),
]


def chrome(request):
    """The header's navigation and unread count (one query, only when logged in)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": NAV}
    match = getattr(request, "resolver_match", None)
    section = ""
    if match is not None:
        section = match.namespace or ("home" if match.url_name == "home" else "")
    return {
        "nav": NAV,
        "nav_section": section,
        "unread_count": functools.cache(
            lambda: Notification.objects.filter(recipient=user, read_at__isnull=True).count()
        ),
    }
