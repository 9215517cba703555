"""SCIM filters (RFC 7644 §3.4.2.2) as Django queries.

scim2-models parses the filter and checks it against the published schema (an unknown
attribute, or an operator its type does not take, is an `invalidFilter` before we get here);
this walks its syntax tree with the library's FilterVisitor and answers a Q over people or
teams, so filtering, counting and paging all happen in Postgres.

Strings compare without case unless the attribute is caseExact (id, externalId, the ids of a
manager or a member), as RFC 7643 §2.1 says. Each attribute a filter may name is in FIELDS
below; the few that are constant in this product (emails.type is always "work") compare as
the constant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, Case, CharField, Exists, F, OuterRef, Q, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils.dateparse import parse_datetime
from scim2_models import InvalidFilterException
from scim2_models.path import (
    AttrPath,
    CompareOperator,
    Comparison,
    FilterVisitor,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ValuePath,
)

from culture.models import Person
from culture.scim.schema import EnterpriseUser

TRUE = Q(pk__isnull=False)
FALSE = Q(pk__isnull=True)

# Annotations a filter may need (userName is the ScimUser row's, else the email).
# (People SCIM never provisioned have no ScimUser row: their address is a work, primary one.)
USER_ALIASES = {
    "scim_user_name": Coalesce(F("scim__user_name_lower"), F("email"), output_field=CharField()),
    "scim_email_type": Coalesce(F("scim__email_type"), Value("work"), output_field=CharField()),
    "scim_email_primary": Case(
        When(scim__isnull=True, then=Value(True)),
        default=F("scim__email_primary"),
        output_field=BooleanField(),
    ),
}


@dataclass(frozen=True)
class Field:
    """How one SCIM attribute is queried. kind: text (no case), exact (case), bool, time,
    id (a primary key, given as a string), const (the same for every row: `value`), or
    members (a team's people, by id)."""

    kind: str
    lookup: str = ""
    value: Any = None
    present: Q | None = None


USER_FIELDS = {
    ("core", "id", None): Field("id", "pk"),
    ("core", "external_id", None): Field("exact", "external_id"),
    ("core", "user_name", None): Field("text", "scim_user_name", present=TRUE),
    ("core", "name", "given_name"): Field("text", "scim__given_name"),
    ("core", "name", "family_name"): Field("text", "scim__family_name"),
    ("core", "name", "formatted"): Field("text", "scim__formatted_name"),
    ("core", "display_name", None): Field(
        "text",
        "name",
        present=Q(scim__isnull=True) | Q(scim__display_name_set=True),
    ),
    ("core", "title", None): Field("text", "title"),
    ("core", "active", None): Field("bool", "is_active", present=TRUE),
    ("core", "emails", "value"): Field("text", "email", present=TRUE),
    ("core", "emails", "type"): Field("text", "scim_email_type"),
    ("core", "emails", "primary"): Field(
        "bool", "scim_email_primary", present=Q(scim_email_primary__isnull=False)
    ),
    ("core", "meta", "created"): Field("time", "date_joined", present=TRUE),
    ("core", "meta", "last_modified"): Field("time", "updated_at", present=TRUE),
    ("core", "meta", "resource_type"): Field("const", value="User"),
    ("ext", "employee_number", None): Field("text", "employee_number"),
    ("ext", "department", None): Field("text", "team__name", present=Q(team__isnull=False)),
    ("ext", "manager", "value"): Field("id", "manager_id", present=Q(manager__isnull=False)),
}

GROUP_FIELDS = {
    ("core", "id", None): Field("id", "pk"),
    ("core", "external_id", None): Field("exact", "external_id"),
    ("core", "display_name", None): Field("text", "name", present=TRUE),
    ("core", "members", "value"): Field("members"),
    ("core", "members", "type"): Field("const", value="User"),
    ("core", "meta", "created"): Field("time", "created_at", present=TRUE),
    ("core", "meta", "last_modified"): Field("time", "updated_at", present=TRUE),
    ("core", "meta", "resource_type"): Field("const", value="Group"),
}

_TEXT_LOOKUPS = {
    CompareOperator.eq: "iexact",
    CompareOperator.co: "icontains",
    CompareOperator.sw: "istartswith",
    CompareOperator.ew: "iendswith",
}
_EXACT_LOOKUPS = {
    CompareOperator.eq: "exact",
    CompareOperator.co: "contains",
    CompareOperator.sw: "startswith",
    CompareOperator.ew: "endswith",
    CompareOperator.gt: "gt",
    CompareOperator.ge: "gte",
    CompareOperator.lt: "lt",
    CompareOperator.le: "lte",
}


# The lookups identity providers make on every sync (Okta and Entra look a user up by
# userName, and some by email) use the indexes: a plain comparison with the COALESCE of
# userName, or with UPPER(email), reads every row.
USER_NAME_IDS = """
SELECT person_id FROM culture_scimuser WHERE user_name_lower = %s
UNION ALL
SELECT p.id FROM culture_person p
WHERE p.email = %s
  AND NOT EXISTS (SELECT 1 FROM culture_scimuser s WHERE s.person_id = p.id)
"""


def _user_name_eq(text: str) -> Q:
    wanted = text.strip().lower()
    return Q(pk__in=RawSQL(USER_NAME_IDS, [wanted, wanted]))  # noqa: S611 - static SQL


_INDEXED_EQ = {
    "scim_user_name": _user_name_eq,
    # Addresses are stored lower-cased (Person.save).
    "email": lambda text: Q(email=text.strip().lower()),
}


def _snake(name: str) -> str:
    out = "".join("_" + c.lower() if c.isupper() else c for c in name)
    return out.lstrip("_").lstrip("$")


def _compare_constant(constant: Any, op: CompareOperator, value: Any) -> bool:
    if isinstance(constant, str) and isinstance(value, str):
        constant, value = constant.lower(), value.lower()
    if op == CompareOperator.eq:
        return constant == value
    if op == CompareOperator.ne:
        return constant != value
    if isinstance(constant, str) and isinstance(value, str):
        return {
            CompareOperator.co: value in constant,
            CompareOperator.sw: constant.startswith(value),
            CompareOperator.ew: constant.endswith(value),
        }.get(op, False)
    return False


class QueryBuilder(FilterVisitor[Q]):
    """A filter (bound to one resource model) as a Q over its rows."""

    def __init__(self, scim_filter, fields: dict):
        self.filter = scim_filter
        self.fields = fields
        self._selection: str | None = None  # inside emails[...] or members[...]

    def _field(self, attr_path: AttrPath, *, comparison: bool) -> Field:
        if self._selection is not None:
            key = ("core", self._selection, _snake(attr_path.attr))
        else:
            resolve = self.filter.resolve_comparison if comparison else self.filter.resolve
            binding = resolve(attr_path)
            owner = "ext" if issubclass(binding.model, EnterpriseUser) else "core"
            sub = binding.sub_field_name
            if not comparison and sub is None and binding.is_multivalued:
                sub = "value"  # `emails pr`: has an address
            key = (owner, binding.field_name, sub)
        field = self.fields.get(key)
        if field is None:
            raise InvalidFilterException(detail=f"Filtering on {attr_path} is not supported")
        return field

    def visit_comparison(self, node: Comparison) -> Q:
        field = self._field(node.attr_path, comparison=True)
        op, value = node.op, node.value
        if field.kind == "const":
            return TRUE if _compare_constant(field.value, op, value) else FALSE
        if op == CompareOperator.ne:
            return ~self.visit_comparison(Comparison(node.attr_path, CompareOperator.eq, value))
        if value is None:
            # "eq null": RFC 7644 treats it as "not present".
            return ~self._present(field) if op == CompareOperator.eq else FALSE
        if field.kind in ("id", "members"):
            if op != CompareOperator.eq:
                raise InvalidFilterException(detail=f"{node.attr_path} takes eq and ne only")
            text = str(value).strip()
            if not text.isdigit() or len(text) > 18:
                return FALSE  # no row has that id
            if field.kind == "members":
                members = Person.objects.scim_visible().filter(team_id=OuterRef("pk"))
                return Q(Exists(members.filter(pk=int(text))))
            return Q(**{field.lookup: int(text)})
        if field.kind == "bool":
            if op != CompareOperator.eq or not isinstance(value, bool):
                raise InvalidFilterException(detail=f"{node.attr_path} is true or false")
            return Q(**{field.lookup: value})
        if field.kind == "time":
            when = parse_datetime(str(value)) if not hasattr(value, "tzinfo") else value
            if when is None or op not in _EXACT_LOOKUPS:
                raise InvalidFilterException(detail=f"{node.attr_path} compares with a dateTime")
            return Q(**{f"{field.lookup}__{_EXACT_LOOKUPS[op]}": when})
        text = str(value)
        if op == CompareOperator.eq and field.lookup in _INDEXED_EQ:
            return _INDEXED_EQ[field.lookup](text)
        if field.kind == "text":
            lookup = _TEXT_LOOKUPS.get(op)
            if lookup is None:  # gt, ge, lt, le: in the database's collation
                return Q(**{f"{field.lookup}__{_EXACT_LOOKUPS[op]}": text})
            return Q(**{f"{field.lookup}__{lookup}": text})
        return Q(**{f"{field.lookup}__{_EXACT_LOOKUPS[op]}": text})

    def _present(self, field: Field) -> Q:
        if field.present is not None:
            return field.present
        if field.kind == "const":
            return TRUE
        if field.kind == "members":
            return Q(Exists(Person.objects.scim_visible().filter(team_id=OuterRef("pk"))))
        return ~Q(**{field.lookup: ""}) & Q(**{f"{field.lookup}__isnull": False})

    def visit_present(self, node: Present) -> Q:
        return self._present(self._field(node.attr_path, comparison=False))

    def visit_not(self, node: Not) -> Q:
        return ~self.visit(node.expr)

    def visit_logical_expr(self, node: LogicalExpr) -> Q:
        parts = [self.visit(term) for term in node.terms]
        out = parts[0]
        for part in parts[1:]:
            out = (out & part) if node.op == LogicalOperator.and_ else (out | part)
        return out

    def visit_value_path(self, node: ValuePath) -> Q:
        binding = self.filter.resolve(node.attr_path)
        if binding.field_name not in ("emails", "members"):
            raise InvalidFilterException(detail=f"Filtering in {node.attr_path} is not supported")
        outer, self._selection = self._selection, binding.field_name
        try:
            return self.visit(node.val_filter)
        finally:
            self._selection = outer


def to_q(scim_filter, fields: dict) -> Q:
    return QueryBuilder(scim_filter, fields).visit(scim_filter.ast)
