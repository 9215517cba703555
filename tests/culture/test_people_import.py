"""Importing people: the whole file is validated first; any error writes nothing."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from culture import people_import
from culture.models import ImportJob, Person, Team

pytestmark = pytest.mark.django_db

HEADER = "email,name,title,job_family,level,location,team,manager_email,start_date\n"


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return (header + "".join(r + "\n" for r in rows)).encode()


def problems(content: bytes) -> list[str]:
    return [str(p) for p in people_import.validate(content).problems]


GOOD = csv_bytes(
    "boss@example.test,Bea Boss,Director,Engineering,8,London,Platform,,2019-01-01",
    "dev@example.test,Dev One,Engineer,Engineering,4,Berlin,Platform,boss@example.test,2022-05-01",
)


def test_a_good_file_creates_people_teams_and_the_reporting_line(db):
    plan = people_import.validate(GOOD)
    assert plan.ok
    counts = people_import.apply(plan)
    assert counts["created"] == 2 and counts["teams_created"] == 1
    dev = Person.objects.get(email="dev@example.test")
    assert dev.manager.email == "boss@example.test"
    assert dev.team.name == "Platform" and dev.level == 4
    assert str(dev.start_date) == "2022-05-01"
    assert not dev.has_usable_password()


@pytest.mark.parametrize(
    "content,expected",
    [
        (
            csv_bytes("a@example.test,A,,,,,,,", "A@example.test,B,,,,,,,"),
            "row 3, column email: Duplicate email, first seen on row 2.",
        ),
        (
            csv_bytes("a@example.test,A,,,,,,ghost@example.test,"),
            "row 2, column manager_email: Unknown manager 'ghost@example.test'.",
        ),
        (
            csv_bytes(
                "a@example.test,A,,,,,,b@example.test,", "b@example.test,B,,,,,,a@example.test,"
            ),
            "Reporting cycle: a@example.test -> b@example.test -> a@example.test.",
        ),
        (
            csv_bytes("a@example.test,A,,,,,,,2024-02-30"),
            "row 2, column start_date: '2024-02-30' is not a date (use YYYY-MM-DD).",
        ),
        (
            csv_bytes("a@example.test,A,,,,,,,", header="email,name,title\n"),
            "row 1, column job_family: Required column is missing from the header.",
        ),
        (
            "email,name,title,job_family,level,location,team,manager_email,start_date\nz@example.test,Zoë,,,,,,,\n".encode(
                "latin-1"
            ),
            "not UTF-8",
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        (b"", "The file is empty."),
        (csv_bytes(), "header but no people"),
        (
            csv_bytes("a@example.test,A,,,12,,,,"),
            "row 2, column level: Level must be a whole number from 1 to 9.",
        ),
        (
            csv_bytes("not-an-email,A,,,,,,,"),
            "row 2, column email: 'not-an-email' is not an email.",
        ),
        (csv_bytes(",A,,,,,,,"), "row 2, column email: A value is required."),
        (
            csv_bytes("a@example.test,A,,,,,,a@example.test,"),
            "A person cannot be their own manager.",
        ),
    ],
    ids=[
        "duplicate-email",
        "unknown-manager",
        "cycle",
        "bad-date",
        "missing-column",
        "wrong-encoding",
        "binary",
        "empty",
        "header-only",
        "bad-level",
        "bad-email",
        "missing-email",
        "own-manager",
    ],
)
def test_each_kind_of_bad_file_is_reported_with_row_and_column(content, expected):
    found = problems(content)
    assert any(expected in p for p in found), found


def test_a_cycle_through_people_already_in_the_database_is_caught(world):
    # The file makes the CEO report to the employee, who reports up to the CEO.
    content = csv_bytes("ceo@example.test,Cora CEO,,,,,,employee@example.test,")
    assert any("Reporting cycle" in p for p in problems(content))


def test_every_problem_is_listed_not_just_the_first(db):
    content = csv_bytes("bad,A,,,99,,,,nope", ",B,,,,,,,")
    assert len(problems(content)) == 4


def test_any_error_means_nothing_is_written(db, tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(GOOD + b"x@example.test,X,,,,,,ghost@example.test,\n")
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_people", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert not Person.objects.exists() and not Team.objects.exists()


def test_the_command_imports_and_reimport_updates_in_place(db, tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(GOOD)
    out = io.StringIO()
    call_command("import_people", str(path), stdout=out)
    assert "2 created" in out.getvalue()
    path.write_bytes(GOOD.replace(b"Dev One,Engineer", b"Dev One,Senior Engineer"))
    out = io.StringIO()
    call_command("import_people", str(path), stdout=out)
    assert "0 created, 2 updated" in out.getvalue()
    assert Person.objects.get(email="dev@example.test").title == "Senior Engineer"
    assert Person.objects.count() == 2


def test_people_missing_from_the_file_are_reported_not_deleted(world, tmp_path):
    plan = people_import.validate(GOOD)
    assert "employee@example.test" in plan.missing
    people_import.apply(plan)
    assert Person.objects.get(email="employee@example.test").is_active


def test_missing_people_are_deactivated_only_when_asked(world):
    plan = people_import.validate(GOOD)
    counts = people_import.apply(plan, deactivate_missing=True)
    assert counts["deactivated"] == len(plan.missing)
    assert not Person.objects.get(email="employee@example.test").is_active
    assert Person.objects.get(email="dev@example.test").is_active


def test_export_then_import_round_trips_the_directory(world, client_for):
    Person.objects.filter(pk=world.peer.pk).update(title='=HYPERLINK("http://evil")')
    response = client_for(world.people_admin).get("/people/export.csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"'=HYPERLINK" in body  # formula neutralised for spreadsheets
    before = {
        p.email: (
            p.name,
            p.title,
            p.job_family,
            p.level,
            p.location,
            p.team_id,
            p.manager_id,
            p.start_date,
        )
        for p in Person.objects.filter(is_active=True)
    }
    plan = people_import.validate(body)
    assert plan.ok, plan.problems
    counts = people_import.apply(plan)
    assert counts["created"] == 0
    after = {
        p.email: (
            p.name,
            p.title,
            p.job_family,
            p.level,
            p.location,
            p.team_id,
            p.manager_id,
            p.start_date,
        )
        for p in Person.objects.filter(is_active=True)
    }
    assert after == before


def test_upload_with_errors_rerenders_with_every_problem_and_422(world, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("bad.csv", csv_bytes("a@example.test,A,,,,,,ghost@example.test,"))
    response = client_for(world.people_admin).post("/people/import/", {"file": bad})
    assert response.status_code == 422
    assert "Unknown manager" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_upload_of_a_good_file_queues_a_job_that_reports_progress(world, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(world.people_admin)
    response = client.post("/people/import/", {"file": SimpleUploadedFile("p.csv", GOOD)})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/people/import/{job.pk}/"
    page = client.get(response["Location"], headers={"HX-Request": "true"})
    assert page.status_code == 200 and 'id="import-progress"' in page.content.decode()
    assert "<html" not in page.content.decode()  # the fragment only
    people_import.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == "done" and job.result["created"] == 2
    assert "Done." in client.get(f"/people/import/{job.pk}/").content.decode()


def test_a_file_over_the_size_limit_is_refused_with_a_clear_message(world, client_for, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MAX_IMPORT_BYTES = 10
    response = client_for(world.people_admin).post(
        "/people/import/", {"file": SimpleUploadedFile("p.csv", GOOD)}
    )
    assert response.status_code == 422
    assert "the limit is" in response.content.decode()


def test_a_reimport_rewrites_only_the_people_who_changed(db, tmp_path):
    """Importing the same file again writes no person row, and a change rewrites only that
    person's: a re-import of a 100,000-person company rewrote every row (twice), each
    costing every index on the table an entry (bench/README.md, eighth round)."""
    from django.db import connection

    def versions() -> dict[str, str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT email, xmin::text FROM culture_person")
            return dict(cursor.fetchall())

    people_import.apply(people_import.validate(GOOD))
    before = versions()
    people_import.apply(people_import.validate(GOOD))
    assert versions() == before
    changed = GOOD.replace(b"Dev One,Engineer", b"Dev One,Senior Engineer")
    people_import.apply(people_import.validate(changed))
    after = versions()
    assert after["boss@example.test"] == before["boss@example.test"]
    assert after["dev@example.test"] != before["dev@example.test"]
    assert Person.objects.get(email="dev@example.test").title == "Senior Engineer"
