"""Filtering and paging Users and Groups (RFC 7644 §3.4.2): in the database, by every
attribute an identity provider looks people up by."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from culture.models import Person
from tests.scim.conftest import ENTERPRISE, SEARCH, created, error

pytestmark = pytest.mark.django_db


def ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {r["id"] for r in response.json().get("Resources", [])}


@pytest.fixture
def three(scim):
    """Three provisioned people, one of them inactive, in two departments."""
    a = created(scim, 1, displayName="Alice Archer", externalId="ext-A")
    b = created(scim, 2, displayName="Bob Baker", **{ENTERPRISE: {"department": "Data"}})
    c = created(scim, 3, displayName="Carol Archer", active=False)
    return a["id"], b["id"], c["id"]


@pytest.mark.parametrize(
    "query,expected",
    [
        ('userName eq "PERSON1@acme.test"', {0}),
        ('userName sw "person"', {0, 1, 2}),
        ('userName co "son2"', {1}),
        ('userName ew "3@acme.test"', {2}),
        ('emails.value eq "person2@acme.test"', {1}),
        ('emails eq "person2@acme.test"', {1}),
        ('emails[type eq "work" and value co "son3"]', {2}),
        ('externalId eq "ext-A"', {0}),
        ('externalId eq "EXT-A"', set()),  # caseExact
        ('displayName co "archer"', {0, 2}),
        ('displayName sw "Bob" or displayName sw "Carol"', {1, 2}),
        ('active eq false and userName sw "person"', {2}),
        ('userName sw "person" and not (active eq false)', {0, 1}),
        ('name.familyName eq "family2"', {1}),
        (f'{ENTERPRISE}:department eq "data"', {1}),
        (f'{ENTERPRISE}:employeeNumber eq "E3"', {2}),
        ('userName sw "person" and title pr', {0, 1, 2}),
    ],
)
def test_users_filter(scim, three, query, expected):
    assert ids(scim.get(f"Users?filter={query}")) == {three[i] for i in expected}


def test_filter_by_manager_id(scim, world):
    found = ids(scim.get(f'Users?filter={ENTERPRISE}:manager.value eq "{world.manager.pk}"'))
    assert found == {str(world.employee.pk), str(world.peer.pk), str(world.inactive.pk)}


def test_filter_by_last_modified(scim, three):
    Person.objects.filter(pk=three[0]).update(updated_at=timezone.now() + timedelta(days=1))
    since = (timezone.now() + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert ids(scim.get(f'Users?filter=meta.lastModified gt "{since}"')) == {three[0]}


def test_filter_by_id_and_a_foreign_id_matches_nothing(scim, three):
    assert ids(scim.get(f'Users?filter=id eq "{three[1]}"')) == {three[1]}
    assert ids(scim.get('Users?filter=id eq "not-an-id"')) == set()


def test_an_invalid_filter_is_400_invalid_filter(scim):
    for query in ("userName eq", 'nickName eq "x"', 'userName zz "x"', "active gt true"):
        response = scim.get(f"Users?filter={query}")
        assert response.status_code == 400, query
        assert error(response)["scimType"] == "invalidFilter", query


def test_paging_with_start_index_and_count(scim, three):
    query = 'Users?filter=userName sw "person"&count=2'
    first = scim.get(query + "&startIndex=1").json()
    second = scim.get(query + "&startIndex=3").json()
    assert first["totalResults"] == second["totalResults"] == 3
    assert (first["startIndex"], first["itemsPerPage"]) == (1, 2)
    assert (second["startIndex"], second["itemsPerPage"]) == (3, 1)
    got = [r["id"] for r in first["Resources"] + second["Resources"]]
    assert got == sorted(three, key=int)


def test_a_count_above_the_maximum_is_bounded(scim, world):
    body = scim.get("Users?count=100000").json()
    assert body["itemsPerPage"] == body["totalResults"] == Person.objects.count()


def test_count_zero_answers_the_total_only(scim, world):
    body = scim.get("Users?count=0").json()
    assert body["totalResults"] == Person.objects.count()
    assert not body.get("Resources")


def test_attributes_and_excluded_attributes_shape_the_answer(scim, three):
    one = scim.get(f"Users/{three[0]}?attributes=userName").json()
    assert set(one) <= {"schemas", "id", "userName"}
    listed = scim.get('Users?filter=userName eq "person1@acme.test"&excludedAttributes=emails')
    assert "emails" not in listed.json()["Resources"][0]


def test_a_search_costs_the_same_queries_at_any_size(scim, three, django_assert_max_num_queries):
    scim.get('Users?filter=userName eq "person1@acme.test"')  # the token's last use is written
    with django_assert_max_num_queries(3):  # the token, the count, the page
        scim.get("Users?count=200")
    for n in range(4, 30):
        created(scim, n)
    with django_assert_max_num_queries(3):
        body = scim.get("Users?count=200").json()
    assert body["itemsPerPage"] >= 29


def test_search_with_post_on_dot_search(scim, three):
    response = scim.post(
        "Users/.search",
        {
            "schemas": [SEARCH],
            "filter": 'displayName co "archer"',
            "startIndex": 1,
            "count": 10,
        },
    )
    assert ids(response) == {three[0], three[2]}


def test_groups_filter_by_name_and_member(scim, world):
    assert ids(scim.get('Groups?filter=displayName eq "platform"')) == {str(world.team.pk)}
    member = ids(scim.get(f'Groups?filter=members[value eq "{world.outsider.pk}"]'))
    assert member == {str(world.other_team.pk)}
    both = f'displayName eq "Growth" and members.value eq "{world.outsider.pk}"'
    assert ids(scim.get(f"Groups?filter={both}")) == {str(world.other_team.pk)}


@pytest.mark.parametrize(
    "method,path,body",
    [
        ("get", "Users?count=2&startIndex=2", None),
        ("get", 'Users?filter=userName sw "person"&attributes=userName,emails', None),
        ("get", "Users?excludedAttributes=emails,name", None),
        ("get", "Users?count=0", None),
        ("get", 'Users?filter=userName eq "nobody@acme.test"', None),
        ("get", "Groups", None),
        ("get", "Groups?excludedAttributes=members", None),
        ("post", "Users/.search", {"filter": 'displayName co "archer"', "count": 1}),
        ("post", "/scim/v2/.search", {"startIndex": 2, "count": 3}),
        ("get", "Users/{employee}", None),
        ("get", "Groups/{team}", None),
        ("get", "Schemas", None),
    ],
)
def test_an_answer_is_the_same_as_scim2_servers_own(
    world, scim, three, monkeypatch, method, path, body
):
    """culture.scim.views.Service publishes a resource without copying it and dumps each
    listed one once, where scim2-server copies, and dumps, validates and dumps again: the
    answers must not differ (a manager's and the members' references included)."""
    from scim2_server.service import ScimService

    from culture.scim.views import Service

    with_references = path in ("Users/{employee}", "Groups/{team}")  # a manager, members
    path = path.format(employee=world.employee.pk, team=world.team.pk)

    def send():
        if body is None:
            return scim.get(path)
        return getattr(scim, method)(path, {"schemas": [SEARCH], **body})

    ours = send()
    monkeypatch.setattr(Service, "search_response", ScimService.search_response)
    monkeypatch.setattr(Service, "publish", ScimService.publish)
    theirs = send()
    assert ours.status_code == theirs.status_code == 200, ours.content
    assert ours.json() == theirs.json()
    if with_references:
        assert "'$ref': 'http://testserver/scim/v2/Users/" in str(ours.json())
    if "itemsPerPage" in ours.json():
        assert ours.json()["itemsPerPage"] == len(ours.json().get("Resources", []))


def test_the_references_published_are_the_only_ones_the_schemas_have():
    """Service.publish makes URLs of a manager's and a group member's $ref only: a reference
    added to the schemas must be published there too."""
    from scim2_models import Path, Reference
    from scim2_server.service import parametrize

    from culture.scim.schema import Group, UserResource

    found = {
        str(path)
        for model in (UserResource, Group)
        for path in parametrize(Path, model).iter_paths(target_type=[Reference])
    }
    assert found == {f"{ENTERPRISE}:manager.$ref", "members.$ref"}
