"""Data kept too long (issue 19, point 4): uploads, sessions, login records, email bodies and
failed jobs are forgotten on time (culture/retention.py; the table is in SECURITY.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from culture import retention, services
from culture.models import Delivery, ImportJob, Job
from culture.tasks import sweep_retention
from pay import services as pay_services
from pay.models import PayImportJob
from tests.conftest import run_jobs

pytestmark = pytest.mark.django_db

PEOPLE_CSV = (
    b"email,name,title,job_family,level,location,team,manager_email,start_date\n"
    b"new.hire@example.test,New Hire,Engineer,Engineering,3,London,Platform,,2026-01-05\n"
)
SALARY_CSV = (
    b"email,effective_date,base_salary,currency\nemployee@example.test,2026-01-01,70000,EUR\n"
)


def _aged(model, pk, days):
    model.objects.filter(pk=pk).update(created_at=timezone.now() - timedelta(days=days))


# --- Uploads ------------------------------------------------------------------------------


def test_a_people_upload_is_deleted_when_its_import_finishes_and_the_page_says_so(
    world, client_for
):
    job = services.do_queue_import(
        by=world.people_admin, filename="people.csv", content=PEOPLE_CSV, deactivate_missing=False
    )
    assert bytes(ImportJob.objects.get(pk=job.pk).content) == PEOPLE_CSV
    run_jobs()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.result["created"] == 1
    assert bytes(job.content) == b""
    page = client_for(world.people_admin).get(reverse("people:import_status", args=[job.pk]))
    assert "The file you uploaded was deleted" in page.content.decode()


def test_a_people_upload_that_fails_is_deleted_too(world):
    job = services.do_queue_import(
        by=world.people_admin,
        filename="bad.csv",
        content=b"email\nnot-an-email\n",
        deactivate_missing=False,
    )
    run_jobs()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.result["problems"]
    assert bytes(job.content) == b""


@pytest.mark.parametrize("content", [SALARY_CSV, b"email\nnobody\n"], ids=["done", "failed"])
def test_a_salary_upload_is_deleted_when_its_import_finishes(world, content):
    job = pay_services.do_queue_import(
        by=world.people_admin, kind="salary", filename="s.csv", content=content, params={}
    )
    run_jobs()
    job.refresh_from_db()
    assert job.status in (PayImportJob.Status.DONE, PayImportJob.Status.FAILED)
    assert bytes(job.content) == b""


@pytest.mark.parametrize("model", [ImportJob, PayImportJob], ids=["people", "pay"])
def test_the_daily_sweep_forgets_every_upload_older_than_7_days(world, model):
    extra = {"kind": "salary"} if model is PayImportJob else {}
    stuck = model.objects.create(
        created_by=world.people_admin, filename="stuck.csv", content=b"a,b\n1,2\n", **extra
    )
    legacy = model.objects.create(
        created_by=world.people_admin,
        filename="legacy.csv",
        content=b"a,b\n1,2\n",
        status=model.Status.DONE,
        result={"created": 1, "missing": 1, "missing_emails": ["left@example.test"]},
        **extra,
    )
    failed = model.objects.create(
        created_by=world.people_admin,
        filename="failed.csv",
        content=b"",
        status=model.Status.FAILED,
        result={"problems": ["row 2, column email: 'left@example.test' is unknown"]},
        **extra,
    )
    recent = model.objects.create(
        created_by=world.people_admin,
        filename="recent.csv",
        content=b"a,b\n1,2\n",
        status=model.Status.DONE,
        result={"missing_emails": ["left@example.test"]},
        **extra,
    )
    for job in (stuck, legacy, failed):
        _aged(model, job.pk, 8)
    _aged(model, recent.pk, 6)

    retention.sweep()

    for job in (stuck, legacy, failed, recent):
        job.refresh_from_db()
    assert stuck.status == model.Status.FAILED and bytes(stuck.content) == b""
    assert stuck.result == {"expired": True}
    assert bytes(legacy.content) == b""
    assert legacy.result == {"created": 1, "missing": 1, "details_deleted": True}
    assert failed.result == {"details_deleted": True, "problem_count": 1}
    assert bytes(recent.content) == b"a,b\n1,2\n"  # within its 7 days (a running import)
    assert recent.result == {"missing_emails": ["left@example.test"]}
    # A second sweep finds nothing more to do.
    again = retention.sweep()
    assert again["uploads"] == 0 and again["pay.uploads"] == 0


# --- Sessions and login records -----------------------------------------------------------


def test_the_daily_sweep_clears_expired_sessions_and_keeps_live_ones(world):
    live = SessionStore()
    live["_auth_user_id"] = str(world.employee.pk)
    live.create()
    expired = SessionStore()
    expired.create()
    Session.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    sweep_retention()
    keys = set(Session.objects.values_list("session_key", flat=True))
    assert live.session_key in keys and expired.session_key not in keys


def test_the_daily_sweep_clears_login_records_older_than_30_days(world):
    fields = {
        "username": "employee@example.test",
        "ip_address": "198.51.100.7",
        "user_agent": "test",
        "http_accept": "*/*",
        "path_info": "/login/",
    }
    rows = {}
    for age in (31, 29):
        rows[age] = [
            AccessAttempt.objects.create(
                **{**fields, "user_agent": f"agent {age}"},
                get_data="",
                post_data="",
                failures_since_start=1,
            ),
            AccessFailureLog.objects.create(**fields, locked_out=False),
            AccessLog.objects.create(**fields),
        ]
        for row in rows[age]:
            type(row).objects.filter(pk=row.pk).update(
                attempt_time=timezone.now() - timedelta(days=age)
            )
    done = retention.sweep()
    assert done["login_records"] == 3
    for row in rows[31]:
        assert not type(row).objects.filter(pk=row.pk).exists(), type(row).__name__
    for row in rows[29]:
        assert type(row).objects.filter(pk=row.pk).exists(), type(row).__name__


# --- Email bodies and deferred work -------------------------------------------------------


def _delivery(world, key, status, days):
    at = timezone.now() - timedelta(days=days)
    return Delivery.objects.create(
        key=key,
        recipient=world.employee,
        to_email=world.employee.email,
        subject="[Acme] Pat wrote you feedback",
        text_body="Hello Eli, Pat wrote you feedback.",
        html_body="<p>Hello Eli</p>",
        attachments=[{"filename": "invite.ics", "content": "BEGIN:VCALENDAR"}],
        status=status,
        created_at=at,
        sent_at=at if status == Delivery.Status.SENT else None,
    )


def test_the_bodies_of_emails_sent_more_than_30_days_ago_are_blanked_and_the_ledger_stays(world):
    old = _delivery(world, "old", Delivery.Status.SENT, 31)
    given_up = _delivery(world, "given-up", Delivery.Status.FAILED, 31)
    recent = _delivery(world, "recent", Delivery.Status.SENT, 29)
    waiting = _delivery(world, "waiting", Delivery.Status.PENDING, 31)
    retention.sweep()
    for delivery in (old, given_up):
        delivery.refresh_from_db()
        assert (delivery.subject, delivery.text_body, delivery.html_body) == ("", "", "")
        assert delivery.attachments == []
        assert delivery.key and delivery.to_email == world.employee.email
    for delivery in (recent, waiting):
        delivery.refresh_from_db()
        assert delivery.text_body and delivery.attachments


def test_failed_jobs_go_after_30_days_and_done_jobs_after_7(world):
    from culture import jobs

    now = timezone.now()
    failed_old = Job.objects.create(name="x", status=Job.Status.FAILED)
    failed_new = Job.objects.create(name="y", status=Job.Status.FAILED)
    done_old = Job.objects.create(name="z", status=Job.Status.DONE, done_at=now - timedelta(days=8))
    Job.objects.filter(pk=failed_old.pk).update(created_at=now - timedelta(days=31))
    retention.sweep()
    jobs.sweep()
    remaining = set(Job.objects.values_list("pk", flat=True))
    assert failed_old.pk not in remaining and done_old.pk not in remaining
    assert failed_new.pk in remaining


# --- The sweep itself ---------------------------------------------------------------------


def test_beat_runs_the_retention_sweep_once_a_day():
    from culture.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["culture-sweep-retention"]
    assert entry["task"] == "culture.tasks.sweep_retention"
    assert entry["task"] in app.tasks
    schedule = entry["schedule"]
    assert len(schedule.hour) == 1 and len(schedule.minute) == 1  # once a day


def test_the_sweep_deletes_the_records_of_erased_people_past_their_retention(world):
    from culture import privacy
    from pay.models import PayRecord

    person = world.inactive
    PayRecord.objects.create(
        person=person, effective_date="2025-01-01", base_salary="1", currency="EUR"
    )
    privacy.do_erase_person(by=world.people_admin, person=person)
    assert retention.sweep()["erased_records"] == 0  # kept for 24 months after leaving
    with time_machine.travel(timezone.now() + timedelta(days=2 * 366), tick=False):
        assert retention.sweep()["erased_records"] == 1
    assert not PayRecord.objects.filter(person=person).exists()


def test_a_failing_step_does_not_stop_the_others(world, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(retention, "clear_login_records", broken)
    delivery = _delivery(world, "old", Delivery.Status.SENT, 31)
    done = retention.sweep()
    assert "login_records" not in done and done["email_bodies"] == 1
    delivery.refresh_from_db()
    assert delivery.text_body == ""
