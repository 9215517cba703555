"""A person's data on request: export everything the product holds about one person, and
erase a person who has left.

The core holds the person row, notifications, emails, the audit log, login records and the
people import; each practice keeps its own part in `<app>/privacy.py`, which its
`AppConfig.ready` registers (culture.sections.register_privacy: the core never imports a
practice), with any of:

- `export(person, *, viewer) -> dict`: what the app holds about `person`, as JSON-ready
  values, read with a fixed number of queries however much there is; withholding what the
  access rules keep from `viewer` (keeper answers about oneself, memos one may not read);
- `erase(person, *, old_name, old_email) -> None`: what must go when the person is erased,
  beyond the person row, which the core rewrites;
- `delete_records(person_ids) -> dict[str, int]`: what the company keeps for its retention
  period after someone leaves (pay, keeper tests), deleted once it has run out;
- `sweep(now) -> dict[str, int]`: the app's part of the daily retention sweep
  (culture.retention).

Erasure replaces the personal fields of the person row. Whatever others wrote stays, and
what the erased person wrote stays too: every page names its author through the person row,
so it now reads "A former colleague". The audit log keeps every row (it is append-only);
rows about them point at the erased row, and one more row says the erasure happened.
"""

from __future__ import annotations

import calendar
import functools
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.db.models import Field, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from culture import audit, clock, sections
from culture.errors import InvalidInput
from culture.logout import end_sessions
from culture.models import (
    AuditEvent,
    CompanySettings,
    Delivery,
    ImportJob,
    Notification,
    Person,
    ScimUser,
)

ERASED_NAME = "A former colleague"
EXPORT_FORMAT = "culture.person-data/1"


class Refused(InvalidInput):
    """The erasure is refused (the person is still active, or was erased already): 422."""


def erased_email(person_id: int) -> str:
    """A unique address that can never receive mail (.invalid is reserved, RFC 2606) and
    that the invitation and import forms refuse, so nobody can take the row back over."""
    return f"erased-{person_id}@invalid"


def _hooks(name: str) -> Iterator[tuple[str, Callable]]:
    """Each registered practice's `name` hook (culture.sections.register_privacy)."""
    for app, module in sections.privacy_hooks():
        fn = getattr(module, name, None)
        if fn is not None:
            yield app, fn


def months_after(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def records_due_on(person: Person, company: CompanySettings | None = None) -> date:
    """The day a leaver's pay records and keeper tests may go: the company's retention
    period after the day they left (for someone deactivated before that day was recorded,
    the day they were erased, or today)."""
    company = company or CompanySettings.load()
    if person.left_on:
        left = person.left_on
    elif person.erased_at:
        left = timezone.localdate(person.erased_at, company.tz)
    else:
        left = clock.today()
    return months_after(left, company.leaver_records_months)


# --- Export ---------------------------------------------------------------------------------


def _name(person_id: int | None, name: str) -> dict[str, Any] | None:
    return {"id": person_id, "name": name} if person_id else None


def _profile(person: Person) -> dict:
    return {
        "id": person.pk,
        "email": person.email,
        "name": person.name,
        "title": person.title,
        "job_family": person.job_family,
        "level": person.level,
        "location": person.location,
        "language": person.language,
        "time_zone": person.time_zone,
        "team": person.team.name if person.team else None,
        "manager": _name(person.manager_id, person.manager.name if person.manager else ""),
        "start_date": person.start_date,
        "date_joined": person.date_joined,
        "last_login": person.last_login,
        "is_active": person.is_active,
        "left_on": person.left_on,
        "erased_at": person.erased_at,
        "is_people_admin": person.is_people_admin,
        "employee_number": person.employee_number,
        "external_id": person.external_id,
        "scim": _scim(person),
    }


def _scim(person: Person) -> dict | None:
    """What an identity provider said about them through SCIM (culture/scim/)."""
    row = ScimUser.objects.filter(person=person).first()
    if row is None:
        return None
    return {
        "user_name": row.user_name,
        "given_name": row.given_name,
        "family_name": row.family_name,
        "formatted_name": row.formatted_name,
        "deleted_at": row.deleted_at,
    }


def _audit_rows(person: Person) -> dict:
    about = (
        AuditEvent.objects.filter(subject=person)
        .order_by("at", "id")
        .values("at", "action", "actor_id", "actor__name", "object_type", "object_id", "detail")
    )
    by = (
        AuditEvent.objects.filter(actor=person)
        .order_by("at", "id")
        .values(
            "at",
            "action",
            "subject_id",
            "subject__name",
            "object_type",
            "object_id",
            "detail",
            "ip",
            "user_agent",
        )
    )
    return {
        # Who read or changed their data; the reader's address is the reader's, not theirs.
        "about_them": [
            {
                "at": row["at"],
                "action": row["action"],
                "by": _name(row["actor_id"], row["actor__name"]),
                "object": f"{row['object_type']} {row['object_id']}".strip(),
                "detail": row["detail"],
            }
            for row in about
        ],
        "by_them": [
            {
                "at": row["at"],
                "action": row["action"],
                "about": _name(row["subject_id"], row["subject__name"]),
                "object": f"{row['object_type']} {row['object_id']}".strip(),
                "detail": row["detail"],
                "ip": row["ip"],
                "user_agent": row["user_agent"],
            }
            for row in by
        ],
    }


def export_person(person: Person, *, viewer: Person) -> dict:
    """Everything the product holds about `person`, for `viewer` (a people admin): the core's
    part and each practice's. A fixed number of queries, whatever the amount of data."""
    notifications = Notification.objects.filter(recipient=person).order_by("created_at", "id")
    emails = Delivery.objects.filter(recipient=person).order_by("created_at", "id")
    data = {
        "format": EXPORT_FORMAT,
        "exported_at": timezone.now(),
        "exported_by": _name(viewer.pk, viewer.name),
        "person": _profile(person),
        "notifications": list(
            notifications.values("created_at", "kind", "title", "body", "url", "read_at")
        ),
        "emails": list(emails.values("created_at", "to_email", "subject", "status", "sent_at")),
        "audit": _audit_rows(person),
    }
    for app, export in _hooks("export"):
        data[app] = export(person, viewer=viewer)
    return data


def do_export_person(*, by: Person, person: Person) -> dict:
    """Export `person`'s data for `by` (a people admin, past the access gate): the export is
    audited before it is read, so it lists itself."""
    with transaction.atomic():
        audit.record(by, "person.data_exported", subject=person, obj=person)
    return export_person(person, viewer=by)


# --- Erasure --------------------------------------------------------------------------------


def _pattern(text: str) -> str:
    """`text` as a Postgres regular expression matching it literally."""
    return "".join("\\" + c if c in r".[](){}*+?|^$\\" else c for c in text)


def scrub_columns(
    model: type[Model], columns: list[str], *, old_name: str, old_email: str, person_id: int
) -> int:
    """Replace `old_name` (as a whole word) and `old_email` (in any case) in these text or
    JSON columns of `model`'s table, in the rows that contain either: for text the product
    wrote with the person's name in it (a notification "Ada wrote you feedback", an email's
    subject, an import's report). Returns how many rows changed."""
    name = f"(?<![[:alnum:]_]){_pattern(old_name)}(?![[:alnum:]_])" if old_name.strip() else ""
    email = f"(?<![[:alnum:]_.+-]){_pattern(old_email)}(?![[:alnum:]_-])"
    table = connection.ops.quote_name(model._meta.db_table)
    sets, wheres, params, where_params = [], [], [], []
    for column in columns:
        field = model._meta.get_field(column)
        assert isinstance(field, Field) and field.column  # a concrete column of the table
        quoted = connection.ops.quote_name(field.column)
        is_json = field.get_internal_type() == "JSONField"
        text = f"{quoted}::text" if is_json else quoted
        value = f"regexp_replace({text}, %s, %s, 'gi')"
        params += [email, erased_email(person_id)]
        checks = [f"{text} ~* %s"]
        where_params.append(email)
        if name:
            value = f"regexp_replace({value}, %s, %s, 'g')"
            params += [name, ERASED_NAME]
            checks.append(f"{text} ~ %s")
            where_params.append(name)
        sets.append(f"{quoted} = {value}::jsonb" if is_json else f"{quoted} = {value}")
        wheres += checks
    sql = f"UPDATE {table} SET {', '.join(sets)} WHERE {' OR '.join(wheres)}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params + where_params)
        return cursor.rowcount


def _erase_core(person: Person, *, old_name: str, old_email: str) -> None:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    end_sessions([person.pk])
    # What an identity provider knew them by (SCIM no longer shows an erased person).
    ScimUser.objects.filter(person=person).delete()
    # Their own inbox: nobody else could read it, and nobody can log in as them any more.
    Notification.objects.filter(recipient=person).delete()
    Delivery.objects.filter(
        recipient=person,
        status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING, Delivery.Status.HELD],
    ).update(status=Delivery.Status.SKIPPED)
    Delivery.objects.filter(recipient=person).update(
        to_email=erased_email(person.pk), subject="", text_body="", html_body="", attachments=[]
    )
    # Their name and address in what the product wrote to others, and in import reports.
    scrub = functools.partial(
        scrub_columns, old_name=old_name, old_email=old_email, person_id=person.pk
    )
    scrub(Notification, ["title", "body"])
    scrub(Delivery, ["subject", "text_body", "html_body", "attachments"])
    scrub(ImportJob, ["result"])
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username__iexact=old_email).delete()


def check_erase(person: Person) -> None:
    if person.is_active:
        raise Refused(
            _(
                "%(name)s is still active. Erasure is for people who have left: "
                "deactivate them first (Edit), then erase."
            )
            % {"name": person.name}
        )
    if person.erased_at is not None:
        raise Refused(_("This person was erased already."))


def _delete_records(person_ids: list[int], *, by: Person | None) -> dict[int, dict]:
    """Delete the retained records of these erased people, with one audit row for each
    person who had any. Returns {person id: {kind: count}} for those."""
    counts: dict[int, dict] = {pk: {} for pk in person_ids}
    for _app, delete in _hooks("delete_records"):
        for pk, kinds in delete(person_ids).items():
            counts[pk].update(kinds)
    deleted = {pk: kinds for pk, kinds in counts.items() if any(kinds.values())}
    for pk, kinds in deleted.items():
        audit.record(by, "person.records_deleted", subject=Person(pk=pk), detail=kinds)
    return deleted


def do_erase_person(*, by: Person, person: Person) -> date:
    """Erase a person who has left (is_active False): personal fields replaced, password
    unusable, sessions ended, their inbox and login records deleted, their name taken out of
    what the product wrote to others. Their pay records and keeper tests are deleted once
    the company's retention period has run out: now, if it has, else by the daily sweep.
    Returns the day those records go (or went)."""
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        check_erase(person)
        old_name, old_email = person.name, person.email
        person.name = ERASED_NAME
        person.email = erased_email(person.pk)
        person.title = person.job_family = person.location = ""
        # Their own zone says where they live: it goes with the rest.
        person.language = person.time_zone = ""
        person.employee_number = person.external_id = ""
        person.level = person.start_date = person.last_login = None
        person.team = person.manager = None
        person.is_people_admin = person.is_staff = person.is_superuser = False
        person.erased_at = timezone.now()
        person.set_unusable_password()
        person.save()  # sets left_on to today if it was never recorded
        person.groups.clear()
        person.user_permissions.clear()
        _erase_core(person, old_name=old_name, old_email=old_email)
        for _app, erase in _hooks("erase"):
            erase(person, old_name=old_name, old_email=old_email)
        due = records_due_on(person)
        audit.record(
            by,
            "person.erased",
            subject=person,
            obj=person,
            detail={"records_delete_on": due.isoformat()},
        )
        if due <= clock.today():
            _delete_records([person.pk], by=by)
    return due


def erased_people_past_retention(today: date | None = None) -> list[int]:
    """Erased people whose retention period has run out (their records may go)."""
    today = today or clock.today()
    company = CompanySettings.load()
    erased = Person.objects.filter(erased_at__isnull=False).only("left_on", "erased_at")
    return [p.pk for p in erased if records_due_on(p, company) <= today]


def do_delete_expired_records(*, today: date | None = None) -> int:
    """The daily sweep's part: delete the pay records and keeper tests of every erased
    person whose retention has run out. Idempotent: once deleted, nothing is left to delete
    (and no audit row is written). Returns how many people had records deleted."""
    ids = erased_people_past_retention(today)
    if not ids:
        return 0
    with transaction.atomic():
        return len(_delete_records(ids, by=None))
