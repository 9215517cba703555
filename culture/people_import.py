"""Import people from CSV: validate the whole file, then write everything or nothing.

Columns: email, name, title, job_family, level, location, team, manager_email, start_date.
Every problem is reported with its row (1 = the header) and column. Re-importing updates
people in place (matched by email); people missing from the file are reported and only
deactivated when asked.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from culture import jobs, sections
from culture.csvsafe import DANGEROUS_PREFIXES
from culture.i18n import as_reader
from culture.logout import end_sessions
from culture.models import ImportJob, Person, Team
from webhooks import events

COLUMNS = [
    "email",
    "name",
    "title",
    "job_family",
    "level",
    "location",
    "team",
    "manager_email",
    "start_date",
]
REQUIRED_VALUES = {"email", "name"}
MAX_LEVEL = 9


@dataclass
class Problem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.column:
            return _("row %(row)s, column %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        return _("row %(row)s: %(message)s") % {"row": self.row, "message": self.message}


@dataclass
class Plan:
    rows: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _unescape(value: str) -> str:
    value = value.strip()
    if len(value) > 1 and value[0] == "'" and value[1] in DANGEROUS_PREFIXES:
        return value[1:]
    return value


def decode(content: bytes) -> tuple[str | None, Problem | None]:
    if b"\x00" in content[:4096]:
        return None, Problem(0, "", _("This is a binary file, not a CSV. Save it as CSV (UTF-8)."))
    try:
        return content.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        return None, Problem(
            0,
            "",
            _(
                "The file is not UTF-8 text (bad byte at position %(position)s). "
                "Save it as CSV UTF-8 and upload it again."
            )
            % {"position": exc.start},
        )


def validate(content: bytes, *, max_rows: int | None = None) -> Plan:
    """Check the whole file; return the cleaned rows or every problem found."""
    from django.conf import settings

    max_rows = max_rows or settings.MAX_IMPORT_ROWS
    data_rows = 0
    plan = Plan()
    text, problem = decode(content)
    if problem:
        plan.problems.append(problem)
        return plan
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        plan.problems.append(Problem(1, "", _("The file is empty.")))
        return plan
    except csv.Error as exc:
        plan.problems.append(Problem(1, "", _("Unreadable CSV: %(error)s") % {"error": exc}))
        return plan
    header = [h.strip().lower() for h in header]
    missing_cols = [c for c in COLUMNS if c not in header]
    if missing_cols:
        for column in missing_cols:
            plan.problems.append(
                Problem(1, column, _("Required column is missing from the header."))
            )
        return plan
    index = {name: header.index(name) for name in COLUMNS}

    seen: dict[str, int] = {}
    try:
        for line_no, raw in enumerate(reader, start=2):
            if not any(cell.strip() for cell in raw):
                continue
            data_rows += 1
            if data_rows > max_rows:
                plan.problems.append(
                    Problem(
                        line_no,
                        "",
                        _("Too many rows: at most %(max_rows)s per file.") % {"max_rows": max_rows},
                    )
                )
                break
            # The CSV's text, then parsed in place: level an int, start_date a date or None.
            row: dict[str, Any] = {
                name: _unescape(raw[i]) if i < len(raw) else "" for name, i in index.items()
            }
            row["_line"] = line_no
            for name in REQUIRED_VALUES:
                if not row[name]:
                    plan.problems.append(Problem(line_no, name, _("A value is required.")))
            email = row["email"].lower()
            row["email"] = email
            if email:
                try:
                    validate_email(email)
                except ValidationError:
                    plan.problems.append(
                        Problem(
                            line_no,
                            "email",
                            _("'%(email)s' is not an email.") % {"email": email},
                        )
                    )
                if email in seen:
                    plan.problems.append(
                        Problem(
                            line_no,
                            "email",
                            _("Duplicate email, first seen on row %(row)s.") % {"row": seen[email]},
                        )
                    )
                else:
                    seen[email] = line_no
            row["manager_email"] = row["manager_email"].lower()
            if row["manager_email"] and row["manager_email"] == email:
                plan.problems.append(
                    Problem(line_no, "manager_email", _("A person cannot be their own manager."))
                )
            if row["level"]:
                try:
                    level = int(row["level"])
                    if not 1 <= level <= MAX_LEVEL:
                        raise ValueError
                    row["level"] = level
                except ValueError:
                    plan.problems.append(
                        Problem(
                            line_no,
                            "level",
                            _("Level must be a whole number from 1 to %(max)s.")
                            % {"max": MAX_LEVEL},
                        )
                    )
            else:
                row["level"] = None
            if row["start_date"]:
                try:
                    row["start_date"] = date.fromisoformat(row["start_date"])
                except ValueError:
                    plan.problems.append(
                        Problem(
                            line_no,
                            "start_date",
                            _("'%(value)s' is not a date (use YYYY-MM-DD).")
                            % {"value": row["start_date"]},
                        )
                    )
            else:
                row["start_date"] = None
            for name, limit in (
                ("name", 150),
                ("title", 150),
                ("job_family", 80),
                ("location", 80),
                ("team", 120),
            ):
                if len(row[name]) > limit:
                    plan.problems.append(
                        Problem(
                            line_no,
                            name,
                            _("Longer than %(limit)s characters.") % {"limit": limit},
                        )
                    )
            plan.rows.append(row)
    except csv.Error as exc:
        plan.problems.append(
            Problem(reader.line_num, "", _("Unreadable CSV: %(error)s") % {"error": exc})
        )
        return plan

    if not plan.rows and not plan.problems:
        plan.problems.append(Problem(2, "", _("The file has a header but no people.")))

    # Managers must exist in the file or already in the company.
    file_emails = set(seen)
    existing = dict(Person.objects.values_list("email", "manager__email"))
    for row in plan.rows:
        manager = row["manager_email"]
        if manager and manager not in file_emails and manager not in existing:
            plan.problems.append(
                Problem(
                    row["_line"],
                    "manager_email",
                    _("Unknown manager '%(email)s'.") % {"email": manager},
                )
            )

    # No cycles in the resulting tree (the file overrides what is in the database).
    final = dict(existing)
    for row in plan.rows:
        final[row["email"]] = row["manager_email"] or None
    reported: set[str] = set()
    for row in plan.rows:
        start = row["email"]
        if start in reported:
            continue
        path: list[str] = []
        node: str | None = start
        while node and node not in path:
            path.append(node)
            node = final.get(node)
        if node and node in path:
            cycle = path[path.index(node) :]
            reported.update(cycle)
            plan.problems.append(
                Problem(
                    row["_line"],
                    "manager_email",
                    _("Reporting cycle: %(cycle)s.") % {"cycle": " -> ".join(cycle + [node])},
                )
            )

    plan.missing = sorted(
        set(Person.objects.filter(is_active=True).values_list("email", flat=True)) - file_emails
    )
    return plan


def apply(plan: Plan, *, deactivate_missing: bool = False, progress=None) -> dict:
    """Write a validated plan in one transaction. Returns counts."""
    assert plan.ok, "apply() needs a plan without problems"
    total = len(plan.rows)
    with transaction.atomic():
        team_names = {row["team"] for row in plan.rows if row["team"]}
        teams = {t.name: t for t in Team.objects.filter(name__in=team_names)}
        new_teams = []
        used_slugs = set(Team.objects.values_list("slug", flat=True))
        for name in sorted(team_names - set(teams)):
            slug = base = slugify(name)[:100] or "team"
            n = 2
            while slug in used_slugs:
                slug, n = f"{base}-{n}", n + 1
            used_slugs.add(slug)
            new_teams.append(Team(name=name, slug=slug))
        for team in Team.objects.bulk_create(new_teams):
            teams[team.name] = team

        existing = {
            p.email: p
            for p in Person.objects.filter(
                email__in=[r["email"] for r in plan.rows]
            ).select_related("team")
        }
        # The webhook payloads of the people the file changes, as they were (None when no
        # endpoint listens): only those whose public fields change emit person.updated.
        before = events.snapshot_people(existing.values())
        to_create, to_update = [], []
        for row in plan.rows:
            person = existing.get(row["email"])
            values = {
                "name": row["name"],
                "title": row["title"],
                "job_family": row["job_family"],
                "level": row["level"],
                "location": row["location"],
                "team": teams.get(row["team"]) if row["team"] else None,
                "start_date": row["start_date"],
                "is_active": True,
            }
            if person is None:
                person = Person(email=row["email"], **values)
                person.set_unusable_password()
                to_create.append(person)
            else:
                for key, value in values.items():
                    setattr(person, key, value)
                to_update.append(person)
        # Written in chunks so the progress bar moves; still one transaction.
        chunk = 2000
        done = 0
        for start in range(0, len(to_create), chunk):
            Person.objects.bulk_create(to_create[start : start + chunk])
            done += len(to_create[start : start + chunk])
            if progress:
                progress(done * 9 // 10, total)
        if to_update:
            _update_people(to_update)
            done += len(to_update)
            if progress:
                progress(done * 9 // 10, total)

        id_of = dict(Person.objects.values_list("email", "id"))
        # Managers last, in one statement, once everyone exists.
        person_ids: list[int] = []
        manager_ids: list[int | None] = []
        for row in plan.rows:
            person_ids.append(id_of[row["email"]])
            manager_ids.append(id_of.get(row["manager_email"]) if row["manager_email"] else None)
        # Only the people whose manager changes: rewriting every row (a re-import of an
        # unchanged company) cost each of the table's indexes a new entry a person.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE culture_person p SET manager_id = v.manager_id, updated_at = now() "
                "FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, manager_id) "
                "WHERE p.id = v.id AND p.manager_id IS DISTINCT FROM v.manager_id",
                [person_ids, manager_ids],
            )
        if progress:
            progress(total, total)

        deactivated = 0
        if deactivate_missing and plan.missing:
            from culture import clock

            leaving = Person.objects.filter(email__in=plan.missing)
            ids = list(leaving.values_list("pk", flat=True))
            # The day they left: their records' retention counts from it (culture.privacy).
            deactivated = leaving.update(
                is_active=False, left_on=clock.today(), updated_at=timezone.now()
            )
            end_sessions(ids)
            events.emit_people("person.deactivated", ids)
            sections.people_left(ids)
        # Read back after the managers are set, so each payload is the person as they are.
        events.emit_people("person.created", [p.pk for p in to_create])
        events.emit_people_changed(before)
    return {
        "created": len(to_create),
        "updated": len(to_update),
        "teams_created": len(new_teams),
        "missing": len(plan.missing),
        "deactivated": deactivated,
    }


def _update_people(people: list[Person]) -> None:
    """One UPDATE ... FROM unnest(...) for every changed person (bulk_update's CASE WHEN per
    field is an order of magnitude slower for a whole company: bench/README.md, item 34)."""
    columns: dict[str, tuple[str, list[Any]]] = {
        "id": ("bigint", [p.pk for p in people]),
        "name": ("text", [p.name for p in people]),
        "title": ("text", [p.title for p in people]),
        "job_family": ("text", [p.job_family for p in people]),
        "level": ("int", [p.level for p in people]),
        "location": ("text", [p.location for p in people]),
        "team_id": ("bigint", [p.team_id for p in people]),
        "start_date": ("date", [p.start_date for p in people]),
    }
    arrays = ", ".join(f"%s::{kind}[]" for kind, _ in columns.values())
    names = ", ".join(columns)
    fields = [name for name in columns if name != "id"]
    assignments = ", ".join(f"{name} = v.{name}" for name in fields)
    # Only the rows that change: a re-import of an unchanged company rewrites nobody (each
    # rewritten row costs every index on the table an entry).
    old = ", ".join(f"p.{name}" for name in fields)
    new = ", ".join(f"v.{name}" for name in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE culture_person p SET {assignments}, is_active = true, left_on = NULL, "  # noqa: S608
            "updated_at = now() "
            f"FROM unnest({arrays}) AS v({names}) WHERE p.id = v.id "
            f"AND ({old}, p.is_active, p.left_on) IS DISTINCT FROM ({new}, true, NULL::date)",
            [values for _, values in columns.values()],
        )


def progress_key(job_id: int) -> str:
    return f"import-progress:{job_id}"


@jobs.job
def run_job(job_id: int) -> None:
    """Validate and apply an uploaded file, reporting progress on the ImportJob row. The
    file is cleared in the statement that records how the import finished (culture.retention).

    Deferred with culture.jobs, whose claim lets one runner at a time in; a runner that
    died mid-way (the import is one transaction: nothing of it was written) left the row
    RUNNING, so the next runner takes RUNNING as well as QUEUED."""
    claimed = ImportJob.objects.filter(
        pk=job_id, status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING]
    ).update(status=ImportJob.Status.RUNNING)
    if not claimed:
        return
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    # The problems are stored as text, in the language of the person who uploaded the file.
    with as_reader(job.created_by):
        plan = validate(bytes(job.content))
        problems = [str(p) for p in plan.problems[:500]]
    if not plan.ok:
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED,
            content=b"",  # the file is not kept once its import has finished
            result={"problems": problems},
        )
        return
    ImportJob.objects.filter(pk=job_id).update(total=len(plan.rows))

    def progress(done, total):
        # The write transaction is not visible to the status page until it commits, so
        # progress travels through the cache (Redis, or the file cache when embedded).
        cache.set(progress_key(job_id), done, timeout=3600)

    try:
        counts = apply(plan, deactivate_missing=job.deactivate_missing, progress=progress)
    except Exception as exc:
        with as_reader(job.created_by):
            failed = _("Import failed: %(error)s") % {"error": exc}
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED,
            content=b"",
            result={"problems": [failed]},
        )
        raise
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportJob.Status.DONE,
        content=b"",
        processed=len(plan.rows),
        result={**counts, "missing_emails": plan.missing[:200]},
    )
