from celery.schedules import crontab

BEAT_SCHEDULE = {
    "feedback-circle-reminders": {
        "task": "feedback.tasks.remind_circles",
        "schedule": crontab(minute="*/5"),
    },
    "feedback-request-reminders": {
        "task": "feedback.tasks.remind_feedback_requests",
        "schedule": crontab(minute=15),
    },
    # Daily, in the morning (UTC): each sweeper is idempotent (keys and claims).
    "feedback-circle-cadence": {
        "task": "feedback.tasks.remind_due_circles",
        "schedule": crontab(minute=10, hour=7),
    },
    "feedback-campaigns": {
        "task": "feedback.tasks.sweep_campaigns",
        "schedule": crontab(minute=20, hour=7),
    },
}
