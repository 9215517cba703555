"""django-axes: which account a login attempt is for."""


def username(request, credentials) -> str | None:
    """allauth calls authenticate(email=..., password=...); the admin and older callers pass
    username=...; the form field is "username" (sso.forms.LoginForm)."""
    for source in (credentials or {}, getattr(request, "POST", {}) or {}):
        value = source.get("email") or source.get("username")
        if value:
            return str(value).strip().lower()
    return None
