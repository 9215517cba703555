"""People and teams: the directory and the reporting tree (scope people:read). The
directory is open to every employee, as on the pages (no closed doors); inactive people
are for people admins only (culture.access.get_person_for_user)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router, Schema

from api.core import DEFAULT_LIMIT, caller, paginate
from culture import access
from culture.models import Person, PersonQuerySet, Team

router = Router(tags=["people"])
SCOPE = "people:read"


class TeamRef(Schema):
    id: int
    name: str
    slug: str


class PersonRef(Schema):
    id: int
    name: str


class PersonOut(Schema):
    id: int
    name: str
    title: str
    location: str
    team: TeamRef | None
    manager: PersonRef | None


class PersonDetail(PersonOut):
    email: str
    job_family: str
    level: int | None
    start_date: date | None
    is_active: bool


class PersonPage(Schema):
    items: list[PersonOut]
    next: str | None


class TeamOut(Schema):
    id: int
    name: str
    slug: str
    description: str


class TeamPage(Schema):
    items: list[TeamOut]
    next: str | None


def _people() -> PersonQuerySet:
    return Person.objects.active().select_related("team", "manager")


@router.get(
    "/people/",
    response=PersonPage,
    url_name="people",
    summary="The directory",
    openapi_extra={"x-scope": SCOPE},
)
def people(
    request: HttpRequest,
    q: str = "",
    team: str = "",
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> dict[str, Any]:
    """Active people by name. `q` searches name, email, title, job family, location and
    team; `team` is a team's slug."""
    caller(request, SCOPE)
    rows = _people().search(q[:100])
    if team:
        rows = rows.filter(team__in=Team.objects.named(team[:120]))
    items, next_url = paginate(request, rows, order=("name", "id"), cursor=cursor, limit=limit)
    return {"items": items, "next": next_url}


@router.get(
    "/people/{person_id}/",
    response=PersonDetail,
    url_name="person",
    summary="One person",
    openapi_extra={"x-scope": SCOPE},
)
def person(request: HttpRequest, person_id: int) -> Person:
    me = caller(request, SCOPE)
    return access.get_person_for_user(me, person_id)


@router.get(
    "/people/{person_id}/reports/",
    response=PersonPage,
    url_name="person_reports",
    summary="A person's direct reports (the tree, one level down)",
    openapi_extra={"x-scope": SCOPE},
)
def reports(
    request: HttpRequest, person_id: int, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> dict[str, Any]:
    me = caller(request, SCOPE)
    person = access.get_person_for_user(me, person_id)
    rows = _people().direct_reports_of(person)
    items, next_url = paginate(request, rows, order=("name", "id"), cursor=cursor, limit=limit)
    return {"items": items, "next": next_url}


@router.get(
    "/people/{person_id}/chain/",
    response=list[PersonRef],
    url_name="person_chain",
    summary="A person's management chain, nearest manager first",
    openapi_extra={"x-scope": SCOPE},
)
def chain(request: HttpRequest, person_id: int) -> list[Person]:
    me = caller(request, SCOPE)
    person = access.get_person_for_user(me, person_id)
    return Person.objects.chain_above(person)


@router.get(
    "/teams/",
    response=TeamPage,
    url_name="teams",
    summary="Every team",
    openapi_extra={"x-scope": SCOPE},
)
def teams(
    request: HttpRequest, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> dict[str, Any]:
    caller(request, SCOPE)
    rows = Team.objects.filter(scim_deleted_at__isnull=True)
    items, next_url = paginate(request, rows, order=("name", "id"), cursor=cursor, limit=limit)
    return {"items": items, "next": next_url}


@router.get(
    "/teams/{team_id}/",
    response=TeamOut,
    url_name="team",
    summary="One team (its people: /people/?team=<slug>)",
    openapi_extra={"x-scope": SCOPE},
)
def team(request: HttpRequest, team_id: int) -> Team:
    caller(request, SCOPE)
    found = Team.objects.filter(pk=team_id, scim_deleted_at__isnull=True).first()
    if found is None:
        raise Http404
    return found
