"""Every URL of logging in, single sign-on and two-factor login x every persona.

The matrix logs people in with force_login, as a session that finished logging in would be:
allauth's pages that need a recent login (adding or removing a second factor, recovery codes)
first send them to reauthenticate (302), as they would anyone whose login is older than
ACCOUNT_REAUTHENTICATION_TIMEOUT. The identity provider's return URLs answer 404 while no
provider is set up (the matrix's company has none); tests/sso/test_oidc.py and test_saml.py
drive them against real providers.
"""

from django.urls import reverse

from tests.matrix import case

SETUP_FIRST = {"anonymous": 302, "inactive": 302}


def _totp(w):
    from allauth.mfa.totp.internal.auth import TOTP

    from tests.conftest import TOTP_SECRETS

    TOTP.activate(w.employee, TOTP_SECRETS[w.employee.email])
    return {}


CASES = {
    # allauth's names for the product's login and logout (culture/urls.py).
    "account_login": case(
        lambda w, x: reverse("account_login"), anonymous=200, inactive=200, default=302
    ),
    "account_logout": case(lambda w, x: reverse("account_logout"), method="post", default=302),
    # Only reachable in the middle of a login (a pending stage); otherwise back to login.
    "login_mfa_setup": case(lambda w, x: reverse("login_mfa_setup"), default=302, **SETUP_FIRST),
    "mfa_authenticate": case(lambda w, x: reverse("mfa_authenticate"), default=302),
    "account_reauthenticate": case(lambda w, x: reverse("account_reauthenticate")),
    # A person's own second factors.
    "mfa_index": case(lambda w, x: reverse("mfa_index")),
    "mfa_activate_totp": case(lambda w, x: reverse("mfa_activate_totp"), default=302),
    # 404 without an authenticator app; with one (the people admin persona has one, as people
    # admins must), first a recent login.
    "mfa_deactivate_totp": case(
        lambda w, x: reverse("mfa_deactivate_totp"), default=404, people_admin=302
    ),
    "mfa_deactivate_totp#active": case(
        lambda w, x: reverse("mfa_deactivate_totp"),
        setup=_totp,
        default=404,
        employee=302,
        people_admin=302,
    ),
    # Confirming it is you with a second factor: for those who have one.
    "mfa_reauthenticate": case(
        lambda w, x: reverse("mfa_reauthenticate"), default=302, people_admin=200
    ),
    # Nothing to show or download before a second factor exists.
    "mfa_view_recovery_codes": case(lambda w, x: reverse("mfa_view_recovery_codes"), default=404),
    "mfa_generate_recovery_codes": case(
        lambda w, x: reverse("mfa_generate_recovery_codes"), default=302
    ),
    "mfa_download_recovery_codes": case(
        lambda w, x: reverse("mfa_download_recovery_codes"), default=404
    ),
    "mfa_list_webauthn": case(lambda w, x: reverse("mfa_list_webauthn")),
    "mfa_add_webauthn": case(lambda w, x: reverse("mfa_add_webauthn"), default=302),
    "mfa_reauthenticate_webauthn": case(
        lambda w, x: reverse("mfa_reauthenticate_webauthn"), default=302
    ),
    "mfa_remove_webauthn": case(lambda w, x: reverse("mfa_remove_webauthn", args=[1]), default=302),
    "mfa_edit_webauthn": case(lambda w, x: reverse("mfa_edit_webauthn", args=[1]), default=302),
    # The identity provider's way back: public (the provider's redirect carries no session
    # of ours), and 404 while no provider is set up.
    "openid_connect_callback": case(
        lambda w, x: reverse("openid_connect_callback", args=["company"]),
        default=404,
        anonymous=404,
        inactive=404,
    ),
    # The ACS only parks the POST for the finishing GET (SameSite=Lax cookies are not sent
    # on the provider's cross-site POST); the finish finds no provider.
    "saml_acs": case(
        lambda w, x: reverse("saml_acs", args=["company"]),
        method="post",
        data=lambda w, x: {"SAMLResponse": "x"},
        default=302,
    ),
    "saml_finish_acs": case(
        lambda w, x: reverse("saml_finish_acs", args=["company"]),
        default=404,
        anonymous=404,
        inactive=404,
    ),
    "saml_sls": case(
        lambda w, x: reverse("saml_sls", args=["company"]),
        default=404,
        anonymous=404,
        inactive=404,
    ),
    "saml_metadata": case(
        lambda w, x: reverse("saml_metadata", args=["company"]),
        default=404,
        anonymous=404,
        inactive=404,
    ),
    # Starting single sign-on: public; with no provider, back to the login page.
    "sso:start": case(lambda w, x: reverse("sso:start"), method="post", default=302),
    "sso:idp_logout": case(lambda w, x: reverse("sso:idp_logout"), method="post", default=302),
    # The people admins' page, its connection test and its result.
    "sso:settings": case(lambda w, x: reverse("sso:settings"), default=403, people_admin=200),
    "sso:test": case(
        lambda w, x: reverse("sso:test"), method="post", default=403, people_admin=302
    ),
    "sso:test_result": case(lambda w, x: reverse("sso:test_result"), default=403, people_admin=200),
    # Resetting someone's second factor (a lost phone): people admins only; whoever may not
    # know an inactive person exists gets 404.
    "sso:reset_mfa": case(
        lambda w, x: reverse("sso:reset_mfa", args=[w.employee.pk]),
        method="post",
        default=403,
        people_admin=302,
    ),
    "sso:reset_mfa#inactive": case(
        lambda w, x: reverse("sso:reset_mfa", args=[w.inactive.pk]),
        method="post",
        default=404,
        people_admin=302,
    ),
}
