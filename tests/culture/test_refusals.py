"""One error family for refused actions, answered in one place when a view does not show the
reason in place: 422 for invalid input, 409 for a conflict with the current state."""

import pytest
from django.conf import settings
from django.test import RequestFactory

from culture.errors import ActionRefused, Conflict, InvalidInput, RefusedMiddleware
from decisions.services import DecisionError
from feedback.services.circle import StepRefused
from pay.services import ProposalNotOpen


def _middleware():
    return RefusedMiddleware(lambda request: None)


def _request(user, *, htmx=False):
    headers = {"HX-Request": "true"} if htmx else {}
    request = RequestFactory().post("/anywhere", headers=headers)
    request.user = user
    request.htmx = htmx
    return request


def test_each_apps_refusal_is_one_of_the_family_with_its_status():
    assert issubclass(DecisionError, InvalidInput)
    assert issubclass(StepRefused, Conflict)
    assert issubclass(ProposalNotOpen, Conflict)
    assert InvalidInput("x").status == 422
    assert Conflict("x").status == 409
    assert ActionRefused("x", status=409, code="stale").status == 409


def test_the_refusal_middleware_is_installed():
    assert "culture.errors.RefusedMiddleware" in settings.MIDDLEWARE


@pytest.mark.parametrize(
    ("exc", "status"), [(InvalidInput("Nope: bad."), 422), (Conflict("Nope: stale."), 409)]
)
def test_a_refusal_a_view_lets_through_is_a_page_with_the_reason(world, exc, status):
    response = _middleware().process_exception(_request(world.employee), exc)
    assert response.status_code == status
    assert exc.message in response.content.decode()
    assert "<html" in response.content.decode().lower()


def test_an_htmx_refusal_is_the_fragment_swapped_into_the_alerts(world):
    response = _middleware().process_exception(
        _request(world.employee, htmx=True), Conflict("The room moved on.")
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "The room moved on." in body
    assert "<html" not in body.lower()
    assert response["HX-Retarget"] == "#alerts"


def test_other_exceptions_are_left_alone(world):
    assert _middleware().process_exception(_request(world.employee), ValueError("x")) is None
