from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Daily, in the morning (UTC): managers hear about someone who has not been away.
    "freedom-time-off-nudges": {
        "task": "freedom.tasks.sweep_time_off_nudges",
        "schedule": crontab(minute=20, hour=8),
    },
}
