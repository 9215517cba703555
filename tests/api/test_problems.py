"""Errors are RFC 9457 problem details; a request over the rate limit gets 429 with
Retry-After; cursors are opaque and checked."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from culture.models import Person
from tests.api.conftest import Api

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def _problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert {"type", "title", "status"} <= set(body)
    return body


def test_no_token_is_a_401_problem_with_a_bearer_challenge(world, client):
    response = Api(client, None).get("people/")
    body = _problem(response, 401)
    assert body["type"] == "urn:culture:api:problem:unauthenticated"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_an_object_one_may_not_see_is_a_404_problem(world, api_as):
    body = _problem(api_as(world.outsider).get(f"pay/people/{world.employee.pk}/"), 404)
    assert body["type"] == "about:blank" and body["title"] == "Not Found"


def test_an_unknown_route_is_a_404_problem_too_whatever_the_method(world, client):
    _problem(Api(client, None).get("no/such/thing/"), 404)
    _problem(Api(client, None).post("no/such/thing/", {"a": 1}), 404)
    _problem(Api(client, None).get("people"), 404)  # no trailing slash


def test_invalid_fields_are_a_422_problem_listing_each_error(world, api_as):
    response = api_as(world.employee).post("memos/1/rating/", {"score": 99})
    body = _problem(response, 422)
    assert body["type"] == "urn:culture:api:problem:validation"
    locations = {e["location"] for e in body["errors"]}
    assert {"body.payload.score", "body.payload.reason"} <= locations


def test_a_path_that_is_not_a_number_is_a_422_problem(world, api_as):
    _problem(api_as(world.employee).get("people/abc/"), 422)


def test_a_service_refusal_is_a_422_problem_with_its_message(world, api_as):
    from decisions.models import Memo
    from tests.decisions.conftest import make_memo

    memo = make_memo(captain=world.manager, state=Memo.State.DECIDED)
    body = _problem(
        api_as(world.employee).post(
            f"memos/{memo.pk}/rating/", {"score": 3, "reason": "A reason long enough."}
        ),
        422,
    )
    assert body["type"] == "urn:culture:api:problem:refused"
    assert "closed" in body["detail"]


def test_a_cursor_the_api_did_not_give_out_is_a_400_problem(world, api_as):
    api = api_as(world.employee)
    _problem(api.get("people/", {"cursor": "bm90LWEtY3Vyc29y"}), 400)
    _problem(api.get("people/", {"cursor": "!!"}), 400)


def test_a_cursor_is_opaque_and_signed(world, api_as):
    api = api_as(world.employee)
    body = api.get("people/", {"limit": 2}).json()
    cursor = body["next"].split("cursor=")[1].split("&")[0]
    assert "Eli" not in cursor and "name" not in cursor
    tampered = cursor[:-3] + ("AAA" if not cursor.endswith("AAA") else "BBB")
    _problem(api.get("people/", {"cursor": tampered, "limit": 2}), 400)


def test_one_lists_cursor_is_refused_by_another(world, api_as):
    api = api_as(world.employee)
    cursor = api.get("people/", {"limit": 1}).json()["next"].split("cursor=")[1].split("&")[0]
    _problem(api.get("teams/", {"cursor": cursor}), 400)
    assert api.get("people/", {"cursor": cursor}).status_code == 200


def test_a_limit_is_capped_at_a_hundred(world, api_as):
    for i in range(105):
        Person.objects.create(name=f"Many {i:03d}", email=f"many{i}@example.test")
    body = api_as(world.employee).get("people/", {"limit": 1000}).json()
    assert len(body["items"]) == 100 and body["next"]


def test_over_the_rate_limit_is_a_429_problem_with_retry_after(world, api_as, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api.user": "3/m"}
    api = api_as(world.employee, ["people:read"])
    start = datetime.now(UTC).replace(microsecond=0)
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(3):
            assert api.get("teams/").status_code == 200
        clock.move_to(start + timedelta(seconds=20))
        response = api.get("teams/")
    body = _problem(response, 429)
    # The first of the three leaves the minute's window 40 s later: that is the wait.
    assert int(response["Retry-After"]) == 40
    assert body["retry_after"] == 40
    # Per person, whatever the token: a second token does not double the allowance.
    assert api_as(world.employee, ["people:read"]).get("teams/").status_code == 429
    assert api_as(world.peer, ["people:read"]).get("teams/").status_code == 200
