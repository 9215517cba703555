"""How long the product keeps what it no longer needs, and the daily sweep that forgets it.

SECURITY.md has the whole table (what is kept, where, for how long). What this module
clears, once a day (beat: culture.tasks.sweep_retention), each step idempotent:

- uploads (people, salary and market CSVs): the file is deleted when its import finishes
  (the importers clear it in the statement that records the result); the sweep clears any
  file still held KEEP_UPLOADS after its upload (an import that never finished is marked
  failed), and then takes out of the report what was copied from the file (the e-mail
  addresses of people missing from it, the problems quoting its rows), keeping the counts;
- expired sessions (Django's `clearsessions`, through the session engine);
- login records (django-axes attempts, failure logs and access logs) older than
  KEEP_LOGIN_RECORDS;
- the bodies of emails (subject, text, HTML, attachments) KEEP_EMAIL_BODIES after they were
  sent or given up on; the ledger row (key, status, recipient, times) stays, since its
  unique key is what makes sending exactly-once;
- deferred work that failed for good, KEEP_FAILED_JOBS after it was created (done jobs go
  after a week: culture.jobs.sweep, every minute);
- the pay records and keeper tests of erased people whose retention has run out
  (culture.privacy; the company's setting, 24 months after leaving by default);
- and each practice's own part (`<app>/privacy.py` `sweep(now)`: pay's uploads).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from culture import privacy
from culture.models import CompanySettings, Delivery, ImportJob, Job

log = logging.getLogger(__name__)

KEEP_UPLOADS = timedelta(days=7)
KEEP_LOGIN_RECORDS = timedelta(days=30)
KEEP_EMAIL_BODIES = timedelta(days=30)
KEEP_FAILED_JOBS = timedelta(days=30)
# What an import's report may hold that came from the file itself.
COPIED_FROM_FILE = ("missing_emails", "problems")


def clear_uploads(model, *, now=None) -> int:
    """For an import job model (culture.ImportJob, pay.PayImportJob: the same fields): clear
    every upload kept past KEEP_UPLOADS, failing the imports that never finished, and take
    the file's own data out of old reports. Returns how many jobs changed."""
    now = now or timezone.now()
    cutoff = now - KEEP_UPLOADS
    old = model.objects.filter(created_at__lt=cutoff)
    finished = [model.Status.DONE, model.Status.FAILED]
    changed = (
        old.exclude(status__in=finished).update(
            status=model.Status.FAILED, content=b"", result={"expired": True}
        )
        # An import that finished before files were cleared at the finish.
        + old.filter(status__in=finished).exclude(content=b"").update(content=b"")
    )
    reports = old.filter(result__has_any_keys=list(COPIED_FROM_FILE)).only("result")
    for job in reports:
        result = {k: v for k, v in job.result.items() if k not in COPIED_FROM_FILE}
        result["details_deleted"] = True
        if "problems" in job.result:
            result["problem_count"] = len(job.result["problems"])
        changed += model.objects.filter(pk=job.pk).update(result=result)
    return changed


def clear_expired_sessions() -> None:
    """What `manage.py clearsessions` does, through the configured session engine."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()


def clear_login_records(*, now=None) -> int:
    """django-axes' lock-out counters, failure logs and login logs older than
    KEEP_LOGIN_RECORDS (far past the lock-out's cool-off, so nobody is unlocked early)."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    cutoff = (now or timezone.now()) - KEEP_LOGIN_RECORDS
    return sum(
        model.objects.filter(attempt_time__lt=cutoff).delete()[0]
        for model in (AccessAttempt, AccessFailureLog, AccessLog)
    )


def clear_email_bodies(*, now=None) -> int:
    """Blank the subject, bodies and attachments of emails sent (or given up on) more than
    KEEP_EMAIL_BODIES ago; the ledger row stays."""
    cutoff = (now or timezone.now()) - KEEP_EMAIL_BODIES
    done = Q(status=Delivery.Status.SENT, sent_at__lt=cutoff) | Q(
        status__in=[Delivery.Status.FAILED, Delivery.Status.SKIPPED, Delivery.Status.DIGESTED],
        created_at__lt=cutoff,
    )
    has_body = ~Q(subject="") | ~Q(text_body="") | ~Q(html_body="") | ~Q(attachments=[])
    return (
        Delivery.objects.filter(done)
        .filter(has_body)
        .update(subject="", text_body="", html_body="", attachments=[])
    )


def delete_failed_jobs(*, now=None) -> int:
    cutoff = (now or timezone.now()) - KEEP_FAILED_JOBS
    return Job.objects.filter(status=Job.Status.FAILED, created_at__lt=cutoff).delete()[0]


def sweep(now=None) -> dict[str, int]:
    """The daily retention sweep. Each step runs on its own: one that fails is logged and
    the others still run (the next day's sweep tries it again)."""
    now = now or timezone.now()
    # What a step returns: rows it cleared, per kind when it clears several, or nothing.
    steps: dict[str, Callable[[], int | dict[str, int] | None]] = {
        "uploads": lambda: clear_uploads(ImportJob, now=now),
        "sessions": clear_expired_sessions,
        "login_records": lambda: clear_login_records(now=now),
        "email_bodies": lambda: clear_email_bodies(now=now),
        "failed_jobs": lambda: delete_failed_jobs(now=now),
        "erased_records": lambda: privacy.do_delete_expired_records(
            today=timezone.localdate(now, CompanySettings.load().tz)
        ),
    }
    for app, app_sweep in privacy._hooks("sweep"):
        steps[app] = functools.partial(app_sweep, now)
    done: dict[str, int] = {}
    for name, step in steps.items():
        try:
            with transaction.atomic():
                result = step()
        except Exception:  # noqa: BLE001 - one step's failure must not keep the others
            log.exception("retention sweep: %s failed; the next sweep tries again", name)
            continue
        if isinstance(result, dict):
            done.update({f"{name}.{k}": v for k, v in result.items()})
        else:
            done[name] = result or 0
    return done
