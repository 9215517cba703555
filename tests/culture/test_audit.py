"""The audit log is append-only, and only people admins browse it."""

import pytest
from django.db import connection, transaction
from django.db.utils import ProgrammingError

from culture import audit
from culture.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_record_stores_who_what_about_whom_and_from_where(world, rf):
    request = rf.get("/", REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="pytest")
    event = audit.record(
        world.manager, "keeper.answer.read", subject=world.employee, request=request
    )
    assert (event.actor, event.subject, event.ip, event.user_agent) == (
        world.manager,
        world.employee,
        "10.1.2.3",
        "pytest",
    )


def test_record_many_writes_one_row_per_subject_in_one_statement(
    world, rf, django_assert_num_queries
):
    request = rf.get("/", REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="pytest")
    subjects = [world.employee, world.peer, world.employee]
    with django_assert_num_queries(1):
        n = audit.record_many(
            world.manager, "pay.salary.read", subjects, detail={"page": "team"}, request=request
        )
    assert n == 3
    rows = list(AuditEvent.objects.filter(action="pay.salary.read").order_by("id"))
    assert [r.subject_id for r in rows] == [s.pk for s in subjects]
    for r in rows:
        assert (r.actor, r.ip, r.user_agent, r.detail) == (
            world.manager,
            "10.1.2.3",
            "pytest",
            {"page": "team"},
        )
        assert r.at is not None and r.object_type == "" and r.object_id == ""
    with django_assert_num_queries(0):
        assert audit.record_many(world.manager, "pay.salary.read", []) == 0


def test_record_many_outside_a_request_has_no_address(world):
    assert audit.record_many(None, "x.read", [world.employee]) == 1
    event = AuditEvent.objects.get(action="x.read")
    assert event.actor is None and event.ip is None and event.user_agent == ""


def test_the_model_refuses_changes_and_deletes(world):
    event = audit.record(world.manager, "x.read", subject=world.employee)
    event.action = "tampered"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()


def test_the_database_refuses_updates_and_deletes_too(world):
    audit.record(world.manager, "x.read", subject=world.employee)
    with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
        AuditEvent.objects.update(action="tampered")
    with (
        pytest.raises(ProgrammingError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM culture_auditevent")
    assert AuditEvent.objects.get().action == "x.read"


def test_people_admins_filter_the_log_by_action_and_person(world, client_for):
    audit.record(world.manager, "keeper.answer.read", subject=world.employee)
    audit.record(world.skip_level, "pay.salary.read", subject=world.peer)
    page = client_for(world.people_admin).get("/audit/", {"action": "pay.salary.read"})
    body = page.content.decode()
    assert "pay.salary.read" in body and "keeper.answer.read" not in body
    page = client_for(world.people_admin).get("/audit/", {"subject": "Eli"})
    assert "keeper.answer.read" in page.content.decode()


def test_the_audit_log_htmx_filter_returns_only_the_results(world, client_for):
    audit.record(world.manager, "keeper.answer.read", subject=world.employee)
    response = client_for(world.people_admin).get(
        "/audit/",
        {"action": "keeper.answer.read"},
        headers={"HX-Request": "true", "HX-Target": "audit-results"},
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="audit-results"') and "<html" not in body


def test_nobody_else_can_read_the_audit_log(world, client_for):
    for person in (world.employee, world.manager, world.skip_level, world.outsider):
        assert client_for(person).get("/audit/").status_code == 403
