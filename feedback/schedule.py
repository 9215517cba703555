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
}
