"""The yearly pay review reminder: each manager once, in the policy's month."""

from datetime import date

import pytest

from culture.models import Delivery, Notification
from pay import services
from pay.models import PayPolicy

pytestmark = pytest.mark.django_db


def test_every_manager_is_reminded_once_in_the_review_month(
    world, django_capture_on_commit_callbacks
):
    PayPolicy.objects.update_or_create(pk=1, defaults={"review_month": 3})
    with django_capture_on_commit_callbacks(execute=False):
        sent = services.do_send_review_reminders(today=date(2027, 3, 2))
        again = services.do_send_review_reminders(today=date(2027, 3, 20))
    reminded = set(
        Notification.objects.filter(kind="pay.review").values_list("recipient__email", flat=True)
    )
    assert reminded == {
        "ceo@example.test",
        "skip@example.test",
        "manager@example.test",
        "otherdirector@example.test",
        "othermanager@example.test",
    }
    assert sent == 5 and again == 0
    assert Delivery.objects.filter(key__startswith="pay:review:2027:").count() == 5
    assert "personal market" in Delivery.objects.first().text_body


def test_no_reminder_outside_the_review_month_and_a_new_one_next_year(
    world, django_capture_on_commit_callbacks
):
    PayPolicy.objects.update_or_create(pk=1, defaults={"review_month": 3})
    with django_capture_on_commit_callbacks(execute=False):
        assert services.do_send_review_reminders(today=date(2027, 4, 1)) == 0
        assert services.do_send_review_reminders(today=date(2027, 3, 1)) == 5
        assert services.do_send_review_reminders(today=date(2028, 3, 1)) == 5


def test_the_review_sweeper_is_on_the_beat_schedule():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["pay-sweep-review"]
    assert entry["task"] == "pay.tasks.sweep_pay_review"


def test_each_manager_is_reminded_in_their_own_language(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    from django.utils import translation

    world.manager.language = "de"
    world.manager.save(update_fields=["language"])
    # A stand-in catalogue that says which language each text was written in.
    monkeypatch.setattr(services, "_", lambda text: f"[{translation.get_language()}] {text}")
    PayPolicy.objects.update_or_create(pk=1, defaults={"review_month": 3})
    with django_capture_on_commit_callbacks(execute=False):
        services.do_send_review_reminders(today=date(2027, 3, 2))
    titles = dict(
        Notification.objects.filter(kind="pay.review").values_list("recipient__email", "title")
    )
    assert titles["manager@example.test"].startswith("[de] Yearly pay review 2027")
    assert titles["ceo@example.test"].startswith("[en-gb] Yearly pay review 2027")
