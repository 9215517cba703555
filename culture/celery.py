import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "culture.settings")

app = Celery("culture")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def lower_priority(**kwargs) -> None:
    """Each pool process yields the CPU to web requests (settings.WORKER_NICE)."""
    from django.conf import settings

    nice = getattr(settings, "WORKER_NICE", 0)
    if nice > 0:
        os.nice(nice)
