"""Every API route x every persona's token -> the expected status.

Each persona holds a token with every scope, so this is the access gate's answer alone (the
scopes have their own tests). The company (tests/conftest.py): the employee's chain is
manager, skip_level, ceo; other_manager and outsider are another branch. The objects:
- a confidential memo the manager captains, naming the employee as a reader;
- an open memo anyone may rate;
- a circle of the manager (facilitator), the employee and the peer;
- the open keeper cycle, with the employee's test answered by the manager;
- the employee's pay.
A route under /api/v1/ that nobody listed here fails test_every_api_route_is_in_the_matrix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.urls import URLResolver, get_resolver, reverse

from tests.api.conftest import ALL_SCOPES, Api, make_token
from tests.conftest import PERSONAS, build_world

ALL = dict.fromkeys(PERSONAS, 200) | {"anonymous": 401, "inactive": 401}
MEMO_READERS = dict.fromkeys(PERSONAS, 404) | {
    "anonymous": 401,
    "inactive": 401,
    "manager": 200,
    "employee": 200,
}
IN_CIRCLE = dict.fromkeys(PERSONAS, 404) | {
    "anonymous": 401,
    "inactive": 401,
    "manager": 200,
    "employee": 200,
    "peer": 200,
}
# Keeper answers about the employee: their chain and people admins read; only their current
# manager answers (skip level and admins: 403); the employee never (404), nor anyone else.
KEEPER_ANSWER = dict.fromkeys(PERSONAS, 404) | {
    "anonymous": 401,
    "inactive": 401,
    "manager": 200,
    "skip_level": 403,
    "people_admin": 403,
}
# Pay of the employee: their chain and people admins; not the employee (their own page), not
# peers, not other branches.
PAY_CHAIN = dict.fromkeys(PERSONAS, 404) | {
    "anonymous": 401,
    "inactive": 401,
    "manager": 200,
    "skip_level": 200,
    "people_admin": 200,
}
NO_TOKEN_NEEDED = dict.fromkeys(PERSONAS, 200)


@dataclass
class Route:
    url: callable
    expect: dict
    method: str = "get"
    body: dict = field(default_factory=dict)


def setup(w) -> dict:
    from decisions.models import Memo
    from keeper.models import KeeperTest
    from pay.models import PayRecord
    from tests.decisions.conftest import make_memo
    from tests.feedback.factories import make_circle
    from tests.keeper.helpers import keeper_test_of, open_cycle_now

    cycle = open_cycle_now()
    test = keeper_test_of(cycle, w.employee)
    KeeperTest.objects.filter(pk=test.pk).update(answer="no")
    PayRecord.objects.create(
        person=w.employee, effective_date="2025-01-01", base_salary="70000", currency="EUR"
    )
    return {
        "secret": make_memo(captain=w.manager, confidential=True, readers=[w.employee]),
        "open": make_memo(captain=w.manager, state=Memo.State.OPEN),
        "circle": make_circle(facilitator=w.manager, people=[w.employee, w.peer]),
        "test": test,
    }


def _u(name, arg=None):
    def url(w, x):
        args = [] if arg is None else [arg(w, x)]
        return reverse(f"api:{name}", args=args)

    return url


ROUTES = {
    "openapi-json": Route(_u("openapi-json"), NO_TOKEN_NEEDED),
    "api-root": Route(_u("api-root"), NO_TOKEN_NEEDED),
    # The docs page is a page: a token opens no page (302 to the login page).
    "openapi-view": Route(_u("openapi-view"), dict.fromkeys(PERSONAS, 302)),
    "not_found": Route(lambda w, x: "/api/v1/nowhere/", dict.fromkeys(PERSONAS, 404)),
    "people": Route(_u("people"), ALL),
    "person": Route(_u("person", lambda w, x: w.employee.pk), ALL),
    "person_reports": Route(_u("person_reports", lambda w, x: w.manager.pk), ALL),
    "person_chain": Route(_u("person_chain", lambda w, x: w.employee.pk), ALL),
    "teams": Route(_u("teams"), ALL),
    "team": Route(_u("team", lambda w, x: w.team.pk), ALL),
    "memos": Route(_u("memos"), ALL),
    "memo": Route(_u("memo", lambda w, x: x["secret"].pk), MEMO_READERS),
    "memo_create": Route(
        _u("memo_create"), ALL | {p: 201 for p in ALL if ALL[p] == 200}, "post", {"title": "Idea"}
    ),
    "memo_rate": Route(
        _u("memo_rate", lambda w, x: x["open"].pk),
        ALL,
        "post",
        {"score": 4, "reason": "Worth testing on one team first."},
    ),
    "circles": Route(_u("circles"), ALL),
    "circle_summary": Route(_u("circle_summary", lambda w, x: x["circle"].pk), IN_CIRCLE),
    "feedback_received": Route(_u("feedback_received"), ALL),
    "feedback_given": Route(_u("feedback_given"), ALL),
    "keeper_tests": Route(_u("keeper_tests"), ALL),
    "keeper_answer": Route(
        _u("keeper_answer", lambda w, x: x["test"].pk), KEEPER_ANSWER, "post", {"answer": "yes"}
    ),
    "pay_position": Route(_u("pay_position", lambda w, x: w.employee.pk), PAY_CHAIN),
}


def _api_names() -> set[str]:
    for p in get_resolver().url_patterns:
        if isinstance(p, URLResolver) and p.namespace == "api":
            return {q.name for q in p.url_patterns}
    raise AssertionError("the API is not mounted")


def test_every_api_route_is_in_the_matrix():
    missing = sorted(_api_names() - set(ROUTES))
    assert not missing, f"API routes with no authorization matrix entry: {missing}"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(ROUTES))
def test_api_authorization_matrix(name, client):
    world = build_world()
    extra = setup(world)
    route = ROUTES[name]
    failures = []
    for persona in PERSONAS:
        person = world.persona(persona)
        token = None
        if person is not None:
            token = make_token(person, ALL_SCOPES)
        api = Api(client, token)
        url = route.url(world, extra)
        response = api.post(url, route.body) if route.method == "post" else api.get(url)
        expected = route.expect[persona]
        if response.status_code != expected:
            failures.append(f"{persona}: got {response.status_code}, expected {expected}")
        elif expected >= 400:
            assert response["Content-Type"] == "application/problem+json", (persona, name)
    assert not failures, f"{name} -> " + "; ".join(failures)
