"""An API list costs the same number of queries at any size and on any page (keyset
cursors: no OFFSET, no COUNT)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from decisions.models import Memo
from feedback.models import WrittenFeedback
from tests.conftest import make_person, make_team
from tests.decisions.conftest import make_memo

pytestmark = pytest.mark.django_db

LISTS = [
    "people/?limit=5",
    "people/?q=grown&limit=5",
    "people/{manager}/reports/?limit=5",
    "people/{employee}/chain/",
    "teams/?limit=5",
    "memos/?limit=5",
    "circles/?limit=5",
    "feedback/received/?limit=5",
    "feedback/given/?limit=5",
    "keeper/tests/",
]


def _grow(world, n):
    for i in range(n):
        make_person(name=f"Grown {i}", manager=world.manager, team=make_team())
        make_memo(captain=world.peer, title=f"Memo {i}", state=Memo.State.OPEN)
        WrittenFeedback.objects.create(
            author=world.peer, recipient=world.employee, kind="start", text=f"Start {i}"
        )
        WrittenFeedback.objects.create(
            author=world.employee, recipient=world.peer, kind="stop", text=f"Stop {i}"
        )


def _count(api, url):
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(url)
    assert response.status_code == 200, (url, response.content)
    return len(ctx.captured_queries), response.json()


@pytest.mark.parametrize("url", LISTS)
def test_an_api_list_costs_the_same_at_any_size(world, api_as, url, django_assert_max_num_queries):
    from api.models import SCOPES

    api = api_as(world.manager, list(SCOPES))
    url = url.format(manager=world.manager.pk, employee=world.employee.pk)
    api.get(url)  # the token's "last used" is written on its first request
    _grow(world, 3)
    small, _ = _count(api, url)
    _grow(world, 30)
    with django_assert_max_num_queries(small):
        api.get(url)
    assert small <= 6, f"{url}: {small} queries"


def test_the_hundredth_page_costs_what_the_first_does(world, api_as):
    for i in range(40):
        make_person(name=f"Paged {i:02d}")
    api = api_as(world.employee, ["people:read"])
    api.get("teams/")
    first, body = _count(api, "people/?limit=2")
    for _ in range(15):
        body = api.get(body["next"]).json()
    later, _ = _count(api, body["next"])
    assert later == first
