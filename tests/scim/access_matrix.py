"""The SCIM endpoint and the page where people admins make its tokens.

SCIM opens with a bearer token and nothing else: every persona's session, a people admin's
included, gets 401 there, as does nobody (anonymous, inactive). The one exception is
/ServiceProviderConfig, which RFC 7643 §5 has a service answer without authentication.
The token page is for people admins."""

from django.urls import reverse

from tests.matrix import case

NO_SESSION = {"default": 401, "anonymous": 401, "inactive": 401}


def _token(w, x=None):
    from culture.scim import tokens

    row, _token = tokens.do_create_token(by=w.people_admin, name="Okta")
    return {"token": row}


def scim(name, *args):
    return lambda w, x: reverse(f"scim:{name}", args=args)


CASES = {
    "scim:service_provider_config": case(
        scim("service_provider_config"), default=200, anonymous=200, inactive=200
    ),
    "scim:resource_types": case(scim("resource_types"), **NO_SESSION),
    "scim:resource_type": case(scim("resource_type", "User"), **NO_SESSION),
    "scim:schemas": case(scim("schemas"), **NO_SESSION),
    "scim:schema": case(scim("schema", "urn:ietf:params:scim:schemas:core:2.0:User"), **NO_SESSION),
    "scim:users": case(scim("users"), **NO_SESSION),
    "scim:user": case(lambda w, x: reverse("scim:user", args=[w.employee.pk]), **NO_SESSION),
    "scim:groups": case(scim("groups"), **NO_SESSION),
    "scim:group": case(lambda w, x: reverse("scim:group", args=[w.team.pk]), **NO_SESSION),
    "scim:other": case(lambda w, x: "/scim/v2/Bulk", **NO_SESSION),
    "scim_tokens": case(lambda w, x: reverse("scim_tokens"), default=403, people_admin=200),
    "scim_tokens#create": case(
        lambda w, x: reverse("scim_tokens"),
        method="post",
        data=lambda w, x: {"name": "Okta"},
        default=403,
        people_admin=200,
    ),
    "scim_token_revoke": case(
        lambda w, x: reverse("scim_token_revoke", args=[x["token"].pk]),
        method="post",
        setup=_token,
        default=403,
        people_admin=302,
    ),
}
