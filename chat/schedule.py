from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Every minute: retries, quiet hours ending, lost hand-overs and crashed workers.
    "chat-sweep": {"task": "chat.tasks.sweep", "schedule": crontab()},
    # Digests are due at a person's chosen time in their own zone: look every 15 minutes.
    "chat-digests": {"task": "chat.tasks.send_digests", "schedule": crontab(minute="*/15")},
    # Daily: match people who joined since to their Slack user by email.
    "chat-slack-sync-users": {
        "task": "chat.tasks.sync_slack_users",
        "schedule": crontab(minute=20, hour=4),
    },
}
