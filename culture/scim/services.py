"""Writes through SCIM: people and teams as an identity provider provisions them.

Keyword-only check_* (validate everything, write nothing) and do_* (write in one
transaction, audited with the token's name). A refused write raises a scim2-models
exception, which the service turns into the SCIM error (status, scimType, detail naming the
attribute): invalidValue (400) for a value the product cannot take, uniqueness (409) for one
another person or team already has.

Nobody's data is deleted here. Deactivating a person (active false, or DELETE) goes through
Person.save(), as the edit form does, so the day they left is recorded; it ends their
sessions; their history stays. A DELETEd person stays in the database, inactive, and SCIM
answers 404 for them from then on (ScimUser.deleted_at). A DELETEd group leaves the team row
(decision memos name teams) without members, hidden from SCIM.

The checks on the reporting line are the people import's (culture/people_import.py): the
manager must be a person the company has, and the line must not make a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.text import slugify
from scim2_models import InvalidValueException, UniquenessException

from culture import audit, sections
from culture.logout import end_sessions
from culture.models import Person, PersonQuerySet, ScimToken, ScimUser, Team, TeamQuerySet
from culture.scim.filters import USER_NAME_IDS
from culture.scim.schema import ENTERPRISE_SCHEMA
from webhooks import events

# SCIM's name for each value a User or Group write carries (for errors and the audit log).
USER_ATTRIBUTES = {
    "user_name": "userName",
    "email": "emails",
    "email_type": "emails.type",
    "email_primary": "emails.primary",
    "given_name": "name.givenName",
    "family_name": "name.familyName",
    "formatted_name": "name.formatted",
    "display_name": "displayName",
    "title": "title",
    "active": "active",
    "external_id": "externalId",
    "employee_number": f"{ENTERPRISE_SCHEMA}:employeeNumber",
    "department": f"{ENTERPRISE_SCHEMA}:department",
    "manager_id": f"{ENTERPRISE_SCHEMA}:manager",
}
GROUP_ATTRIBUTES = {"name": "displayName", "external_id": "externalId", "member_ids": "members"}
LIMITS = {
    "user_name": 255,
    "email": 254,
    "given_name": 150,
    "family_name": 150,
    "formatted_name": 300,
    "display_name": 150,
    "title": 150,
    "external_id": 255,
    "employee_number": 64,
    "department": 120,
}


def visible_people() -> PersonQuerySet:
    """The people SCIM shows: not erased, not deleted through SCIM."""
    return Person.objects.scim_visible()


def visible_teams() -> TeamQuerySet:
    return Team.objects.filter(scim_deleted_at__isnull=True)


@dataclass
class Problems:
    """Every problem found with one write, by SCIM attribute; raised together."""

    invalid: list[str] = field(default_factory=list)
    taken: list[str] = field(default_factory=list)

    def raise_any(self) -> None:
        if self.invalid:
            raise InvalidValueException(detail="; ".join(self.invalid))
        if self.taken:
            raise UniquenessException(detail="; ".join(self.taken))


def _audit(
    token: ScimToken,
    action: str,
    *,
    subject: Person | None = None,
    obj: Model | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    audit.record(
        None,
        action,
        subject=subject,
        obj=obj,
        detail={"scim_token": token.name, "scim_token_id": token.pk, **(detail or {})},
    )


def team_named(name: str) -> Team:
    """The team called `name`, created when missing with a slug of its own, as the people
    import makes them (culture.people_import.apply). A team SCIM had deleted is in use
    again: SCIM shows it again. (Its id and name only: what a person row needs.)"""
    # Every provisioned person asks: one short statement (the ORM's query building cost
    # SCIM provisioning its target: bench/README.md item 33).
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, scim_deleted_at FROM culture_team WHERE name = %s", [name])
        found = cursor.fetchone()
    if found is None:
        base = slugify(name)[:100] or "team"
        taken = set(Team.objects.filter(slug__startswith=base).values_list("slug", flat=True))
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        try:
            with transaction.atomic():  # a concurrent request may make the same team
                team = Team.objects.create(name=name, slug=slug)
            return team
        except IntegrityError:
            team = Team.objects.get(name=name)
            found = (team.pk, team.scim_deleted_at)
    if found[1] is not None:
        Team.objects.filter(pk=found[0]).update(scim_deleted_at=None)
    return Team(pk=found[0], name=name)


# --- Users ----------------------------------------------------------------------------------


@dataclass
class UserPlan:
    """A checked write of one person: the values their rows get."""

    person: Person | None
    person_values: dict[str, Any]
    scim_values: dict[str, Any]
    department: Any  # a team name, "" for none, or None when it does not change
    manager: Any  # a Person, None for none, or False when it does not change
    changed: list[str]
    scim_changed: bool
    returning: int | None = None  # a creation: the id of a person SCIM had deleted


def _scim_row(person: Person | None) -> ScimUser | None:
    if person is None or person.pk is None:
        return None
    try:
        return person.scim
    except Person.scim.RelatedObjectDoesNotExist:
        return None


def _current_user(person: Person | None) -> dict[str, Any]:
    """The values a User write starts from (nothing, for a new person)."""
    if person is None:
        return {
            "user_name": "",
            "email": None,
            "email_type": "",
            "email_primary": None,
            "given_name": "",
            "family_name": "",
            "formatted_name": "",
            "display_name": None,
            "title": "",
            "active": True,
            "external_id": "",
            "employee_number": "",
            "department": "",
            "manager_id": "",
        }
    scim = _scim_row(person)
    return {
        "user_name": scim.user_name if scim else person.email,
        "email": person.email,
        "email_type": scim.email_type if scim else "work",
        "email_primary": scim.email_primary if scim else True,
        "given_name": scim.given_name if scim else "",
        "family_name": scim.family_name if scim else "",
        "formatted_name": scim.formatted_name if scim else "",
        "display_name": person.name if scim is None or scim.display_name_set else None,
        "title": person.title,
        "active": person.is_active,
        "external_id": person.external_id,
        "employee_number": person.employee_number,
        "department": person.team.name if person.team else "",
        "manager_id": str(person.manager_id) if person.manager_id else "",
    }


def _derived_name(values: dict[str, Any], person: Person | None) -> str:
    """The name the product shows: the displayName sent, else the formatted name, else
    given and family names, else what they were called before, else their user name."""
    name = (
        values["display_name"]
        or values["formatted_name"]
        or " ".join(p for p in (values["given_name"], values["family_name"]) if p)
        or (person.name if person is not None else "")
        or values["user_name"].split("@")[0]
    )
    return name[:150]


def _id(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


# Django's select_for_update has no FOR SHARE; the people SCIM shows (visible_people).
_MANAGER_FOR_SHARE = """
SELECT p.id, p.name, p.manager_id FROM culture_person p
LEFT JOIN culture_scimuser s ON s.person_id = p.id
WHERE p.id = %s AND p.erased_at IS NULL AND s.deleted_at IS NULL
FOR SHARE OF p
"""


def _person_named(user_name: str) -> int | None:
    """The one person whose userName (or, without one, email) this is. RFC 7643 gives a
    manager by id, and Entra sends the id; Okta cannot (an expression sees no other user's
    id in an app), so a manager may also be named by userName there. Never by employee
    number: those are often digits, and a digit string is read as an id."""
    wanted = user_name.strip().lower()
    with connection.cursor() as cursor:
        cursor.execute(USER_NAME_IDS, [wanted, wanted])
        ids = {row[0] for row in cursor.fetchall()}
    return ids.pop() if len(ids) == 1 else None


def _check_manager(raw: str, person: Person | None, problems: Problems) -> Any:
    """The manager a write names, locked for share until the write commits (a concurrent
    change of that manager's own line waits, so that two changes cannot build a cycle
    between them, as culture.services.do_update_person's locks ensure; people who get the
    same manager at once do not wait for each other); None for none. A manager the company
    does not have, the person themself, or someone below them is a problem."""
    attr = USER_ATTRIBUTES["manager_id"]
    if not raw:
        return None
    pk = _id(raw)
    if pk is None:
        pk = _person_named(raw)
    found = None
    if pk is not None:
        with connection.cursor() as cursor:
            cursor.execute(_MANAGER_FOR_SHARE, [pk])
            row = cursor.fetchone()
        if row is not None:
            found = Person(pk=row[0], name=row[1], manager_id=row[2])
    if found is None:
        problems.invalid.append(f"{attr}: unknown manager: no User has the id '{raw[:40]}'")
    elif person is not None and found.pk == person.pk:
        problems.invalid.append(f"{attr}: a person cannot be their own manager")
    elif person is not None and person.is_above(found):
        chain = [found, *Person.objects.chain_above(found)]
        names = [p.name for p in chain[: [p.pk for p in chain].index(person.pk) + 1]]
        problems.invalid.append(f"{attr}: reporting cycle: {' -> '.join([person.name, *names])}")
    else:
        return found
    return None


# Every person holding a userName, email or employee number a write wants: each arm an
# index lookup (an OR of the same conditions across the join reads every person).
_CLASHES = """
SELECT p.id, p.email, p.employee_number, s.user_name_lower, s.deleted_at
FROM culture_person p LEFT JOIN culture_scimuser s ON s.person_id = p.id
WHERE p.id IN (
    SELECT person_id FROM culture_scimuser WHERE user_name_lower = %(user_name)s
    UNION SELECT id FROM culture_person WHERE email = %(user_name)s
    UNION SELECT id FROM culture_person WHERE email = %(email)s
    UNION SELECT id FROM culture_person WHERE employee_number = %(number)s
) AND p.id <> %(me)s
ORDER BY p.id
"""


def _check_unique(
    values: dict[str, Any], before: dict[str, Any], person: Person | None, problems: Problems
) -> int | None:
    """userName, email and employeeNumber no other person has (one query, and none when
    none of them changes). For a creation, a person SCIM had deleted with the same userName
    or email is no clash: they return (their id is returned)."""
    user_name = values["user_name"].lower()
    email, number = values["email"], values["employee_number"]
    new = person is None
    # NULL matches nobody: what does not change is not looked for.
    wanted = {
        "user_name": user_name if new or user_name != before["user_name"].lower() else None,
        "email": email if new or email != before["email"] else None,
        "number": number if number and (new or number != before["employee_number"]) else None,
        "me": person.pk if person is not None else -1,
    }
    if not (wanted["user_name"] or wanted["email"] or wanted["number"]):
        return None
    with connection.cursor() as cursor:
        cursor.execute(_CLASHES, wanted)
        others = cursor.fetchall()
    returning = None
    for pk, other_email, other_number, other_user_name, deleted_at in others:
        if new and deleted_at is not None and user_name in (other_user_name, other_email):
            returning = returning or pk
            continue
        if new and deleted_at is not None and other_email == email:
            returning = returning or pk
            continue
        if user_name in (other_user_name, other_email if other_user_name is None else None):
            problems.taken.append(f"userName: '{values['user_name']}' is another person's")
        if other_email == email:
            problems.taken.append(
                f"emails: '{email}' is the address of another person (id {pk}); find them "
                'with filter=emails.value eq "..."'
            )
        if number and other_number == number:
            problems.taken.append(
                f"{USER_ATTRIBUTES['employee_number']}: '{number}' is another person's"
            )
    return returning


def check_user(changes: dict[str, Any], *, person: Person | None) -> UserPlan:
    """Validate a User write (a creation when `person` is None) as a whole: every value,
    the uniqueness of userName, email and employeeNumber, that the manager exists and that
    the reporting line makes no cycle; lock the manager. Raises with every problem named;
    writes nothing. Call it inside the write's transaction."""
    before = _current_user(person)
    values = {**before, **changes}
    problems = Problems()
    for key, limit in LIMITS.items():
        value = values[key]
        if isinstance(value, str) and len(value) > limit:
            problems.invalid.append(f"{USER_ATTRIBUTES[key]}: longer than {limit} characters")
    if not values["user_name"]:
        problems.invalid.append("userName: required")
    email = values["email"]
    if not email:
        problems.invalid.append("emails: a person needs an email address to log in with")
    else:
        try:
            validate_email(email)
        except ValidationError:
            problems.invalid.append(f"emails: '{email[:80]}' is not an email address")
    if person is not None and person.erased_at is not None:
        problems.invalid.append("active: this person was erased and cannot come back")
    manager: Any = False
    if values["manager_id"] != before["manager_id"]:
        manager = _check_manager(values["manager_id"], person, problems)
        # A manager named by userName is that person's id from here on.
        values["manager_id"] = str(manager.pk) if manager else values["manager_id"]
        if values["manager_id"] == before["manager_id"]:
            manager = False
    problems.raise_any()
    returning = _check_unique(values, before, person, problems)
    problems.raise_any()

    changed = [USER_ATTRIBUTES[k] for k in USER_ATTRIBUTES if values[k] != before[k]]
    scim_values = {
        "user_name": values["user_name"],
        "email_type": values["email_type"],
        "email_primary": values["email_primary"],
        "given_name": values["given_name"],
        "family_name": values["family_name"],
        "formatted_name": values["formatted_name"],
        "display_name_set": values["display_name"] is not None,
    }
    scim = _scim_row(person)
    scim_changed = scim is None or any(getattr(scim, k) != v for k, v in scim_values.items())
    return UserPlan(
        person=person,
        person_values={
            "email": email,
            "name": _derived_name(values, person),
            "title": values["title"],
            "is_active": values["active"],
            "external_id": values["external_id"],
            "employee_number": values["employee_number"],
        },
        scim_values=scim_values,
        department=values["department"] if values["department"] != before["department"] else None,
        manager=manager,
        changed=changed,
        scim_changed=scim_changed,
        returning=returning,
    )


def _write_user(plan: UserPlan, *, person: Person) -> bool:
    """Apply a checked plan to `person` (saved or not). Returns whether they were
    deactivated by it."""
    was_active = person.is_active if person.pk else True
    for key, value in plan.person_values.items():
        setattr(person, key, value)
    if plan.department is not None:
        person.team = team_named(plan.department) if plan.department else None
    if plan.manager is not False:
        person.manager = plan.manager
    created = person.pk is None
    if created:
        person.set_unusable_password()
    # What a SCIM write can change, and what Person.save() derives from it (the day they
    # left, updated_at): a shorter UPDATE than every column.
    fields = None if created else [*plan.person_values, "team", "manager", "left_on", "updated_at"]
    try:
        person.save(update_fields=fields)  # records the day they left, as the edit form does
    except IntegrityError:  # a concurrent request took the same email or number first
        raise UniquenessException(detail="emails or employeeNumber: another person's")
    if plan.scim_changed:
        scim = None if created else _scim_row(person)
        if scim is None:
            scim = ScimUser.objects.create(person=person, **plan.scim_values)
        else:
            for key, value in plan.scim_values.items():
                setattr(scim, key, value)
            scim.save(update_fields=list(plan.scim_values))
        person.scim = scim
    return was_active and not person.is_active


def do_create_user(*, token: ScimToken, changes: dict[str, Any]) -> Person:
    """Create a person. Someone SCIM had deleted, with the same user name or email, is
    provisioned again instead: the same person, reactivated, their history intact."""
    with transaction.atomic(savepoint=False):
        plan = check_user(changes, person=None)
        if plan.returning is not None:
            return _do_return(token=token, person_id=plan.returning, changes=changes)
        person = Person()
        deactivated = _write_user(plan, person=person)
        _audit(token, "scim.user_created", subject=person, obj=person)
        events.emit_people("person.created", [person.pk])
        if deactivated:
            end_sessions([person.pk])
            sections.people_left([person.pk])
    return person


def _do_return(*, token: ScimToken, person_id: int, changes: dict[str, Any]) -> Person:
    person = (
        Person.objects.select_for_update(of=("self",))
        .select_related("scim", "team")
        .get(pk=person_id)
    )
    plan = check_user({"active": True, **changes}, person=person)
    _write_user(plan, person=person)
    ScimUser.objects.filter(person=person).update(deleted_at=None)
    person.scim.deleted_at = None
    _audit(token, "scim.user_created", subject=person, obj=person, detail={"returned": True})
    events.emit_people("person.updated", [person.pk])
    return person


def do_update_user(*, token: ScimToken, person: Person, changes: dict[str, Any]) -> Person:
    """Apply a PUT or PATCH to a person (read with select_related("scim", "team"), and
    locked by the caller). A write that changes nothing writes nothing."""
    with transaction.atomic(savepoint=False):
        plan = check_user(changes, person=person)
        if not plan.changed:
            return person
        deactivated = _write_user(plan, person=person)
        _audit(
            token,
            "scim.user_changed",
            subject=person,
            obj=person,
            detail={"fields": plan.changed},
        )
        events.emit_people("person.deactivated" if deactivated else "person.updated", [person.pk])
        if deactivated:
            end_sessions([person.pk])
    return person


def do_delete_user(*, token: ScimToken, person: Person) -> None:
    """DELETE: deactivate them (logged out, the day they left recorded), keep everything,
    and hide them from SCIM."""
    with transaction.atomic(savepoint=False):
        was_active = person.is_active
        person.is_active = False
        person.save()
        now = timezone.now()
        ScimUser.objects.update_or_create(
            person=person,
            defaults={"deleted_at": now},
            create_defaults={"user_name": person.email, "deleted_at": now},
        )
        _audit(token, "scim.user_deleted", subject=person, obj=person)
        if was_active:
            events.emit_people("person.deactivated", [person.pk])
            end_sessions([person.pk])
            sections.people_left([person.pk])


# --- Groups (teams) -------------------------------------------------------------------------


@dataclass
class GroupPlan:
    name: str
    external_id: str
    member_ids: set[int] | None  # None when members were not asserted
    changed: list[str]


def _visible_member_ids(team: Team) -> set[int]:
    return set(visible_people().filter(team=team).values_list("pk", flat=True))


def check_group(changes: dict[str, Any], *, team: Team | None) -> GroupPlan:
    before = {
        "name": team.name if team else "",
        "external_id": team.external_id if team else "",
    }
    values = {**before, **{k: v for k, v in changes.items() if k != "member_ids"}}
    problems = Problems()
    if not values["name"]:
        problems.invalid.append("displayName: required")
    elif len(values["name"]) > 120:
        problems.invalid.append("displayName: longer than 120 characters")
    if len(values["external_id"]) > 255:
        problems.invalid.append("externalId: longer than 255 characters")
    member_ids = None
    if "member_ids" in changes:
        raw = changes["member_ids"]
        bad = [m for m in raw if not (m.isdigit() and len(m) < 19)]
        ids = {int(m) for m in raw if m not in bad}
        known = set(visible_people().filter(pk__in=ids).values_list("pk", flat=True))
        unknown = bad + sorted(str(m) for m in ids - known)
        if unknown:
            problems.invalid.append(
                "members: no User has the id " + ", ".join(f"'{m}'" for m in unknown[:20])
            )
        member_ids = ids
    problems.raise_any()
    if values["name"] != before["name"]:
        other = Team.objects.filter(name=values["name"])
        if team is not None:
            other = other.exclude(pk=team.pk)
        if other.filter(scim_deleted_at__isnull=True).exists():
            problems.taken.append(f"displayName: a team is called '{values['name']}' already")
    problems.raise_any()
    changed = [GROUP_ATTRIBUTES[k] for k in ("name", "external_id") if values[k] != before[k]]
    if member_ids is not None and (team is None or member_ids != _visible_member_ids(team)):
        changed.append("members")
    return GroupPlan(
        name=values["name"],
        external_id=values["external_id"],
        member_ids=member_ids,
        changed=changed,
    )


def _set_members(token: ScimToken, team: Team, member_ids: set[int]) -> None:
    """The team's visible people become exactly `member_ids`: those who join leave the team
    they were in, those who leave have no team (a person is in one team)."""
    current = _visible_member_ids(team)
    now = timezone.now()
    joining, leaving = member_ids - current, current - member_ids
    if joining:
        Person.objects.filter(pk__in=joining).update(team=team, updated_at=now)
    if leaving:
        Person.objects.filter(pk__in=leaving, team=team).update(team=None, updated_at=now)
    detail = {"team": team.name, "team_id": team.pk, "scim_token": token.name}
    audit.record_many(
        None, "scim.team_joined", [Person(pk=pk) for pk in sorted(joining)], detail=detail
    )
    audit.record_many(
        None, "scim.team_left", [Person(pk=pk) for pk in sorted(leaving)], detail=detail
    )


def do_create_group(*, token: ScimToken, changes: dict[str, Any]) -> Team:
    """Create a team (a team SCIM had deleted, with the same name, comes back)."""
    with transaction.atomic():
        plan = check_group(changes, team=None)
        team = Team.objects.select_for_update().filter(name=plan.name).first()
        returned = team is not None
        if team is None:
            team = team_named(plan.name)
        team.scim_deleted_at = None
        team.external_id = plan.external_id
        team.save()
        if plan.member_ids is not None:
            _set_members(token, team, plan.member_ids)
        _audit(
            token, "scim.group_created", obj=team, detail={"returned": returned} if returned else {}
        )
    return team


def do_update_group(*, token: ScimToken, team: Team, changes: dict[str, Any]) -> Team:
    with transaction.atomic():
        plan = check_group(changes, team=team)
        if not plan.changed:
            return team
        team.name, team.external_id = plan.name, plan.external_id
        try:
            with transaction.atomic():
                team.save()
        except IntegrityError:  # the name of a team SCIM had deleted
            raise UniquenessException(detail=f"displayName: a team is called '{plan.name}'")
        if plan.member_ids is not None:
            _set_members(token, team, plan.member_ids)
        _audit(token, "scim.group_changed", obj=team, detail={"fields": plan.changed})
    return team


def do_delete_group(*, token: ScimToken, team: Team) -> None:
    """DELETE: the team loses its people and SCIM stops showing it; the row stays, for what
    names it (decision memos)."""
    with transaction.atomic():
        _set_members(token, team, set())
        team.scim_deleted_at = timezone.now()
        team.save()
        _audit(token, "scim.group_deleted", obj=team)
