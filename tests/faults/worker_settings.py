"""Settings for the fault tests' worker processes: the test settings, with a file mail
backend that can be slowed down (FAULTS_MAIL_DELAY seconds per message) so a SIGKILL lands
in the middle of a batch."""

import os

from culture.test_settings import *  # noqa: F403

if os.environ.get("FAULTS_MAIL_DIR"):
    MAILERS = {
        "default": {
            "BACKEND": "tests.faults.slowmail.SlowFileBackend",
            "OPTIONS": {"file_path": os.environ["FAULTS_MAIL_DIR"]},
        }
    }

if os.environ.get("FAULTS_SEND_LEASE"):
    DELIVERY_SEND_LEASE_SECONDS = float(os.environ["FAULTS_SEND_LEASE"])

if os.environ.get("FAULTS_BEAT_EVERY"):
    # Two beats with a short schedule: every periodic task every few seconds.
    from datetime import timedelta

    CELERY_BEAT_SCHEDULE = {
        name: {**entry, "schedule": timedelta(seconds=float(os.environ["FAULTS_BEAT_EVERY"]))}
        for name, entry in CELERY_BEAT_SCHEDULE.items()  # noqa: F405
    }
