"""Teams channel posts on the chat ledger, against a local stand-in for the Workflows webhook:
the exact request, exactly once per key, Retry-After honoured to the second, backoff on
5xx, one failing channel never holding up another, 4xx failing the post, and a channel
failing for 24 hours turned off with its managers and the people admins told."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from chat import delivery, teams, teams_posts
from chat.models import ChatDelivery, TeamsChannel
from culture.models import AuditEvent, Delivery, Notification
from sso import crypto
from tests.chat.teams_standin import Workflows, channel_for, free_port

pytestmark = pytest.mark.django_db

NOW = timezone.datetime(2026, 12, 7, 9, 0, tzinfo=timezone.UTC)


@pytest.fixture
def workflows():
    standin = Workflows(port=free_port()).start()
    yield standin
    standin.stop()


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _post(team, key="memo:1:published", *, post_type="memos", title="Memo published: Ship it"):
    return teams_posts.post(
        team, post_type=post_type, key=key, title=title, text="Captain: Eli.", url="/decisions/1/"
    )


def test_a_post_is_one_json_post_of_an_adaptive_card_to_the_workflows_url(
    world, workflows, settings
):
    settings.SITE_URL = "https://culture.example.test"
    channel = channel_for(world.team, workflows.url(), by=world.manager)
    row = _post(world.team)
    assert delivery.send_batch([row.pk]) == 1
    [request] = workflows.requests
    assert request.method == "POST"
    assert request.path == "/workflows/abc/triggers/manual/run?sig=s3cret"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == "Culture-Teams/1"
    assert request.json == {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": [
                        {
                            "type": "TextBlock",
                            "text": "Memo published: Ship it",
                            "weight": "Bolder",
                            "size": "Medium",
                            "wrap": True,
                        },
                        {"type": "TextBlock", "text": "Captain: Eli.", "wrap": True},
                        {
                            "type": "TextBlock",
                            "text": "Farm for dissent: the captain decides better when people "
                            "say what they think.",
                            "isSubtle": True,
                            "wrap": True,
                        },
                    ],
                    "actions": [
                        {
                            "type": "Action.OpenUrl",
                            "title": "Open",
                            "url": "https://culture.example.test/decisions/1/",
                        }
                    ],
                },
            }
        ],
    }
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, "")
    assert row.key == f"teams:{channel.pk}:memo:1:published"
    assert row.channel == "teams" and row.teams_channel_id == channel.pk
    assert row.give_up_at == row.created_at + timedelta(hours=24)


def test_the_url_is_stored_encrypted_and_only_its_host_in_clear(world, workflows):
    channel = channel_for(world.team, workflows.url(), by=world.manager)
    assert "s3cret" not in channel.webhook_url_encrypted
    assert crypto.decrypt(channel.webhook_url_encrypted) == workflows.url()
    assert channel.url_host == "127.0.0.1"


def test_the_same_key_posted_twice_is_sent_once(world, workflows):
    channel_for(world.team, workflows.url(), by=world.manager)
    first = _post(world.team)
    assert _post(world.team) is None
    assert ChatDelivery.objects.count() == 1
    assert delivery.send_batch([first.pk]) == 1
    assert delivery.send_batch([first.pk]) == 0  # a redelivered task finds it sent
    assert delivery.sweep() == 0
    assert len(workflows.requests) == 1


def test_no_channel_no_post_and_one_query(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert _post(world.team) is None
    assert not ChatDelivery.objects.exists()


def test_a_channel_posts_only_the_types_chosen_and_nothing_when_off(world, workflows):
    channel = channel_for(world.team, workflows.url(), by=world.manager, posts=["circles"])
    assert _post(world.team) is None  # memos not chosen
    assert _post(world.team, "circle:1:scheduled", post_type="circles") is not None
    TeamsChannel.objects.filter(pk=channel.pk).update(is_active=False)
    assert _post(world.team, "circle:2:scheduled", post_type="circles") is None
    assert ChatDelivery.objects.count() == 1


def test_429_waits_exactly_retry_after_and_pauses_the_channel(world, workflows, clock):
    channel = channel_for(world.team, workflows.url(), by=world.manager)
    first = _post(world.team, "a")
    second = _post(world.team, "b")
    workflows.answer(429, {"Retry-After": "120"}, '{"error": "too many"}')
    assert delivery.send_batch([first.pk, second.pk]) == 0
    assert len(workflows.requests) == 1  # the second was given back untried
    first.refresh_from_db()
    second.refresh_from_db()
    channel.refresh_from_db()
    assert (first.status, first.attempts) == ("pending", 1)
    assert first.send_after == NOW + timedelta(seconds=120)
    assert first.last_error == 'HTTP 429: {"error": "too many"}'
    assert (second.status, second.attempts, second.send_after) == (
        "pending",
        0,
        NOW + timedelta(seconds=120),
    )
    assert channel.paused_until == NOW + timedelta(seconds=120)
    clock.move_to(NOW + timedelta(seconds=119))
    assert delivery.sweep() == 0
    assert len(workflows.requests) == 1
    clock.move_to(NOW + timedelta(seconds=120))
    assert delivery.sweep() == 2
    assert len(workflows.requests) == 3
    assert set(ChatDelivery.objects.values_list("status", flat=True)) == {"sent"}
    channel.refresh_from_db()
    assert (channel.failing_since, channel.last_error) == (None, "")


def test_5xx_backs_off_30_then_60_seconds_then_goes(world, workflows, clock):
    channel = channel_for(world.team, workflows.url(), by=world.manager)
    row = _post(world.team)
    workflows.answer(500)
    workflows.answer(503)
    assert delivery.send_batch([row.pk]) == 0
    row.refresh_from_db()
    assert (row.status, row.send_after, row.last_error) == (
        "pending",
        NOW + timedelta(seconds=30),
        "HTTP 500",
    )
    channel.refresh_from_db()
    assert channel.failing_since == NOW and channel.last_error == "HTTP 500"
    clock.move_to(NOW + timedelta(seconds=30))
    assert delivery.sweep() == 0
    row.refresh_from_db()
    assert row.send_after == NOW + timedelta(seconds=90) and row.attempts == 2
    clock.move_to(NOW + timedelta(seconds=90))
    assert delivery.sweep() == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 3)
    assert len(workflows.requests) == 3
    channel.refresh_from_db()
    assert channel.failing_since is None


def test_a_timeout_is_retried(world, workflows, monkeypatch):
    monkeypatch.setattr(teams, "TIMEOUT", 0.2)
    channel_for(world.team, workflows.url(), by=world.manager)
    row = _post(world.team)
    workflows.delay = 1.0
    assert delivery.send_batch([row.pk]) == 0
    row.refresh_from_db()
    assert row.status == "pending" and row.last_error.startswith("ReadTimeout: ")


def test_a_channel_down_never_holds_up_another_channel_nor_slack_in_the_same_batch(
    world, workflows, monkeypatch
):
    from chat import slack
    from chat.outcome import Outcome

    slack_sent = []

    def send_each(self, rows, paused):
        for row in rows:
            slack_sent.append(row.pk)
            yield [(row, Outcome.sent())]

    monkeypatch.setattr(slack.Sender, "send_each", send_each)
    down = Workflows(port=free_port())  # never started: connection refused
    channel_for(world.other_team, down.url(), by=world.people_admin)
    channel_for(world.team, workflows.url(), by=world.manager)
    email = Delivery.objects.create(
        key="k",
        recipient=world.employee,
        to_email=world.employee.email,
        subject="s",
        text_body="t",
    )
    rows = [
        _post(world.other_team, "a"),
        _post(world.other_team, "b"),
        _post(world.team, "a"),
        _post(world.team, "b"),
    ]
    dm = ChatDelivery.objects.create(
        key="slack:1",
        channel="slack",
        recipient=world.employee,
        text="A Slack message",
        give_up_at=timezone.now() + timedelta(hours=1),
    )
    assert delivery.send_batch([r.pk for r in rows] + [dm.pk]) == 3
    assert slack_sent == [dm.pk]
    for r in rows:
        r.refresh_from_db()
    assert [(r.teams_channel.team.slug, r.status, r.attempts) for r in rows] == [
        ("growth", "pending", 1),
        ("growth", "pending", 0),
        ("platform", "sent", 1),
        ("platform", "sent", 1),
    ]
    assert rows[0].last_error.startswith("ConnectionError: ")
    assert len(workflows.requests) == 2
    # Slack went in the same batch; the email ledger is its own: untouched.
    email.refresh_from_db()
    assert email.status == "pending" and email.attempts == 0


def test_404_fails_the_post_at_once(world, workflows):
    channel = channel_for(world.team, workflows.url(), by=world.manager)
    row = _post(world.team)
    workflows.answer(404, body="Not found")
    assert delivery.send_batch([row.pk]) == 0
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "HTTP 404: Not found")
    channel.refresh_from_db()
    assert channel.is_active and channel.last_error == "HTTP 404: Not found"
    assert channel.failing_since is not None and channel.paused_until is None
    assert delivery.sweep() == 0 and len(workflows.requests) == 1


def test_400_for_a_card_it_will_not_take_fails_the_post(world, workflows):
    channel_for(world.team, workflows.url(), by=world.manager)
    row = _post(world.team)
    workflows.answer(400, body='{"error":{"code":"InvalidRequestContent"}}')
    delivery.send_batch([row.pk])
    row.refresh_from_db()
    assert row.status == "failed"
    assert row.last_error == 'HTTP 400: {"error":{"code":"InvalidRequestContent"}}'


def test_a_private_address_is_refused_before_any_request(world, workflows, settings):
    channel_for(world.team, workflows.url(), by=world.manager)
    row = _post(world.team)
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    delivery.send_batch([row.pk])
    row.refresh_from_db()
    assert row.status == "failed"
    assert row.last_error.startswith("127.0.0.1 is 127.0.0.1, an address inside a private")
    assert workflows.requests == []


def test_a_channel_failing_for_24_hours_is_turned_off_and_its_people_are_told(
    world, workflows, clock
):
    channel = channel_for(world.team, workflows.url(), by=world.manager)
    workflows.always = (500, {}, "")
    row = _post(world.team, "a")
    waiting = _post(world.team, "b")
    delivery.send_batch([row.pk])
    channel.refresh_from_db()
    assert channel.failing_since == NOW
    clock.move_to(NOW + timedelta(hours=23, minutes=59))
    delivery.sweep()
    channel.refresh_from_db()
    assert channel.is_active
    clock.move_to(NOW + timedelta(hours=24, minutes=30))
    delivery.sweep()
    channel.refresh_from_db()
    assert not channel.is_active
    row.refresh_from_db()
    waiting.refresh_from_db()
    # The post tried and the other one of the same sweep (untried) fail with it.
    assert (row.status, row.last_error) == ("failed", "The channel was turned off.")
    assert (waiting.status, waiting.last_error) == ("failed", "The channel was turned off.")
    assert channel.last_error == "The channel is turned off."
    # Tried at 09:00, at the 23:59 sweep and at the 24:30 one: then turned off.
    assert len(workflows.requests) == 3
    told = Notification.objects.filter(kind="chat.teams_disabled")
    # The team's managers (who directly manage an active member of Platform: the CEO
    # manages the skip-level, who manages the manager) and the people admins.
    assert sorted(told.values_list("recipient__email", flat=True)) == [
        "admin@example.test",
        "ceo@example.test",
        "manager@example.test",
        "skip@example.test",
    ]
    assert {n.title for n in told} == {"The Teams channel of Platform was turned off"}
    assert {n.url for n in told} == {"/settings/chat/teams/platform/"}
    assert Delivery.objects.filter(notification__in=told).count() == 4
    event = AuditEvent.objects.get(action="chat.teams_channel_disabled")
    assert event.actor is None
    assert event.detail == {"reason": "Every post failed for 24 hours (last: HTTP 500)"}
    # Off means off: nothing more is posted, and turning it off again tells nobody again.
    assert _post(world.team, "c") is None
    assert teams.disable(channel.pk, reason="again") is False
    assert told.count() == 4


def test_a_post_queued_before_the_channel_was_turned_off_fails_without_a_request(world, workflows):
    channel = channel_for(world.team, workflows.url(), by=world.manager)
    row = _post(world.team)
    TeamsChannel.objects.filter(pk=channel.pk).update(is_active=False)
    delivery.send_batch([row.pk])
    row.refresh_from_db()
    assert row.status == "failed"
    assert row.last_error == "The channel is turned off."
    assert workflows.requests == []
