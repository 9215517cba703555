"""The API in the page authorization matrix (tests/culture/test_authz_matrix.py): there,
every persona comes with a browser session, and a session opens no API route (401, a
people admin's included). The API's own matrix, over every persona's token, is
tests/api/test_authz_matrix.py. The token pages are pages like any other."""

from django.urls import reverse

from tests.matrix import case

NO_SESSION = {"default": 401, "anonymous": 401, "inactive": 401}


def _api(name, *args):
    return lambda w, x: reverse(f"api:{name}", args=[a(w) if callable(a) else a for a in args])


def _personal(w, x=None):
    from api import tokens

    row, _t = tokens.do_create_token(by=w.employee, name="mine", scopes=["people:read"])
    return {"token": row}


def _service(w, x=None):
    from api import tokens

    row, _t = tokens.do_create_token(
        by=w.people_admin, name="hr", scopes=["people:read"], kind="service"
    )
    return {"token": row}


CASES = {
    "api:openapi-json": case(_api("openapi-json"), anonymous=200, inactive=200),
    "api:openapi-view": case(_api("openapi-view")),
    "api:api-root": case(_api("api-root"), anonymous=200, inactive=200),
    "api:not_found": case(
        lambda w, x: "/api/v1/nothing/here", default=404, anonymous=404, inactive=404
    ),
    "api:people": case(_api("people"), **NO_SESSION),
    "api:person": case(_api("person", lambda w: w.employee.pk), **NO_SESSION),
    "api:person_reports": case(_api("person_reports", lambda w: w.manager.pk), **NO_SESSION),
    "api:person_chain": case(_api("person_chain", lambda w: w.employee.pk), **NO_SESSION),
    "api:teams": case(_api("teams"), **NO_SESSION),
    "api:team": case(_api("team", lambda w: w.team.pk), **NO_SESSION),
    "api:memos": case(_api("memos"), **NO_SESSION),
    "api:memo_create": case(
        _api("memo_create"), method="post", data=lambda w, x: {"title": "x"}, **NO_SESSION
    ),
    "api:memo": case(_api("memo", 1), **NO_SESSION),
    "api:memo_rate": case(_api("memo_rate", 1), method="post", **NO_SESSION),
    "api:circles": case(_api("circles"), **NO_SESSION),
    "api:circle_summary": case(_api("circle_summary", 1), **NO_SESSION),
    "api:feedback_received": case(_api("feedback_received"), **NO_SESSION),
    "api:feedback_given": case(_api("feedback_given"), **NO_SESSION),
    "api:keeper_tests": case(_api("keeper_tests"), **NO_SESSION),
    "api:keeper_answer": case(_api("keeper_answer", 1), method="post", **NO_SESSION),
    "api:pay_position": case(_api("pay_position", lambda w: w.employee.pk), **NO_SESSION),
    "api_tokens": case(lambda w, x: reverse("api_tokens")),
    "api_tokens#create": case(
        lambda w, x: reverse("api_tokens"),
        method="post",
        data=lambda w, x: {"name": "script", "scopes": ["people:read"], "days": 30},
    ),
    "api_token_revoke": case(
        lambda w, x: reverse("api_token_revoke", args=[x["token"].pk]),
        method="post",
        setup=_personal,
        default=404,
        employee=302,
    ),
    "api_service_tokens": case(
        lambda w, x: reverse("api_service_tokens"), default=403, people_admin=200
    ),
    "api_service_tokens#create": case(
        lambda w, x: reverse("api_service_tokens"),
        method="post",
        data=lambda w, x: {"name": "hris", "scopes": ["people:read"], "days": 30},
        default=403,
        people_admin=200,
    ),
    "api_service_token_revoke": case(
        lambda w, x: reverse("api_service_token_revoke", args=[x["token"].pk]),
        method="post",
        setup=_service,
        default=403,
        people_admin=302,
    ),
}
