"""Deferred work: the one way to queue anything that must happen after a change.

    from culture import jobs

    @jobs.job
    def send_invitations(circle_id: int) -> int: ...

    jobs.defer(send_invitations, circle.pk)     # inside the change's transaction

- `defer` writes a Job row in the caller's transaction, so the work exists if and only if
  the change does. After commit it hands the row's id to the broker (`culture.tasks.run_job`).
- A request never fails because the broker is down: the hand-over is tried once, quickly
  (settings: CELERY_BROKER_TRANSPORT_OPTIONS), and a broker error is logged, not raised.
  `sweep` (beat, every minute) hands over again every job whose message was lost, and every
  job whose worker died before finishing (after its lease).
- `run` claims the row with a conditional UPDATE before it calls the function, so a message
  delivered twice runs the job once. A job that raises is tried again later with a growing
  delay, and after MAX_ATTEMPTS it is marked failed (and logged).
- Only registered functions (`@jobs.job`) can be deferred: a row names a function that was
  written to be run this way. Each must be safe to run again after a crash mid-way: every
  message it sends goes through the delivery ledger with a unique key, every row it writes
  is keyed.
- `after_commit(task_name, *args)` is the one place that hands anything to the broker; the
  delivery ledger (culture.notifications) uses it for its send tasks. Tasks are named, not
  imported, so services never import a tasks module.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from culture.models import Job

log = logging.getLogger(__name__)

# A claimed job whose worker has not finished within the lease is considered crashed.
LEASE = timedelta(seconds=getattr(settings, "JOB_LEASE_SECONDS", 15 * 60))
# A pending job is handed over again once its first hand-over has had this long to arrive.
GRACE = timedelta(seconds=getattr(settings, "JOB_GRACE_SECONDS", 60))
MAX_ATTEMPTS = 8
# Done jobs are kept this long (to see what ran), then deleted by the sweeper.
KEEP_DONE = timedelta(days=7)
# The packages whose modules may register jobs (a row never imports anything else).
PACKAGES = ("culture", "feedback", "keeper", "decisions", "pay", "context")

_registry: dict[str, Callable] = {}


def _name(fn: Callable) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def job(fn: Callable) -> Callable:
    """Register `fn` as a function that may be deferred."""
    _registry[_name(fn)] = fn
    return fn


def after_commit(task_name: str, *args) -> None:
    """Hand a task to the broker once the current transaction commits (at once outside
    one). A broker that is down or hung is logged and forgotten: whatever the task was
    for is recorded in the database, and a sweeper hands it over again."""
    after_commit_each(task_name, [list(args)])


def after_commit_each(task_name: str, arg_lists: list[list]) -> None:
    """`after_commit` for many calls of one task; the first broker error ends the hand-over
    (each further try would wait for the same broker), the sweeper doing the rest."""
    if not arg_lists:
        return
    from culture.celery import app

    def send():
        for args in arg_lists:
            try:
                app.send_task(task_name, args=args, retry=False)
            except Exception:  # noqa: BLE001 - the database row is the truth; the sweeper retries
                log.warning("could not hand %s to the broker; the sweeper will", task_name)
                return

    transaction.on_commit(send)


def _registered_name(fn: Callable) -> str:
    name = _name(fn)
    if _registry.get(name) is not fn:
        raise ValueError(f"{name} is not registered with @jobs.job")
    return name


def defer(fn: Callable, *args) -> Job:
    """Record `fn(*args)` to run after the current transaction commits (see module doc)."""
    record = Job.objects.create(name=_registered_name(fn), args=list(args))
    after_commit("culture.tasks.run_job", record.pk)
    return record


def defer_many(fn: Callable, arg_lists: list[list]) -> list[Job]:
    """`defer` for many calls of one function: one INSERT, one hand-over each after commit,
    so that separate workers can run them at once."""
    name = _registered_name(fn)
    records = Job.objects.bulk_create([Job(name=name, args=list(args)) for args in arg_lists])
    after_commit_each("culture.tasks.run_job", [[record.pk] for record in records])
    return records


def _lookup(name: str) -> Callable | None:
    if name not in _registry:
        module = name.rsplit(".", 1)[0]
        if module.split(".", 1)[0] in PACKAGES:
            try:
                importlib.import_module(module)
            except ImportError:
                return None
    return _registry.get(name)


def claim(job_id: int, now=None) -> Job | None:
    now = now or timezone.now()
    claimed = (
        Job.objects.filter(pk=job_id)
        .filter(
            Q(status=Job.Status.PENDING, run_after__lte=now)
            | Q(status=Job.Status.RUNNING, claimed_at__lt=now - LEASE)
        )
        .update(status=Job.Status.RUNNING, claimed_at=now, attempts=F("attempts") + 1)
    )
    return Job.objects.get(pk=job_id) if claimed else None


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def run(job_id: int) -> bool:
    """Run one job if this caller wins its claim. True when this call ran it to the end."""
    record = claim(job_id)
    if record is None:
        return False
    fn = _lookup(record.name)
    try:
        if fn is None:
            raise LookupError(f"{record.name} is not a registered job")
        fn(*record.args)
    except Exception as exc:  # noqa: BLE001 - recorded on the row; retried or marked failed
        failed = record.attempts >= MAX_ATTEMPTS or fn is None
        log.warning("job %s %s failed: %s", record.pk, record.name, exc, exc_info=True)
        Job.objects.filter(pk=record.pk, status=Job.Status.RUNNING).update(
            status=Job.Status.FAILED if failed else Job.Status.PENDING,
            run_after=timezone.now() + _backoff(record.attempts),
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        return False
    Job.objects.filter(pk=record.pk).update(
        status=Job.Status.DONE, done_at=timezone.now(), last_error=""
    )
    return True


def due(now=None):
    """Jobs whose hand-over was lost (pending past the grace) or whose worker died."""
    now = now or timezone.now()
    return Job.objects.filter(
        Q(status=Job.Status.PENDING, run_after__lte=now - GRACE)
        | Q(status=Job.Status.RUNNING, claimed_at__lt=now - LEASE)
    )


def sweep(now=None, limit: int = 1000) -> int:
    """Hand over again every job that is due (see `due`), and forget done jobs after a
    week. Idempotent: run by beat every minute. Returns how many were handed over."""
    now = now or timezone.now()
    ids = list(due(now).order_by("run_after").values_list("pk", flat=True)[:limit])
    after_commit_each("culture.tasks.run_job", [[job_id] for job_id in ids])
    stale = Job.objects.filter(status=Job.Status.DONE, done_at__lt=now - KEEP_DONE)
    Job.objects.filter(pk__in=stale.values("pk")[:5000]).delete()
    return len(ids)
