"""Deferred work (culture.jobs): recorded with the change, run once, swept when lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from culture import jobs
from culture.models import Job

pytestmark = pytest.mark.django_db

CALLS: list[tuple] = []


@jobs.job
def remember(*args) -> None:
    CALLS.append(args)


@jobs.job
def explode(*args) -> None:
    raise RuntimeError("the mail server said no")


def not_registered(*args) -> None:  # pragma: no cover - never run
    CALLS.append(args)


@pytest.fixture(autouse=True)
def _clear_calls():
    CALLS.clear()


def test_a_deferred_job_is_written_in_the_callers_transaction():
    with transaction.atomic():
        jobs.defer(remember, 1, "two")
        transaction.set_rollback(True)
    assert not Job.objects.exists()

    with transaction.atomic():
        job = jobs.defer(remember, 1, "two")
    job.refresh_from_db()
    assert (job.name, job.args, job.status) == (
        "tests.culture.test_jobs.remember",
        [1, "two"],
        Job.Status.PENDING,
    )


def test_only_registered_functions_can_be_deferred():
    with pytest.raises(ValueError, match="not registered"):
        jobs.defer(not_registered, 1)
    with pytest.raises(ValueError, match="not registered"):
        jobs.defer_many(not_registered, [[1]])
    assert not Job.objects.exists()


def test_many_calls_are_deferred_as_one_job_each_in_the_callers_transaction():
    with transaction.atomic():
        jobs.defer_many(remember, [[1], [2]])
        transaction.set_rollback(True)
    assert not Job.objects.exists()

    with transaction.atomic():
        records = jobs.defer_many(remember, [[1], [2, "three"]])
    assert [jobs.run(record.pk) for record in records] == [True, True]
    assert sorted(CALLS) == [(1,), (2, "three")]


def test_a_job_delivered_twice_runs_once():
    job = jobs.defer(remember, 7)
    assert jobs.run(job.pk) is True
    assert jobs.run(job.pk) is False
    assert CALLS == [(7,)]
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.attempts == 1 and job.done_at is not None


def test_a_running_job_is_not_run_by_a_second_worker_until_its_lease_has_expired():
    job = jobs.defer(remember, 8)
    assert jobs.claim(job.pk) is not None  # a first worker has it
    assert jobs.run(job.pk) is False
    assert CALLS == []
    Job.objects.filter(pk=job.pk).update(claimed_at=timezone.now() - jobs.LEASE - timedelta(1))
    assert jobs.run(job.pk) is True  # the first worker died: the next one runs it
    assert CALLS == [(8,)]


def test_a_failing_job_is_tried_again_later_then_marked_failed():
    job = jobs.defer(explode)
    assert jobs.run(job.pk) is False
    job.refresh_from_db()
    assert job.status == Job.Status.PENDING
    assert "the mail server said no" in job.last_error
    assert job.run_after > timezone.now() + timedelta(seconds=20)
    assert jobs.run(job.pk) is False and job.attempts == 1  # not before its time

    for _ in range(jobs.MAX_ATTEMPTS - 1):
        Job.objects.filter(pk=job.pk).update(run_after=timezone.now())
        jobs.run(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.attempts == jobs.MAX_ATTEMPTS


def test_the_sweeper_hands_over_lost_and_crashed_jobs_only(monkeypatch):
    now = timezone.now()
    fresh = jobs.defer(remember, "fresh")
    lost = jobs.defer(remember, "lost")
    crashed = jobs.defer(remember, "crashed")
    working = jobs.defer(remember, "working")
    done = jobs.defer(remember, "done")
    Job.objects.filter(pk=lost.pk).update(run_after=now - timedelta(minutes=2))
    Job.objects.filter(pk=crashed.pk).update(
        status=Job.Status.RUNNING, claimed_at=now - jobs.LEASE - timedelta(seconds=1)
    )
    Job.objects.filter(pk=working.pk).update(status=Job.Status.RUNNING, claimed_at=now)
    Job.objects.filter(pk=done.pk).update(
        status=Job.Status.DONE, done_at=now - timedelta(days=8), run_after=now - timedelta(9)
    )

    handed = []
    monkeypatch.setattr(jobs, "after_commit_each", lambda name, args: handed.extend(args))
    assert jobs.sweep(now) == 2
    assert sorted(handed) == sorted([[lost.pk], [crashed.pk]])
    assert fresh.pk not in {h[0] for h in handed}
    assert not Job.objects.filter(pk=done.pk).exists()  # kept a week, then forgotten


def test_a_broker_that_refuses_never_fails_the_caller(
    monkeypatch, django_capture_on_commit_callbacks
):
    from culture.celery import app

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(app, "send_task", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.defer(remember, 1)
    assert Job.objects.get(pk=job.pk).status == Job.Status.PENDING
