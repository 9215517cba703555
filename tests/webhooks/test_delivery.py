"""The webhook ledger against a local receiver: signed, in event order, exactly once,
through a receiver that is down for a while, 429s, 5xx and a 24-hour give-up."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from culture.models import Notification
from tests.conftest import make_person
from tests.webhooks.conftest import drain, make_endpoint
from webhooks import delivery, events, tasks
from webhooks.models import Endpoint, WebhookDelivery

pytestmark = pytest.mark.django_db

Status = WebhookDelivery.Status


def _emit_three(start=None):
    start = start or timezone.now()
    people = [make_person(name=f"P{i}") for i in range(3)]
    for i, person in enumerate(people):
        events.emit(
            "person.created", events.person_data(person), occurred_at=start + timedelta(seconds=i)
        )
    return people


def test_an_event_reaches_the_receiver_signed_once(world, receiver):
    endpoint = make_endpoint(by=world.people_admin, url=receiver.url, receiver=receiver)
    person = make_person(name="Ada")
    events.emit_people("person.created", [person.pk])
    assert tasks.deliver_endpoint(endpoint.pk) == 1
    assert tasks.deliver_endpoint(endpoint.pk) == 0  # the broker delivered the task twice
    [got] = receiver.received
    assert got.signature_ok and got.type == "person.created"
    assert got.data["id"] == person.pk and got.data["name"] == "Ada"
    row = WebhookDelivery.objects.get()
    assert (row.status, row.attempts, row.response_status) == (Status.SENT, 1, 200)
    assert got.msg_id == row.event.msg_id


def test_nothing_is_recorded_when_no_endpoint_listens(world):
    make_endpoint(by=world.people_admin, url="http://127.0.0.1:9/x", events=["memo.decided"])
    assert events.emit_people("person.created", [world.employee.pk]) == 0
    assert not WebhookDelivery.objects.exists()


def test_a_turned_off_endpoint_gets_no_new_events(world):
    endpoint = make_endpoint(by=world.people_admin, url="http://127.0.0.1:9/x")
    Endpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
    assert events.emit_people("person.created", [world.employee.pk]) == 0


def test_receiver_down_then_back_gets_each_event_once_in_event_order(world, down_receiver):
    endpoint = make_endpoint(by=world.people_admin, url=down_receiver.url, receiver=down_receiver)
    people = _emit_three()
    assert delivery.deliver_endpoint(endpoint.pk) == 0  # connection refused
    head = WebhookDelivery.objects.queue(endpoint.pk).first()
    assert head.attempts == 1 and head.response_status is None
    assert "ConnectionError" in head.last_error
    # Later events wait behind the one being retried: none overtakes it.
    assert WebhookDelivery.objects.filter(attempts=0).count() == 2
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=True):
        assert drain() == 0  # still down: one more try of the head only
    with time_machine.travel(timezone.now() + timedelta(minutes=20), tick=True):
        down_receiver.start()
        assert drain() == 3
        assert drain() == 0
    assert [r.data["id"] for r in down_receiver.received] == [p.pk for p in people]
    assert len(set(down_receiver.ids)) == 3 == len(down_receiver.ids)
    assert all(r.signature_ok for r in down_receiver.received)
    assert [r.occurred_at for r in down_receiver.received] == sorted(
        r.occurred_at for r in down_receiver.received
    )
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {Status.SENT}
    assert Endpoint.objects.get(pk=endpoint.pk).failing_since is None


def test_a_crashed_claim_is_sent_once_after_its_lease(world, receiver):
    endpoint = make_endpoint(by=world.people_admin, url=receiver.url, receiver=receiver)
    _emit_three()
    head = WebhookDelivery.objects.queue(endpoint.pk).first()
    # A worker claimed the head and died before sending.
    WebhookDelivery.objects.filter(pk=head.pk).update(
        status=Status.SENDING, attempts=1, claimed_at=timezone.now()
    )
    assert drain() == 0  # within the lease nobody touches it, nor what is behind it
    assert receiver.received == []
    with time_machine.travel(timezone.now() + delivery.LEASE + timedelta(seconds=1), tick=True):
        assert drain() == 3
        assert drain() == 0
    assert len(receiver.ids) == 3 == len(set(receiver.ids))
    assert WebhookDelivery.objects.get(pk=head.pk).attempts == 2


@pytest.mark.django_db(transaction=True)
def test_two_workers_given_the_same_endpoint_send_each_event_once(receiver):
    admin = make_person(is_people_admin=True)
    endpoint = make_endpoint(by=admin, url=receiver.url, receiver=receiver)
    _emit_three()
    receiver.delay = 0.2
    results = []

    def work():
        try:
            results.append(delivery.deliver_endpoint(endpoint.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 3
    assert len(receiver.ids) == 3 == len(set(receiver.ids))
    assert [r.data["name"] for r in receiver.received] == ["P0", "P1", "P2"]


def test_429_waits_for_retry_after(world, receiver):
    endpoint = make_endpoint(by=world.people_admin, url=receiver.url, receiver=receiver)
    events.emit_people("person.created", [world.employee.pk])
    receiver.answers = [(429, {"Retry-After": "300"})]
    start = timezone.now()
    assert delivery.deliver_endpoint(endpoint.pk) == 0
    row = WebhookDelivery.objects.get()
    assert row.status == Status.PENDING and row.response_status == 429
    assert timedelta(seconds=299) <= row.next_attempt_at - start <= timedelta(seconds=310)
    with time_machine.travel(start + timedelta(minutes=4), tick=True):
        assert drain() == 0  # the backoff alone (about a minute) would have tried by now
    with time_machine.travel(start + timedelta(minutes=6), tick=True):
        assert drain() == 1
    assert len(receiver.received) == 2 and len(set(receiver.ids)) == 1


def test_retry_after_as_an_http_date():
    now = timezone.now().replace(microsecond=0)
    from email.utils import format_datetime

    assert delivery.retry_after(format_datetime(now + timedelta(seconds=90), usegmt=True), now) == (
        timedelta(seconds=90)
    )
    assert delivery.retry_after("soon", now) is None
    assert delivery.retry_after(None, now) is None


def test_the_backoff_doubles_from_a_minute_to_four_hours_with_jitter():
    middle = [delivery.backoff(n, rand=lambda: 0.5) for n in range(1, 11)]
    assert [m.total_seconds() / 60 for m in middle] == [1, 2, 4, 8, 16, 32, 64, 128, 240, 240]
    assert delivery.backoff(3, rand=lambda: 0.0) == timedelta(minutes=4) * 0.8
    assert delivery.backoff(3, rand=lambda: 0.999999) < timedelta(minutes=4) * 1.2


def test_5xx_is_retried_with_the_backoff_then_failed_after_24_hours(world, receiver, monkeypatch):
    monkeypatch.setattr(delivery.random, "random", lambda: 0.5)
    endpoint = make_endpoint(by=world.people_admin, url=receiver.url, receiver=receiver)
    receiver.always = (503, {})
    events.emit_people("person.created", [world.employee.pk])
    row = WebhookDelivery.objects.get()
    waits = []
    now = timezone.now()
    for _ in range(40):
        with time_machine.travel(now, tick=False):
            delivery.deliver_endpoint(endpoint.pk)
        row.refresh_from_db()
        if row.status == Status.FAILED:
            break
        waits.append(row.next_attempt_at - now)
        now = row.next_attempt_at
    assert row.status == Status.FAILED and row.response_status == 503
    minutes = [round(w.total_seconds() / 60) for w in waits]
    assert minutes[:9] == [1, 2, 4, 8, 16, 32, 64, 128, 240]
    assert row.last_attempt_at <= row.give_up_at < row.next_attempt_at
    assert row.give_up_at - row.created_at == timedelta(hours=24)
    assert row.attempts == len(waits) + 1 == len(receiver.received)
    assert len(set(receiver.ids)) == 1  # every try of one event carries the same webhook-id


def test_410_gone_turns_the_endpoint_off_at_once_and_tells_the_admins(world, receiver):
    endpoint = make_endpoint(by=world.people_admin, url=receiver.url, receiver=receiver)
    _emit_three()
    receiver.answers = [(410, {})]
    assert delivery.deliver_endpoint(endpoint.pk) == 0
    endpoint.refresh_from_db()
    assert not endpoint.is_active and "410" in endpoint.disabled_reason
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {Status.FAILED}
    assert Notification.objects.filter(
        recipient=world.people_admin, kind="webhook.disabled"
    ).exists()
    assert len(receiver.received) == 1


def test_three_days_of_failure_turn_the_endpoint_off_and_tell_the_admins(
    world, receiver, monkeypatch
):
    handed = []
    monkeypatch.setattr(delivery.jobs, "after_commit_each", lambda name, args: handed.extend(args))
    endpoint = make_endpoint(
        by=world.people_admin, url=receiver.url, receiver=receiver, events=["person.updated"]
    )
    receiver.always = (500, {})
    # A second people admin: both are told.
    type(world.ceo).objects.filter(pk=world.ceo.pk).update(is_people_admin=True)
    start = timezone.now()
    # An event a day, each failing all day long: the endpoint never answers well.
    for day in range(3):
        with time_machine.travel(start + timedelta(days=day), tick=False):
            events.emit_people("person.updated", [world.employee.pk])
            delivery.deliver_endpoint(endpoint.pk)
            endpoint.refresh_from_db()
            assert endpoint.is_active  # failing for less than three days
            assert delivery.sweep() >= 0
        with time_machine.travel(start + timedelta(days=day, hours=25), tick=False):
            drain()
    with time_machine.travel(start + timedelta(days=3, minutes=1), tick=False):
        delivery.sweep()
    endpoint.refresh_from_db()
    assert endpoint.failing_since == start, (endpoint.failing_since, start)
    assert not endpoint.is_active
    assert "3 days" in endpoint.disabled_reason
    note = Notification.objects.get(recipient=world.people_admin, kind="webhook.disabled")
    assert endpoint.host in note.title
    assert not Notification.objects.filter(recipient=world.employee, kind="webhook.disabled")
    # Told once each, however often the sweeper runs.
    with time_machine.travel(start + timedelta(days=3, minutes=2), tick=False):
        delivery.sweep()
    told = Notification.objects.filter(kind="webhook.disabled")
    assert sorted(told.values_list("recipient__email", flat=True)) == [
        "admin@example.test",
        world.ceo.email,
    ]


def test_one_success_clears_the_failure_record(world, receiver):
    endpoint = make_endpoint(by=world.people_admin, url=receiver.url, receiver=receiver)
    receiver.answers = [(500, {})]
    events.emit_people("person.created", [world.employee.pk])
    delivery.deliver_endpoint(endpoint.pk)
    endpoint.refresh_from_db()
    assert endpoint.failing_since is not None
    with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=True):
        assert drain() == 1
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None


def test_the_sweeper_hands_over_each_endpoint_with_something_due(world, monkeypatch):
    handed = []
    monkeypatch.setattr(
        delivery.jobs, "after_commit_each", lambda name, args: handed.append((name, args))
    )
    a = make_endpoint(by=world.people_admin, url="http://127.0.0.1:9/a")
    b = make_endpoint(by=world.people_admin, url="http://127.0.0.1:9/b")
    make_endpoint(by=world.people_admin, url="http://127.0.0.1:9/c", events=["memo.decided"])
    handed.clear()
    events.emit_people("person.created", [world.employee.pk, world.peer.pk])
    handed.clear()
    assert delivery.sweep() == 2
    assert handed == [("webhooks.tasks.deliver_endpoint", [[a.pk], [b.pk]])]


def test_send_again_tries_the_same_event_with_the_same_webhook_id(world, receiver):
    from webhooks import services

    endpoint = make_endpoint(by=world.people_admin, url=receiver.url, receiver=receiver)
    events.emit_people("person.created", [world.employee.pk])
    delivery.deliver_endpoint(endpoint.pk)
    row = WebhookDelivery.objects.get()
    services.do_send_again(by=world.people_admin, delivery=row)
    row.refresh_from_db()
    assert row.status == Status.PENDING
    assert delivery.deliver_endpoint(endpoint.pk) == 1
    row.refresh_from_db()
    assert row.status == Status.SENT and row.attempts == 2
    assert len(receiver.ids) == 2 and len(set(receiver.ids)) == 1
    services.do_send_again(by=world.people_admin, delivery=row)
    with pytest.raises(services.AlreadyQueued, match="already queued"):
        services.do_send_again(by=world.people_admin, delivery=row)
    Endpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
    row.refresh_from_db()
    with pytest.raises(services.WebhookError, match="turned off"):
        services.do_send_again(by=world.people_admin, delivery=row)


def test_finished_deliveries_and_their_events_are_forgotten_after_30_days(world, monkeypatch):
    from webhooks.models import Event

    monkeypatch.setattr(delivery.jobs, "after_commit_each", lambda name, args: None)
    make_endpoint(by=world.people_admin, url="http://127.0.0.1:9/a")
    events.emit_people("person.created", [world.employee.pk, world.peer.pk])
    first, second = WebhookDelivery.objects.order_by("pk")
    WebhookDelivery.objects.filter(pk=first.pk).update(status=Status.SENT)
    with time_machine.travel(timezone.now() + timedelta(days=31), tick=False):
        delivery.sweep()
    # The sent one is gone with its event; the one still open stays.
    assert list(WebhookDelivery.objects.values_list("pk", flat=True)) == [second.pk]
    assert list(Event.objects.values_list("pk", flat=True)) == [second.event_id]


def test_an_unreadable_secret_is_a_failure_not_a_stuck_claim(world, receiver):
    endpoint = make_endpoint(by=world.people_admin, url=receiver.url, receiver=receiver)
    Endpoint.objects.filter(pk=endpoint.pk).update(secret_encrypted="gAAAA-not-ours")
    events.emit_people("person.created", [world.employee.pk])
    assert delivery.deliver_endpoint(endpoint.pk) == 0
    row = WebhookDelivery.objects.get()
    assert row.status == Status.PENDING and "rotate" in row.last_error
    assert receiver.received == []


def test_a_broker_outage_fails_nobody_and_the_sweeper_delivers(
    world, receiver, monkeypatch, django_capture_on_commit_callbacks
):
    from django.db import transaction

    from culture.celery import app

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(app, "send_task", broker_down)
    endpoint = make_endpoint(by=world.people_admin, url=receiver.url, receiver=receiver)
    with django_capture_on_commit_callbacks(execute=True) as handed_over, transaction.atomic():
        events.emit_people("person.created", [world.employee.pk])
    assert len(handed_over) == 1  # tried once after commit, failed quietly
    assert receiver.received == []
    assert WebhookDelivery.objects.get().status == Status.PENDING
    assert list(delivery.due().values_list("endpoint_id", flat=True)) == [endpoint.pk]
    assert drain() == 1
    assert len(receiver.ids) == 1
