"""A real Celery worker against Redis delivers webhooks handed over after commit, and a
message the broker delivers again sends nothing twice."""

from __future__ import annotations

import time

import pytest
from django.db import transaction

from culture.celery import app
from tests.webhooks.conftest import make_endpoint
from webhooks import events
from webhooks.models import WebhookDelivery

pytestmark = [pytest.mark.celery]


def test_a_real_worker_delivers_after_commit_once_whatever_the_broker_repeats(
    world, celery_worker, receiver
):
    endpoint = make_endpoint(by=world.people_admin, url=receiver.url, receiver=receiver)
    people = [world.employee, world.peer, world.manager]
    with transaction.atomic():
        for person in people:
            events.emit_people("person.created", [person.pk])
        # Nothing leaves before the change commits.
        assert receiver.received == []
    celery_worker.wait_for(lambda: len(receiver.received) == 3, timeout=30)
    for _ in range(3):  # the broker hands the same task over again
        app.send_task("webhooks.tasks.deliver_endpoint", args=[endpoint.pk])
    app.send_task("webhooks.tasks.sweep")
    celery_worker.wait_for(
        lambda: not WebhookDelivery.objects.exclude(status="sent").exists(), timeout=30
    )
    time.sleep(1.5)  # let the repeated tasks run
    assert [r.data["id"] for r in receiver.received] == [p.pk for p in people]
    assert len(set(receiver.ids)) == 3 == len(receiver.ids)
    assert all(r.signature_ok for r in receiver.received)
