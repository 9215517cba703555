from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Runs daily; only acts in the policy's review month, and each manager's reminder is
    # keyed per year, so running it again (or on every day of the month) sends nothing twice.
    "pay-sweep-review": {
        "task": "pay.tasks.sweep_pay_review",
        "schedule": crontab(minute=15, hour=8),
    },
}
