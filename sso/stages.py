"""Login stages after the password (allauth's LoginStageController runs them in order; see
sso.adapters.AccountAdapter.get_login_stages).

1. AuthenticateStage: allauth's second-factor prompt, for password logins only. A login
   through the identity provider is the provider's to protect (its own MFA policy).
2. SetUpSecondFactorStage: when the company requires a second factor for this person and they
   have none, they set up an authenticator app right there (sso.views.setup_at_login) before
   they are signed in: not locked out, not let in without one.
"""

from __future__ import annotations

from allauth.account.stages import LoginStage
from allauth.core.internal.httpkit import headed_redirect_response
from allauth.mfa import stages as mfa_stages
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled

from sso import config
from sso.adapters import sso_login


class AuthenticateStage(mfa_stages.AuthenticateStage):
    def _should_handle(self, request) -> bool:
        if sso_login(self.login):
            return False
        return super()._should_handle(request)


class SetUpSecondFactorStage(LoginStage):
    key = "sso_mfa_setup"
    urlname = "login_mfa_setup"

    def handle(self):
        user = self.login.user
        if user is None or sso_login(self.login):
            return None, True
        if not config.current().mfa_required_for(user):
            return None, True
        if is_mfa_enabled(user, [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]):
            return None, True
        return headed_redirect_response("login_mfa_setup"), True
