from celery.schedules import crontab

BEAT_SCHEDULE = {
    "keeper-sweep": {"task": "keeper.tasks.sweep", "schedule": crontab(minute=5)},
}
