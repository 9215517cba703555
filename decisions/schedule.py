from celery.schedules import crontab

BEAT_SCHEDULE = {
    "decisions-reminders": {
        "task": "decisions.tasks.sweep_reminders",
        "schedule": crontab(minute=15),
    },
}
