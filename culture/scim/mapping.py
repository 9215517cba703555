"""Between SCIM resources and the product's rows: a person (with their ScimUser row) as a
User, a team as a Group; and what a User or Group sent by a client asserts.

Reading, what the service answers:

    id                      person.pk
    externalId              person.external_id
    userName                scim.user_name, or the person's email when SCIM never set one
    name.givenName, .familyName, .formatted      scim.given_name, family_name, formatted_name
    displayName             person.name, when the client sent a displayName (else omitted)
    title                   person.title
    active                  person.is_active
    emails                  [{value: person.email, type, primary}]: the entry the address
                            came from, as sent (work and primary for people SCIM never
                            provisioned); one address is kept
    enterprise employeeNumber, department, manager.value
                            person.employee_number, person.team.name, person.manager_id
    meta.version            a weak ETag: a digest of everything above

    Group: id team.pk, externalId team.external_id, displayName team.name,
    members = the people whose team it is.

Writing, `user_changes` reads what a User asserts. On a PUT, an attribute the body leaves
out is not asserted and keeps its value (RFC 7644 §3.5.1 lets a service read an omitted
attribute so): Okta replaces whole users with PUT, and an identity provider that does not map
the manager or the department must not wipe the reporting tree on every update. To clear an
attribute, a client sends it as null or removes it with PATCH, which works on a resource read
whole (every attribute asserted).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from scim2_models import Meta

from culture.models import Person, Team
from culture.scim.schema import (
    Email,
    EnterpriseUser,
    Group,
    GroupMember,
    Manager,
    Name,
    UserResource,
)

UNSET: Any = object()


def _version(*values) -> str:
    """A weak entity tag (RFC 7232 §2.1): a digest of every value the representation is made
    of, so that any change to what a client can read, from SCIM or from a page, changes it
    (the values, not the serialised resource: a dump per resource read cost more)."""
    raw = json.dumps(values, separators=(",", ":"), default=str)
    return 'W/"' + hashlib.sha256(raw.encode()).hexdigest()[:24] + '"'


def _scim_row(person: Person):
    try:
        return person.scim
    except Person.scim.RelatedObjectDoesNotExist:
        return None


def _email(person: Person, scim) -> Email:
    """Their address, with the type and primary flag its entry was sent with (a work,
    primary address for people SCIM never provisioned)."""
    if scim is None:
        return Email(value=person.email, type="work", primary=True)
    return Email(value=person.email, type=scim.email_type or None, primary=scim.email_primary)


def user_resource(person: Person) -> UserResource:
    """A person as a SCIM User (read with select_related("scim", "team"))."""
    scim = _scim_row(person)
    name = None
    if scim is not None and (scim.given_name or scim.family_name or scim.formatted_name):
        name = Name(
            given_name=scim.given_name or None,
            family_name=scim.family_name or None,
            formatted=scim.formatted_name or None,
        )
    enterprise = None
    if person.employee_number or person.team_id or person.manager_id:
        enterprise = EnterpriseUser(
            employee_number=person.employee_number or None,
            department=person.team.name if person.team else None,
            # pydantic validates the str into the Reference the model declares.
            manager=Manager(
                value=str(person.manager_id),
                ref=f"Users/{person.manager_id}",  # type: ignore[arg-type]
            )
            if person.manager_id
            else None,
        )
    # Every attribute is given, None included: a PATCH applied to this resource then asserts
    # each of them (mapping's module docstring).
    user = UserResource(
        id=str(person.pk),
        external_id=person.external_id or None,
        user_name=scim.user_name if scim is not None else person.email,
        name=name,
        display_name=person.name if scim is None or scim.display_name_set else None,
        title=person.title or None,
        active=person.is_active,
        emails=[_email(person, scim)],
        # The extension's field is named by its class; scim2-models adds it at validation.
        EnterpriseUser=enterprise,  # type: ignore[call-arg]
    )
    user.meta = Meta(
        resource_type="User",
        created=person.date_joined,
        last_modified=max(person.updated_at, person.date_joined),
        version=_version(
            person.pk,
            person.external_id,
            person.email,
            person.name,
            person.title,
            person.is_active,
            person.employee_number,
            person.team.name if person.team else None,
            person.manager_id,
            *(
                (
                    scim.user_name,
                    scim.given_name,
                    scim.family_name,
                    scim.formatted_name,
                    scim.display_name_set,
                    scim.email_type,
                    scim.email_primary,
                )
                if scim is not None
                else ()
            ),
        ),
    )
    return user


def group_resource(team: Team, member_ids: list[int]) -> Group:
    member_ids = sorted(member_ids)
    group = Group(
        id=str(team.pk),
        external_id=team.external_id or None,
        display_name=team.name,
        # pydantic validates each str into the Reference the model declares.
        members=[
            GroupMember(value=str(pk), ref=f"Users/{pk}", type="User")  # type: ignore[arg-type]
            for pk in member_ids
        ]
        or None,
    )
    group.meta = Meta(
        resource_type="Group",
        created=team.created_at,
        last_modified=max(team.updated_at, team.created_at),
        version=_version(team.pk, team.external_id, team.name, member_ids),
    )
    return group


# --- What a client asserts ------------------------------------------------------------------


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _asserted(model, field: str) -> bool:
    return model is not None and field in model.model_fields_set


def pick_email(emails) -> Email | None:
    """The entry of the address a person logs in with: the primary one, else the work one,
    else the first (as Zitadel and others read the list); None when there is none."""
    emails = [e for e in emails or [] if e is not None and e.value]
    if not emails:
        return None
    return (
        next((e for e in emails if e.primary), None)
        or next((e for e in emails if str(e.type or "").lower() == "work"), None)
        or emails[0]
    )


def user_changes(user: UserResource) -> dict[str, Any]:
    """What a User asserts, as the product's values; an attribute it does not assert is
    absent from the dict (see the module docstring)."""
    out: dict[str, Any] = {}
    if _asserted(user, "user_name"):
        out["user_name"] = _text(user.user_name)
    if _asserted(user, "emails"):
        chosen = pick_email(user.emails)
        out["email"] = _text(chosen.value).lower() if chosen else None
        out["email_type"] = _text(chosen.type)[:20] if chosen else ""
        out["email_primary"] = chosen.primary if chosen else None
    if _asserted(user, "name"):
        name = user.name
        out["given_name"] = _text(name.given_name if name else None)
        out["family_name"] = _text(name.family_name if name else None)
        out["formatted_name"] = _text(name.formatted if name else None)
    if _asserted(user, "display_name"):
        out["display_name"] = _text(user.display_name) or None
    if _asserted(user, "title"):
        out["title"] = _text(user.title)
    if _asserted(user, "active") and user.active is not None:
        out["active"] = bool(user.active)
    if _asserted(user, "external_id"):
        out["external_id"] = _text(user.external_id)
    if _asserted(user, "EnterpriseUser"):
        enterprise = user[EnterpriseUser]
        if enterprise is None:
            out.update(employee_number="", department="", manager_id="")
        else:
            if _asserted(enterprise, "employee_number"):
                out["employee_number"] = _text(enterprise.employee_number)
            if _asserted(enterprise, "department"):
                out["department"] = _text(enterprise.department)
            if _asserted(enterprise, "manager"):
                manager = enterprise.manager
                out["manager_id"] = _text(manager.value if manager else None)
    return out


def group_changes(group: Group) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if _asserted(group, "display_name"):
        out["name"] = _text(group.display_name)
    if _asserted(group, "external_id"):
        out["external_id"] = _text(group.external_id)
    if _asserted(group, "members"):
        out["member_ids"] = [_text(m.value) for m in group.members or [] if m is not None]
    return out
