from celery.schedules import crontab

# Every minute: the retries' clock (backoff waits are minutes to hours) and the safety net
# for lost hand-overs and crashed workers (webhooks.delivery.sweep).
BEAT_SCHEDULE = {
    "webhooks-sweep": {"task": "webhooks.tasks.sweep", "schedule": crontab()},
}
