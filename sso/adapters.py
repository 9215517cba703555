"""Where allauth meets the product.

AccountAdapter: the password login (no self sign-up; Django's wording for a wrong password;
the password-guessing limits are ours, see `pre_authenticate`), and the login stages: the
second factor, then setting one up when the company requires it.

SocialAccountAdapter: the company's identity provider as allauth SocialApps built from our own
settings (sso/config.py: the secret decrypted in memory, never in allauth's table), and the
decision of who an SSO login signs in (`pre_social_login`): the person whose email the
provider vouches for, if active; someone unknown only when the company lets first logins
create people. Nothing is kept in allauth's SocialAccount table: every login is matched again
by email, so a person who leaves, changes address or is deactivated is judged afresh.
"""

from __future__ import annotations

import logging
import time

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from sso import config

log = logging.getLogger(__name__)

TEST_SESSION_KEY = "sso_test"
TEST_RESULT_SESSION_KEY = "sso_test_result"
LOGOUT_SESSION_KEY = "sso_logout"
TEST_TTL = 600  # seconds a started connection test waits for the provider's answer


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # Django's LoginView said this before allauth; people and tests know it.
        "email_password_mismatch": _(
            "Please enter a correct email and password. Note that both fields may be "
            "case-sensitive."
        ),
    }

    def is_open_for_signup(self, request) -> bool:
        return False  # people come from the import, invitations, SSO or provisioning

    def pre_authenticate(self, request, **credentials) -> None:
        """allauth would count failed passwords per email (5 in 5 minutes), refusing that
        account to everyone: anyone could lock anyone out. Password guessing is limited as
        before allauth: django-axes per account and client address, and culture.ratelimit's
        login.ip per address, checked by the login view before this. allauth's own limit
        still guards the second-factor codes (mfa's check_rate_limit)."""

    def get_login_stages(self) -> list[str]:
        return ["sso.stages.AuthenticateStage", "sso.stages.SetUpSecondFactorStage"]

    def login(self, request, user) -> None:
        # A login that did not go through authenticate() (SSO) has no backend yet; allauth
        # would pick the first backend with get_user, which is axes' (it answers None).
        if not hasattr(user, "backend"):
            user.backend = "culture.backends.PersonBackend"
        super().login(request, user)

    def respond_user_inactive(self, request, user):
        return render(request, "sso/refused.html", {"reason": "inactive"}, status=403)

    def get_logout_redirect_url(self, request) -> str:
        from django.urls import reverse

        return reverse("login")


def sso_login(login) -> bool:
    """Whether this allauth Login came from the identity provider (and not a password)."""
    return bool(login.signal_kwargs and login.signal_kwargs.get("sociallogin"))


def _claims(sociallogin) -> dict:
    return {
        "uid": sociallogin.account.uid,
        "provider": sociallogin.account.provider,
        "extra_data": sociallogin.account.extra_data,
    }


def _email(sociallogin, cfg: config.Config) -> tuple[str, bool]:
    """The email the provider sent, and whether we take it as the provider's word."""
    addresses = list(sociallogin.email_addresses or [])
    email = (addresses[0].email if addresses else "") or (
        sociallogin.user.email if sociallogin.user is not None else ""
    )
    email = (email or "").strip().lower()
    if not email:
        return "", False
    if cfg.protocol == "saml":
        # python3-saml accepted the response only with a signed assertion (want_assertion_
        # signed), from the configured IdP, for our audience: the email is the IdP's word.
        return email, True
    verified = any(a.verified for a in addresses if a.email.lower() == email)
    return email, verified or cfg.oidc_trust_emails


def decide(cfg: config.Config, email: str, verified: bool):
    """(person, None) to sign in; (None, reason) to refuse; (None, "create") to create."""
    from culture.models import Person

    if not email:
        return None, "no_email"
    if not verified:
        return None, "unverified"
    person = Person.objects.filter(email__iexact=email).first()
    if person is None:
        return (None, "create") if cfg.create_people else (None, "unknown")
    if not person.is_active or person.erased_at:
        return None, "inactive"
    return person, None


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def list_apps(self, request, provider=None, client_id=None):
        apps = config.social_apps()
        if provider:
            apps = [a for a in apps if provider in (a.provider, a.provider_id)]
        if client_id:
            apps = [a for a in apps if a.client_id == client_id]
        return apps

    def is_open_for_signup(self, request, sociallogin) -> bool:
        return False  # pre_social_login creates people itself, when the company allows it

    def authenticate_by_email(self, sociallogin):
        return None  # pre_social_login matches by the provider's email, every login

    def pre_social_login(self, request, sociallogin) -> None:
        from culture import audit
        from sso import services

        cfg = config.current()
        email, verified = _email(sociallogin, cfg)
        person, reason = decide(cfg, email, verified)
        test = request.session.pop(TEST_SESSION_KEY, None)
        if test and self._test_allowed(request, test):
            request.session[TEST_RESULT_SESSION_KEY] = {
                "at": time.time(),
                "protocol": cfg.protocol,
                "claims": _claims(sociallogin),
                "email": email,
                "verified": verified,
                "person": person.name if person else "",
                "outcome": reason or "sign_in",
            }
            raise ImmediateHttpResponse(redirect("sso:test_result"))
        if reason == "create":
            person = services.do_create_person_from_sso(email=email, sociallogin=sociallogin)
        elif reason:
            audit.record(
                None,
                "sso.login_refused",
                subject=None,
                detail={"reason": reason, "email": email, "protocol": cfg.protocol},
                request=request,
            )
            raise ImmediateHttpResponse(
                render(request, "sso/refused.html", {"reason": reason, "email": email}, status=403)
            )
        sociallogin.user = person
        sociallogin.account.user = person
        logout = {"protocol": cfg.protocol}
        if cfg.protocol == "saml":
            logout["name_id"] = sociallogin.account.uid
        request.session[LOGOUT_SESSION_KEY] = logout

    def _test_allowed(self, request, test: dict) -> bool:
        user = request.user
        return bool(
            user.is_authenticated
            and user.is_active
            and user.is_people_admin
            and user.pk == test.get("by")
            and time.time() - test.get("at", 0) < TEST_TTL
        )

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ):
        log.warning("single sign-on failed: %s %s", error, exception or "")
        if request.session.pop(TEST_SESSION_KEY, None):
            request.session[TEST_RESULT_SESSION_KEY] = {
                "at": time.time(),
                "protocol": config.current().protocol,
                "error": str(error or ""),
                "detail": str(exception or "")
                or str((extra_context or {}).get("saml_last_error_reason", "")),
            }
            raise ImmediateHttpResponse(redirect("sso:test_result"))
