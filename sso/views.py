"""Login, logout, starting single sign-on, the second factor at login, and the people admins'
"Single sign-on" page.

The login form and its stages are allauth's (sso/forms.py, sso/stages.py); the URL names the
product and its tests use ("login", "logout") are these views, which allauth also knows as
"account_login" and "account_logout" (culture/urls.py).
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.internal.flows.login import record_authentication
from allauth.account.stages import LoginStageController
from allauth.account.views import LoginView as AllauthLoginView
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.forms import ActivateTOTPForm
from allauth.mfa.totp.internal.auth import TOTP, clear_totp_secret
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from allauth.socialaccount.providers.base import AuthProcess, Provider
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.forms import BoundField
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from culture import access, ratelimit
from culture.http import AuthedHttpRequest
from sso import config, services
from sso.adapters import LOGOUT_SESSION_KEY, TEST_RESULT_SESSION_KEY, TEST_SESSION_KEY
from sso.forms import IdentitySettingsForm
from sso.models import IdentitySettings
from sso.stages import SetUpSecondFactorStage

LOGOUT_OFFER_SESSION_KEY = "sso_logout_offer"


def _provider(request: HttpRequest) -> Provider | None:
    apps = get_social_adapter().list_apps(request)
    if not apps:
        return None
    return apps[0].get_provider(request)


def _safe_next(request: HttpRequest, url: str | None) -> str | None:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None


def leave_for(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    """A redirect to another site, from a form post, as a page that goes there by itself.

    The CSP's form-action 'self' also covers where a submitted form's response redirects
    to, so a POST answered with a redirect to the identity provider would be blocked by the
    browser. The page ends the form's navigation here; its meta refresh (not a script) then
    takes the browser on, and its link does for anyone whose browser does not refresh."""
    location = response.get("Location", "") if response.status_code in (301, 302, 303) else ""
    if not location or url_has_allowed_host_and_scheme(location, {request.get_host()}):
        return response
    return render(request, "sso/leaving.html", {"url": location})


def start_sso(
    request: HttpRequest, *, next_url: str | None = None, login_hint: str = ""
) -> HttpResponseBase:
    provider = _provider(request)
    if provider is None:
        messages.error(request, _("Single sign-on is not set up."))
        return redirect("login")
    kwargs = {}
    if login_hint and provider.id == "openid_connect":
        kwargs["auth_params"] = {**provider.get_auth_params(), "login_hint": login_hint}
    response = provider.redirect(request, AuthProcess.LOGIN, next_url=next_url, **kwargs)
    return leave_for(request, response)


@method_decorator(login_not_required, name="dispatch")
class LoginView(AllauthLoginView):
    """allauth's login view in our page: password (then the second factor, sso/stages.py),
    or single sign-on. An address in one of the company's SSO domains typed without a
    password goes to single sign-on; so does any address when SSO is required."""

    template_name = "registration/login.html"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        ratelimit.check(request, "login")
        cfg = config.current()
        email = (request.POST.get("username") or "").strip()
        to_sso = cfg.domain_matches(email) or (cfg.sso_required and email)
        if cfg.enabled and not request.POST.get("password") and to_sso:
            next_url = _safe_next(request, request.POST.get("next"))
            return start_sso(request, next_url=next_url, login_hint=email)
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        cfg = config.current()
        context["sso_enabled"] = cfg.enabled
        context["sso_required"] = cfg.enabled and cfg.sso_required
        context["sso_domains"] = ",".join(cfg.email_domains) if cfg.enabled else ""
        context["next"] = self.request.GET.get("next") or self.request.POST.get("next", "")
        context["logout_offer"] = self.request.session.get(LOGOUT_OFFER_SESSION_KEY)
        return context


@login_not_required
@require_POST
def sso_start(request: HttpRequest) -> HttpResponseBase:
    """The login page's "Continue with single sign-on"."""
    ratelimit.check(request, "login")
    next_url = _safe_next(request, request.POST.get("next"))
    return start_sso(request, next_url=next_url, login_hint=request.POST.get("username", ""))


@login_not_required
@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    """End the local session; when the person came through the identity provider and it
    offers a logout (OIDC end_session_endpoint, SAML single logout), the login page then
    offers to log out there too."""
    sso = request.session.get(LOGOUT_SESSION_KEY)
    get_account_adapter(request).logout(request)
    if sso and _idp_logout_supported(request, sso):
        request.session[LOGOUT_OFFER_SESSION_KEY] = sso
    return redirect(settings.LOGOUT_REDIRECT_URL)


def _idp_logout_supported(request: HttpRequest, sso: dict) -> bool:
    try:
        return _idp_logout_url(request, sso) is not None
    except Exception:  # the provider is down or misconfigured: no offer, still logged out
        return False


def _idp_logout_url(request: HttpRequest, sso: dict) -> str | None:
    from urllib.parse import urlencode

    provider = _provider(request)
    if provider is None:
        return None
    back = request.build_absolute_uri(reverse("login"))
    if sso.get("protocol") == "oidc" and provider.id == "openid_connect":
        endpoint = provider.get_oauth2_adapter(request).openid_config.get("end_session_endpoint")
        if not endpoint:
            return None
        query = urlencode({"client_id": provider.app.client_id, "post_logout_redirect_uri": back})
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
    if sso.get("protocol") == "saml" and provider.id == "saml":
        from allauth.socialaccount.providers.saml.utils import build_auth

        auth = build_auth(request, provider)
        if not auth.get_slo_url():
            return None
        return auth.logout(return_to=back, name_id=sso.get("name_id"))
    return None


@login_not_required
@require_POST
def idp_logout(request: HttpRequest) -> HttpResponseBase:
    """The login page's "Log out of the identity provider too" after a logout."""
    sso = request.session.pop(LOGOUT_OFFER_SESSION_KEY, None)
    url = _idp_logout_url(request, sso) if sso else None
    return leave_for(request, redirect(url or "login"))


# --- The second factor at login ------------------------------------------------------------


@login_not_required
@require_http_methods(["GET", "POST"])
def setup_at_login(request: HttpRequest) -> HttpResponse:
    """Setting up an authenticator app right after the password, when the company requires a
    second factor and the person has none. They are signed in once the first code checks."""
    stage = LoginStageController.enter(request, SetUpSecondFactorStage.key)
    if stage is None:
        return redirect("login")
    user = stage.login.user
    form = ActivateTOTPForm(user=user, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            totp = TOTP.activate(user, form.secret).instance
            RecoveryCodes.activate(user)
        clear_totp_secret(request)
        # Counted as a fresh (re)authentication: the person typed their password and a code
        # from the new app seconds ago, so allauth shows the recovery codes next without
        # asking for the password again.
        record_authentication(
            request, user, "mfa", id=totp.pk, type=totp.type, reauthenticated=True
        )
        from culture import audit

        audit.record(user, "mfa.set_up_at_login", subject=user)
        stage.login.redirect_url = reverse("mfa_view_recovery_codes")
        messages.success(
            request,
            _(
                "Two-factor login is on. Keep these recovery codes somewhere safe: each one "
                "works once, if you lose your phone."
            ),
        )
        return stage.exit()
    from allauth.mfa.adapter import get_adapter as get_mfa_adapter

    adapter = get_mfa_adapter()
    totp_url = adapter.build_totp_url(user, form.secret)
    svg = adapter.build_totp_svg(totp_url)
    context = {
        "form": form,
        "totp_qr": "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode(),
        "totp_url": totp_url,
        "secret": form.secret,
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "sso/setup_at_login.html", context, status=status)


@require_POST
def reset_second_factor(request: AuthedHttpRequest, person_id: int) -> HttpResponse:
    # Whoever may not know the person exists (an inactive one) gets 404, other non-admins 403.
    person = access.get_person_data_for_user(request.user, person_id)
    admin = request.user
    removed = services.do_reset_second_factor(by=admin, person=person)
    if removed:
        messages.success(
            request,
            _(
                "%(name)s's two-factor login was reset: they set up a new one at their next "
                "password login."
            )
            % {"name": person.name},
        )
    else:
        messages.info(request, _("%(name)s had no second factor to reset.") % {"name": person.name})
    return redirect("people:profile", person.pk)


# --- The people admins' page -----------------------------------------------------------------


def _urls(request: AuthedHttpRequest, cfg: config.Config) -> dict[str, str]:
    build = request.build_absolute_uri
    metadata = build(reverse("saml_metadata", args=[config.SAML_ORG]))
    return {
        "oidc_callback": build(
            reverse("openid_connect_callback", kwargs={"provider_id": config.OIDC_PROVIDER_ID})
        ),
        "oidc_logout": build(reverse("login")),
        "saml_acs": build(reverse("saml_acs", args=[config.SAML_ORG])),
        "saml_sls": build(reverse("saml_sls", args=[config.SAML_ORG])),
        "saml_metadata": metadata,
        "saml_entity_id": cfg.saml_sp_entity_id or metadata,
    }


class _Group:
    """Some of a form's fields, for templates/_form_fields.html (one fieldset each)."""

    def __init__(self, form: forms.BaseForm, names: list[str]):
        self._fields = [form[name] for name in names if name in form.fields]

    def visible_fields(self) -> list[BoundField]:
        return self._fields

    def hidden_fields(self) -> list[BoundField]:
        return []

    def non_field_errors(self) -> list[str]:
        return []


FIELDSETS = [
    (gettext_lazy("Identity provider"), "", ["protocol"]),
    (
        "OpenID Connect",
        gettext_lazy(
            "Okta, Microsoft Entra ID, Google Workspace, Keycloak, Authentik: any issuer with "
            "discovery."
        ),
        ["oidc_issuer", "oidc_client_id", "oidc_client_secret", "oidc_trust_emails"],
    ),
    (
        "SAML 2.0",
        gettext_lazy(
            "The identity provider's metadata, by URL (read again every 4 hours) or pasted."
        ),
        ["saml_metadata_url", "saml_metadata_xml", "saml_idp_entity_id", "saml_sp_entity_id"],
    ),
    (
        gettext_lazy("Who logs in how"),
        "",
        ["email_domains", "create_people", "sso_required", "break_glass", "mfa_required"],
    ),
]


@require_http_methods(["GET", "POST"])
def sso_settings(request: AuthedHttpRequest) -> HttpResponse:
    admin = access.require_people_admin(request.user)
    row = IdentitySettings.load_or_default()
    cfg = config.load(row)
    form = IdentitySettingsForm(request.POST or None, instance=row, from_env=cfg.from_env)
    if request.method == "POST" and form.is_valid():
        services.do_update_identity_settings(by=admin, form=form)
        messages.success(request, _("Single sign-on settings saved."))
        return redirect("sso:settings")
    context = {
        "form": form,
        "fieldsets": [(legend, about, _Group(form, names)) for legend, about, names in FIELDSETS],
        "cfg": cfg,
        "urls": _urls(request, cfg),
        "secret_unreadable": cfg.oidc_secret_unreadable,
        "mfa_count": Authenticator.objects.exclude(type=Authenticator.Type.RECOVERY_CODES)
        .values("user")
        .distinct()
        .count(),
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "sso/settings.html", context, status=status)


@require_POST
def sso_test(request: AuthedHttpRequest) -> HttpResponseBase:
    """Start a login at the identity provider that signs nobody in: the answer is kept for
    this people admin and shown on the result page (sso.adapters.pre_social_login)."""
    admin = access.require_people_admin(request.user)
    cfg = config.current()
    if not cfg.enabled:
        messages.error(request, _("Save an identity provider first."))
        return redirect("sso:settings")
    request.session.pop(TEST_RESULT_SESSION_KEY, None)
    request.session[TEST_SESSION_KEY] = {"by": admin.pk, "at": time.time()}
    try:
        return start_sso(request, next_url=reverse("sso:test_result"))
    except Exception as exc:  # discovery or metadata could not be read: say so
        request.session.pop(TEST_SESSION_KEY, None)
        request.session[TEST_RESULT_SESSION_KEY] = {
            "at": time.time(),
            "protocol": cfg.protocol,
            "error": _("could not reach the identity provider"),
            "detail": f"{exc.__class__.__name__}: {exc}"[:500],
        }
        return redirect("sso:test_result")


@require_GET
def sso_test_result(request: AuthedHttpRequest) -> HttpResponse:
    access.require_people_admin(request.user)
    result = request.session.get(TEST_RESULT_SESSION_KEY)
    if result is not None and not isinstance(result, dict):
        raise PermissionDenied
    claims = ""
    if result and result.get("claims"):
        claims = json.dumps(result["claims"].get("extra_data"), indent=2, default=str)
    return render(request, "sso/test_result.html", {"result": result, "claims": claims})
