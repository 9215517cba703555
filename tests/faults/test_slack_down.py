"""Slack down (connection refused) for a whole sweep, then back: with a real Celery worker,
every Slack message is sent exactly once, and none of the emails standing in for them goes.

The stand-in for Slack (tests/chat/slack_standin.py) counts chat.postMessage per user. While
it is down each try costs one refused connection (the channel pauses; the rest of the batch
is given back untried). The ledger's backoff (30 s) and the pause are made to pass by moving
the rows' times back, instead of waiting for them.
"""

from __future__ import annotations

import collections
from datetime import timedelta

import pytest
import redis
from django.utils import timezone

from chat import tasks
from chat.models import ChatDelivery, SlackInstallation
from culture.models import Delivery
from tests.chat.factories import make_installation, make_slack_message
from tests.chat.slack_standin import SlackStandIn
from tests.conftest import build_world, celery_queue, make_person
from tests.faults import procs

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.celery,
    pytest.mark.xdist_group("faults"),
]

MESSAGES = 20


def _time_passes() -> None:
    """The backoff and Slack's pause are over (as if 30 s had gone by)."""
    past = timezone.now() - timedelta(seconds=1)
    SlackInstallation.objects.filter(pk=1).update(paused_until=past)
    ChatDelivery.objects.filter(status=ChatDelivery.Status.PENDING).update(send_after=past)


def _settled_while_down(tries: int):
    """Every row pending again, the first having been tried `tries` times."""

    def check():
        rows = ChatDelivery.objects.order_by("pk")
        statuses = set(rows.values_list("status", flat=True))
        return statuses == {ChatDelivery.Status.PENDING} and rows[0].attempts == tries

    return check


def test_slack_down_for_a_whole_sweep_then_back_sends_each_message_once(redis_url, tmp_path):
    world = build_world()
    people = [make_person(manager=world.manager) for _ in range(MESSAGES)]
    user_ids = {p.email: f"U{i:04}" for i, p in enumerate(people)}
    slack = SlackStandIn(users=user_ids)  # not started: its port refuses connections
    make_installation(by=world.people_admin)
    rows = [make_slack_message(p, key=f"faults:slack:{p.pk}") for p in people]
    redis.Redis.from_url(redis_url).delete(celery_queue())
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = procs.worker_env(redis_url=redis_url, mail_dir=mail_dir, SLACK_API_URL=slack.api_url)

    with procs.worker(env, name="slack"):
        # The hand-over: one task for the batch. Slack refuses; the channel pauses.
        tasks.send_chat_deliveries.delay([r.pk for r in rows])
        procs.wait_until(_settled_while_down(1), 40, what="first try refused")
        assert SlackInstallation.objects.get().paused_until > timezone.now()
        assert ChatDelivery.objects.filter(attempts__gt=0).count() == 1

        # A whole sweep while Slack is still down: every row is due, none goes, none is lost.
        _time_passes()
        tasks.sweep.delay()
        procs.wait_until(_settled_while_down(2), 40, what="a sweep while down")
        assert ChatDelivery.objects.filter(attempts__gt=0).count() == 1
        assert not Delivery.objects.exclude(status=Delivery.Status.HELD).exists()

        # Slack is back (same port): the next sweep sends everything.
        slack.start()
        _time_passes()
        tasks.sweep.delay()
        procs.wait_until(
            lambda: (
                ChatDelivery.objects.filter(status=ChatDelivery.Status.SENT).count() == MESSAGES
            ),
            40,
            what="all sent",
        )
        # One more sweep finds nothing to send again.
        tasks.sweep.delay()
        procs.wait_until(lambda: not redis.Redis.from_url(redis_url).llen(celery_queue()), 20)
    slack.stop()

    posted = collections.Counter(slack.posted_to())
    assert posted == collections.Counter(user_ids.values()), f"not exactly once: {posted}"
    assert all(
        r.headers["authorization"].startswith("Bearer xoxb-")
        for r in slack.calls("chat.postMessage")
    )
    assert set(ChatDelivery.objects.values_list("status", flat=True)) == {"sent"}
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.SKIPPED}
    assert procs.sent_messages(mail_dir) == []
