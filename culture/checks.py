"""System checks that keep the security posture from drifting."""

from django.conf import settings
from django.core.checks import Error, Tags, register

FORBIDDEN_SOURCES = {"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*"}


@register(Tags.security)
def csp_is_strict(app_configs, **kwargs):
    """CSP must be enforced, script-src must use nonces, and nothing may allow inline code."""
    errors = []
    policy = getattr(settings, "SECURE_CSP", None)
    middleware = "django.middleware.csp.ContentSecurityPolicyMiddleware"
    if not policy or middleware not in settings.MIDDLEWARE:
        errors.append(
            Error(
                "Content-Security-Policy is not enforced.",
                id="culture.E001",
                hint=f"Set SECURE_CSP and add {middleware} to MIDDLEWARE.",
            )
        )
        return errors
    for directive, sources in policy.items():
        bad = FORBIDDEN_SOURCES & {str(s) for s in sources}
        if bad:
            errors.append(
                Error(
                    f"CSP {directive} allows {', '.join(sorted(bad))}.",
                    id="culture.E002",
                    hint="Use nonces ({{ csp_nonce }}) and static files instead.",
                )
            )
    script_src = {str(s) for s in policy.get("script-src", policy.get("default-src", []))}
    if not any("nonce" in s.lower() for s in script_src):
        errors.append(Error("CSP script-src does not use nonces.", id="culture.E003"))
    return errors


@register(Tags.security)
def rate_limits_parse(app_configs, **kwargs):
    """Every entry of RATE_LIMITS is N/period or "off" (culture/ratelimit.py)."""
    from django.core.exceptions import ImproperlyConfigured

    from culture.ratelimit import parse

    errors = []
    for name, text in getattr(settings, "RATE_LIMITS", {}).items():
        try:
            parse(text)
        except ImproperlyConfigured as exc:
            errors.append(Error(f"RATE_LIMITS[{name!r}]: {exc}", id="culture.E004"))
    return errors
