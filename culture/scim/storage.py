"""Where scim2-server reads and writes: people as Users, teams as Groups.

scim2-server runs the protocol (routing, validation of bodies, PATCH applied to the resource
read here, ETag preconditions, paging, the responses); this storage answers its five calls
from the database and hands every write to culture.scim.services. One storage serves one
request: it knows the token (for the audit log) and whether the request writes (then what it
reads is locked until the request's transaction ends, so that the version a PATCH was applied
to is still the stored one when it is written).
"""

from __future__ import annotations

import contextlib
from typing import Any, cast

from django.db import connection, transaction
from django.db.models import QuerySet
from scim2_models import (
    InvalidFilterException,
    NotFoundException,
    PreconditionFailedException,
    Resource,
    ResourceType,
    ResponseParameters,
    ScimFilter,
    SearchRequest,
)
from scim2_server.storage import ScimStorage, SearchPage

from culture.models import Person, ScimToken, ScimUser, Team
from culture.scim import filters, mapping, services
from culture.scim.schema import Group

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _columns(model, alias: str) -> tuple[list, str]:
    fields = list(model._meta.concrete_fields)
    return fields, ", ".join(f'{alias}."{f.column}"' for f in fields)


_PERSON_FIELDS, _P = _columns(Person, "p")
_SCIM_FIELDS, _S = _columns(ScimUser, "s")
_TEAM_FIELDS, _T = _columns(Team, "t")
# visible_people().select_related("scim", "team").filter(pk=...), written out: every PATCH,
# PUT and read by id starts here, and building that query cost more than running it
# (bench/README.md, item 34).
_PERSON_SQL = f"""
SELECT {_P}, {_S}, {_T} FROM culture_person p
LEFT JOIN culture_scimuser s ON s.person_id = p.id
LEFT JOIN culture_team t ON t.id = p.team_id
WHERE p.id = %s AND p.erased_at IS NULL AND s.deleted_at IS NULL
"""  # noqa: S608 - column names from the models


def read_person(pk: int, *, lock: bool = False) -> Person | None:
    """A person SCIM shows, with their ScimUser row and team attached as select_related
    attaches them; locked (FOR UPDATE) for a write."""
    with connection.cursor() as cursor:
        cursor.execute(_PERSON_SQL + (" FOR UPDATE OF p" if lock else ""), [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    n, m = len(_PERSON_FIELDS), len(_PERSON_FIELDS) + len(_SCIM_FIELDS)
    person = Person.from_db("default", [f.attname for f in _PERSON_FIELDS], row[:n])
    scim = (
        ScimUser.from_db("default", [f.attname for f in _SCIM_FIELDS], row[n:m])
        if row[n] is not None
        else None
    )
    team = (
        Team.from_db("default", [f.attname for f in _TEAM_FIELDS], row[m:])
        if row[m] is not None
        else None
    )
    Person.scim.related.set_cached_value(person, scim)
    if scim is not None:
        ScimUser.person.field.set_cached_value(scim, person)
    Person.team.field.set_cached_value(person, team)
    return person


def _pk(resource_id: str | None) -> int:
    text = str(resource_id or "")
    if not text.isdigit() or len(text) > 18:
        raise NotFoundException(detail=f"No resource has the id '{text[:40]}'")
    return int(text)


def _is_group(resource_type: ResourceType) -> bool:
    return resource_type.name == "Group"


class DjangoStorage(ScimStorage):
    def __init__(self, *, token: ScimToken | None, method: str):
        # None only for what needs no token (/ServiceProviderConfig), which writes nothing.
        self.token = token
        self.writes = method.upper() in WRITES
        self._read: dict[tuple[str, int], Any] = {}  # rows read (and locked) this request

    @property
    def _writer(self) -> ScimToken:
        """The token a write is made with: every write needs one (views.dispatch)."""
        assert self.token is not None
        return self.token

    @contextlib.contextmanager
    def operation(self):
        """A write runs in one transaction (what it read stays locked until it ends); a read
        needs none (two statements fewer: BEGIN and COMMIT)."""
        if not self.writes:
            yield
            return
        with transaction.atomic():
            yield

    # --- Reading ---------------------------------------------------------------------------

    def _person(self, resource_id: str | None) -> Person:
        key = ("User", _pk(resource_id))
        if key not in self._read:
            person = read_person(key[1], lock=self.writes)
            if person is None:
                raise NotFoundException(detail=f"No User has the id '{resource_id}'")
            self._read[key] = person
        return self._read[key]

    def _team(self, resource_id: str | None) -> Team:
        key = ("Group", _pk(resource_id))
        if key not in self._read:
            teams = services.visible_teams().order_by()
            if self.writes:
                teams = teams.select_for_update()
            team = teams.filter(pk=key[1]).first()
            if team is None:
                raise NotFoundException(detail=f"No Group has the id '{resource_id}'")
            self._read[key] = team
        return self._read[key]

    def _group(self, team: Team, *, members: bool = True) -> Resource:
        ids = (
            list(services.visible_people().filter(team=team).values_list("pk", flat=True))
            if members
            else []
        )
        return mapping.group_resource(team, ids)

    def get(
        self,
        resource_type: ResourceType,
        resource_id: str,
        *,
        response_parameters: ResponseParameters[Any] | None = None,
    ) -> Resource:
        if _is_group(resource_type):
            return self._group(self._team(resource_id))
        return mapping.user_resource(self._person(resource_id))

    def search(
        self,
        resource_types: list[ResourceType],
        search_request: SearchRequest[Any],
        *,
        position: Any = None,
    ) -> SearchPage:
        if len(resource_types) != 1:  # a search at the root: /.search over both types
            return self._search_all(resource_types, search_request)
        resource_type = resource_types[0]
        group = _is_group(resource_type)
        rows: QuerySet[Any, Any]  # teams or people, as `group` says
        if group:
            rows = services.visible_teams()
            fields = filters.GROUP_FIELDS
        else:
            rows = (
                services.visible_people()
                .alias(**filters.USER_ALIASES)
                .select_related("scim", "team")
            )
            fields = filters.USER_FIELDS
        scim_filter = search_request.filter
        if scim_filter is not None:
            if len(scim_filter.models) != 1:  # at the root, bound to both types: one each
                model = Group if group else mapping.UserResource
                scim_filter = ScimFilter.__class_getitem__(model)(str(scim_filter))
            rows = rows.filter(filters.to_q(scim_filter, fields))
        rows = rows.order_by("pk")
        start = search_request.start_index_0 or 0
        count = search_request.count
        page: list[Any] = (
            [] if count == 0 else list(rows[start : start + count] if count else rows[start:])
        )
        # A first page that is not full holds every match: no COUNT needed (the lookups an
        # identity provider makes on every sync find one person or none).
        full = not (start == 0 and count and len(page) < count)
        total = rows.count() if full else len(page)
        if group:
            members: dict[int, list[int]] = {team.pk: [] for team in page}
            if members and not _excludes_members(search_request):
                for pk, team_id in (
                    services.visible_people()
                    .filter(team_id__in=list(members))
                    .values_list("pk", "team_id")
                ):
                    members[team_id].append(pk)
            resources: list[Resource[Any]] = [
                mapping.group_resource(team, members[team.pk]) for team in page
            ]
        else:
            resources = [mapping.user_resource(person) for person in page]
        return SearchPage(total=total, resources=resources)

    def _search_all(self, resource_types, search_request) -> SearchPage:
        """Both types, Users first, then Groups (RFC 7644 §3.4.2.1); paged over the whole."""
        found = []
        for resource_type in resource_types:
            request = search_request.model_copy(update={"start_index": 1, "count": None})
            try:
                found += self.search([resource_type], request).resources
            except InvalidFilterException:
                continue  # an attribute this type does not have: none of it matches
        start = search_request.start_index_0 or 0
        count = search_request.count
        page = found[start : start + count] if count is not None else found[start:]
        return SearchPage(total=len(found), resources=page)

    # --- Writing ---------------------------------------------------------------------------

    def create(self, resource_type: ResourceType, resource: Resource) -> Resource:
        if _is_group(resource_type):
            team = services.do_create_group(
                token=self._writer, changes=mapping.group_changes(cast(Group, resource))
            )
            return self._group(team)
        person = services.do_create_user(
            token=self._writer, changes=mapping.user_changes(cast(mapping.UserResource, resource))
        )
        return mapping.user_resource(person)

    def update(
        self,
        resource_type: ResourceType,
        resource: Resource,
        *,
        expected_version: str | None = None,
    ) -> Resource:
        # The server parsed `resource` with this type's model.
        if _is_group(resource_type):
            team = self._checked_team(resource.id, expected_version)
            team = services.do_update_group(
                token=self._writer, team=team, changes=mapping.group_changes(cast(Group, resource))
            )
            return self._group(team)
        person = self._checked_person(resource.id, expected_version)
        services.do_update_user(
            token=self._writer,
            person=person,
            changes=mapping.user_changes(cast(mapping.UserResource, resource)),
        )
        return mapping.user_resource(person)

    def delete(
        self, resource_type: ResourceType, resource_id: str, *, expected_version: str | None = None
    ) -> None:
        if _is_group(resource_type):
            team = self._checked_team(resource_id, expected_version)
            services.do_delete_group(token=self._writer, team=team)
            return
        person = self._checked_person(resource_id, expected_version)
        services.do_delete_user(token=self._writer, person=person)

    # The row a write applies to, still at the version `expected` (the version the client's
    # If-Match, or the read this request made, saw). A row this request read was locked as
    # it was read: it cannot have moved since, so it is not read again.
    def _checked_team(self, resource_id: str | None, expected: str | None) -> Team:
        fresh = ("Group", _pk(resource_id)) not in self._read
        team = self._team(resource_id)
        if fresh and expected is not None:
            _check_version(self._group(team), expected)
        return team

    def _checked_person(self, resource_id: str | None, expected: str | None) -> Person:
        fresh = ("User", _pk(resource_id)) not in self._read
        person = self._person(resource_id)
        if fresh and expected is not None:
            _check_version(mapping.user_resource(person), expected)
        return person


def _check_version(current: Resource[Any], expected: str) -> None:
    if current.meta is None or current.meta.version != expected:
        raise PreconditionFailedException(detail="The resource changed since it was read")


def _excludes_members(search_request: SearchRequest[Any]) -> bool:
    """Entra lists groups with excludedAttributes=members: then they are not read."""
    excluded = search_request.excluded_attributes or []
    return any(
        str(path).lower() in ("members", f"{Group.__schema__}:members".lower()) for path in excluded
    )
