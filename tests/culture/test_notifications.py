"""The delivery ledger: every email exactly once, whatever happens to the task."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from culture import notifications
from culture.models import Delivery, Notification
from culture.tasks import send_delivery, sweep_deliveries


def _notify(person, key="test:1"):
    return notifications.notify(
        person,
        key=key,
        kind="test",
        title="Your keeper test is open",
        url="/keeper/",
        body="Three people to answer for.",
    )


@pytest.mark.django_db(transaction=True)
def test_the_same_email_enqueued_three_times_is_sent_once(world):
    first = _notify(world.employee)
    assert first is not None
    assert _notify(world.employee) is None
    assert _notify(world.employee) is None
    delivery = Delivery.objects.get()
    # Three tasks for the same row (a duplicated, re-queued and retried message).
    results = [send_delivery(delivery.pk) for _ in range(3)]
    assert results == [True, False, False]
    assert len(mail.outbox) == 1
    assert Notification.objects.count() == 1
    message = mail.outbox[0]
    assert message.to == ["employee@example.test"]
    assert "Your keeper test is open" in message.subject
    assert "/keeper/" in message.body
    assert message.alternatives and "text/html" in message.alternatives[0].mimetype


@pytest.mark.django_db(transaction=True)
def test_a_task_that_crashed_after_claiming_is_resent_once_by_the_sweeper(world):
    _notify(world.employee)
    delivery = Delivery.objects.get()
    # The worker claimed the row and was killed before sending.
    assert notifications.claim(delivery.pk) is not None
    assert send_delivery(delivery.pk) is False  # a redelivery inside the lease waits
    assert sweep_deliveries() == 0
    with time_machine.travel(timezone.now() + notifications.SEND_LEASE + timedelta(seconds=1)):
        assert sweep_deliveries() == 1
        assert sweep_deliveries() == 0
    assert len(mail.outbox) == 1
    assert Delivery.objects.get().status == Delivery.Status.SENT


@pytest.mark.django_db(transaction=True)
def test_a_failed_send_is_retried_later_and_sent_once(world, settings):
    _notify(world.employee)
    delivery = Delivery.objects.get()
    settings.MAILERS = {"default": {"BACKEND": "tests.culture.broken_mailer.BrokenBackend"}}
    with pytest.raises(ConnectionError):
        send_delivery(delivery.pk)
    assert Delivery.objects.get().status == Delivery.Status.PENDING
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert sweep_deliveries() == 1
    assert len(mail.outbox) == 1
    assert Delivery.objects.get().attempts == 2


@pytest.mark.django_db
def test_inactive_people_get_no_notifications(world):
    assert _notify(world.inactive) is None
    assert not Delivery.objects.exists()


@pytest.mark.django_db
def test_notification_centre_shows_unread_count_and_marks_read(world, client_for):
    _notify(world.employee)
    client = client_for(world.employee)
    page = client.get("/").content.decode()
    assert "1 unread" in page
    note = Notification.objects.get()
    response = client.post("/notifications/read/", {"id": note.pk})
    assert response.status_code == 302 and response["Location"] == "/keeper/"
    assert "unread" not in client.get("/").content.decode()


@pytest.mark.django_db
def test_nobody_can_mark_someone_elses_notification(world, client_for):
    _notify(world.employee)
    note = Notification.objects.get()
    response = client_for(world.peer).post("/notifications/read/", {"id": note.pk})
    assert response.status_code == 404
    assert Notification.objects.get().read_at is None


@pytest.mark.celery
def test_a_real_worker_delivers_a_notification_email(world, celery_worker):
    _notify(world.employee, key="worker:1")
    messages = celery_worker.wait_for(celery_worker.sent_messages)
    assert len(messages) == 1
    assert "To: employee@example.test" in messages[0]
    assert Delivery.objects.get().status == Delivery.Status.SENT
