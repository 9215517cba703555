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
def test_the_unread_count_is_read_with_the_person_and_is_fresh_on_every_request(world, client_for):
    """culture.backends.PersonBackend counts the unread notifications in the person lookup
    every request makes: the header needs no query of its own, and a new notification or
    one marked read shows on the very next page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(world.employee)
    client.get("/")
    with CaptureQueriesContext(connection) as ctx:
        page = client.get("/").content.decode()
    assert "unread" not in page
    notification_queries = [q["sql"] for q in ctx if "culture_notification" in q["sql"]]
    assert len(notification_queries) == 1, notification_queries
    assert '"culture_person"' in notification_queries[0]  # the subquery of the person lookup
    _notify(world.employee)
    _notify(world.employee, key="second")
    assert "2 unread" in client.get("/").content.decode()
    Notification.objects.filter(recipient=world.employee).update(read_at=timezone.now())
    assert "unread" not in client.get("/").content.decode()
    # Somebody else's notifications are not counted.
    _notify(world.peer)
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


def _messages(people, prefix="bulk"):
    return [
        notifications.Message(
            recipient=p, key=f"{prefix}:{p.pk}", kind="test", title=f"Hello {p.name}", url="/"
        )
        for p in people
    ]


@pytest.mark.django_db(transaction=True)
def test_notify_many_creates_each_notification_and_email_once(world):
    people = [world.employee, world.peer, world.manager, world.inactive]
    assert notifications.notify_many(_messages(people)) == 3  # not the inactive person
    assert notifications.notify_many(_messages(people)) == 0
    assert Notification.objects.count() == 3 and Delivery.objects.count() == 3
    ids = list(Delivery.objects.values_list("pk", flat=True))
    from culture.tasks import send_deliveries

    assert send_deliveries(ids) == 3
    assert send_deliveries(ids) == 0  # a redelivered batch sends nothing again
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        ["employee@example.test", "peer@example.test", "manager@example.test"]
    )
    assert Delivery.objects.filter(status="sent").count() == 3


@pytest.mark.django_db(transaction=True)
def test_notify_many_skips_keys_a_single_notify_already_sent(world):
    _notify(world.employee, key=f"bulk:{world.employee.pk}")
    assert notifications.notify_many(_messages([world.employee, world.peer])) == 1
    assert Delivery.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_racing_bulk_senders_create_every_message_once(world):
    import threading

    from django.db import connection as conn

    people = [world.employee, world.peer, world.manager, world.skip_level]
    barrier = threading.Barrier(4)
    counts = []

    def run():
        barrier.wait()
        try:
            counts.append(notifications.notify_many(_messages(people, prefix="race")))
        finally:
            conn.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(counts) == 4
    assert Notification.objects.count() == 4 and Delivery.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_a_batch_with_a_failing_message_sends_the_rest_and_retries_the_failure(world, settings):
    notifications.notify_many(_messages([world.employee, world.peer]))
    ids = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))
    settings.MAILERS = {"default": {"BACKEND": "tests.culture.broken_mailer.FlakyBackend"}}
    from tests.culture import broken_mailer

    broken_mailer.FlakyBackend.fail_for = {"peer@example.test"}
    assert notifications.send_batch(ids) == 1
    assert Delivery.objects.get(to_email="peer@example.test").status == "pending"
    broken_mailer.FlakyBackend.fail_for = set()
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert sweep_deliveries() == 1
    assert sorted(m.to[0] for m in broken_mailer.FlakyBackend.sent) == [
        "employee@example.test",
        "peer@example.test",
    ]
