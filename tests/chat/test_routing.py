"""Delivery preferences: where each message goes, when, and the daily digest (issue 22)."""

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from chat import delivery as chat_delivery
from chat import digest
from chat.models import ChatDelivery, ChatSettings, DeliveryPreference, SlackInstallation
from chat.outcome import Outcome
from chat.routing import SLACK_GIVE_UP, quiet_hours_end
from culture import notifications
from culture.models import Delivery, Notification
from culture.tasks import send_delivery, sweep_deliveries


def _notify(person, key="keeper:open:1", kind="keeper.opened", **kw):
    return notifications.notify(
        person, key=key, kind=kind, title="Keeper test, Q1: 3 to answer", url="/keeper/", **kw
    )


def _prefer(person, **fields):
    channels = fields.pop("channels", {})
    return DeliveryPreference.objects.create(person=person, channels=channels, **fields)


def _connect_slack():
    from sso import crypto

    SlackInstallation.objects.update_or_create(
        pk=1,
        defaults={
            "team_id": "T1",
            "team_name": "Acme",
            "bot_token_encrypted": crypto.encrypt("xoxb-test"),
            "installed_at": timezone.now(),
        },
    )


class FakeSender:
    """Stands in for a channel's sender (Slack's real one is tested against a stand-in
    Slack in test_slack_*.py): answers what it is told, records what it was given."""

    answers: list = []
    given: list = []

    def send(self, row):
        FakeSender.given.append(row.key)
        return FakeSender.answers.pop(0) if FakeSender.answers else Outcome.sent()


@pytest.fixture
def fake_slack(monkeypatch):
    FakeSender.answers, FakeSender.given = [], []
    monkeypatch.setitem(chat_delivery.SENDERS, "slack", FakeSender)
    return FakeSender


# --- where ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_by_default_a_message_goes_by_email_at_once(world):
    _notify(world.manager)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.held_for) == ("pending", "")
    assert not ChatDelivery.objects.exists()


@pytest.mark.django_db
def test_in_the_app_only_writes_no_email(world):
    _prefer(world.manager, channels={"keeper": "app"})
    assert isinstance(_notify(world.manager), Notification)
    assert not Delivery.objects.exists()
    # Another group still follows the company's default.
    _notify(world.manager, key="memo:1", kind="decisions.invited")
    assert Delivery.objects.get().key == "memo:1"


@pytest.mark.django_db
def test_the_company_default_applies_to_people_who_have_not_chosen(world):
    company = ChatSettings.load()
    company.default_channels = {"keeper": "app"}
    company.save()
    _notify(world.manager)
    assert not Delivery.objects.exists()
    _prefer(world.employee, channels={"keeper": "email"})
    _notify(world.employee, key="keeper:open:2")
    assert Delivery.objects.get().recipient == world.employee


@pytest.mark.django_db
def test_account_messages_always_go_by_email_whatever_was_chosen(world):
    _prefer(
        world.manager,
        channels=dict.fromkeys(["keeper", "circles", "feedback", "memos", "pay"], "app"),
        quiet_from=time(0, 0),
        quiet_until=time(23, 59),
        digest=True,
    )
    _notify(world.manager, key="invite:1", kind="invite")
    delivery = Delivery.objects.get()
    assert delivery.status == "pending"
    assert delivery.send_after <= timezone.now()


@pytest.mark.django_db
def test_slack_is_email_while_no_workspace_is_connected(world):
    _prefer(world.manager, channels={"keeper": "slack"})
    _notify(world.manager)
    assert Delivery.objects.get().status == "pending"
    assert not ChatDelivery.objects.exists()


@pytest.mark.django_db
def test_slack_writes_the_message_with_its_email_held_behind_it(world):
    _connect_slack()
    _prefer(world.manager, channels={"keeper": "slack"})
    _notify(world.manager, body="Would you fight hard to keep each of them?")
    email = Delivery.objects.get()
    chat = ChatDelivery.objects.get()
    assert (email.status, email.held_for) == ("held", "slack")
    assert (chat.key, chat.channel, chat.status, chat.email_id) == (
        "keeper:open:1:slack",
        "slack",
        "pending",
        email.pk,
    )
    assert chat.give_up_at == chat.send_after + SLACK_GIVE_UP
    assert chat.payload["text"] == "Keeper test, Q1: 3 to answer"
    assert [b["type"] for b in chat.payload["blocks"]] == [
        "section",
        "section",
        "context",
        "actions",
    ]
    button = chat.payload["blocks"][-1]["elements"][0]
    assert button["url"].endswith("/keeper/")
    # A held email is not sent by its own task.
    assert send_delivery(email.pk) is False
    assert mail.outbox == []


# --- settling a chat message ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_sent_on_slack_skips_its_email(world, fake_slack):
    _connect_slack()
    _prefer(world.manager, channels={"keeper": "slack"})
    _notify(world.manager)
    chat = ChatDelivery.objects.get()
    assert chat_delivery.send_batch([chat.pk, chat.pk]) == 1
    assert chat_delivery.send_batch([chat.pk]) == 0
    assert fake_slack.given == ["keeper:open:1:slack"]
    assert ChatDelivery.objects.get().status == "sent"
    assert Delivery.objects.get().status == "skipped"
    assert sweep_deliveries() == 0
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_a_person_slack_cannot_reach_gets_the_email_once(world, fake_slack):
    _connect_slack()
    _prefer(world.manager, channels={"keeper": "slack"})
    _notify(world.manager)
    chat = ChatDelivery.objects.get()
    fake_slack.answers = [Outcome.fallback("users_not_found")]
    assert chat_delivery.send_batch([chat.pk]) == 0
    assert ChatDelivery.objects.get().status == "fellback"
    email = Delivery.objects.get()
    assert email.status == "pending"
    assert send_delivery(email.pk) is True
    assert send_delivery(email.pk) is False
    assert [m.to for m in mail.outbox] == [["manager@example.test"]]
    # Settled: neither a second fallback nor a Slack retry sends anything.
    assert chat_delivery.release_email(email.pk) is False
    assert chat_delivery.sweep() == 0


@pytest.mark.django_db(transaction=True)
def test_a_429_waits_exactly_retry_after_and_pauses_slack(world, fake_slack):
    _connect_slack()
    _prefer(world.manager, channels={"keeper": "slack"})
    _prefer(world.employee, channels={"keeper": "slack"})
    start = datetime(2027, 1, 11, 10, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        _notify(world.manager)
        _notify(world.employee, key="keeper:open:2")
        ids = list(ChatDelivery.objects.order_by("pk").values_list("pk", flat=True))
        fake_slack.answers = [Outcome.retry("ratelimited", after=30, pause=True)]
        assert chat_delivery.send_batch(ids) == 0
    first, second = ChatDelivery.objects.order_by("pk")
    assert (first.status, first.send_after, first.attempts) == (
        "pending",
        start + timedelta(seconds=30),
        1,
    )
    # The second was not tried: the whole workspace waits, one request per wait.
    assert fake_slack.given == ["keeper:open:1:slack"]
    assert (second.status, second.attempts, second.send_after) == (
        "pending",
        0,
        start + timedelta(seconds=30),
    )
    assert SlackInstallation.load().paused_until == start + timedelta(seconds=30)
    with time_machine.travel(start + timedelta(seconds=29), tick=False):
        assert chat_delivery.sweep() == 0
    with time_machine.travel(start + timedelta(seconds=31), tick=False):
        assert chat_delivery.sweep() == 2
    assert fake_slack.given == ["keeper:open:1:slack", "keeper:open:1:slack", "keeper:open:2:slack"]
    assert set(ChatDelivery.objects.values_list("status", flat=True)) == {"sent"}
    assert set(Delivery.objects.values_list("status", flat=True)) == {"skipped"}


@pytest.mark.django_db(transaction=True)
def test_server_errors_back_off_then_fall_back_to_email_after_an_hour(world, fake_slack):
    _connect_slack()
    _prefer(world.manager, channels={"keeper": "slack"})
    start = datetime(2027, 1, 11, 10, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        _notify(world.manager)
        fake_slack.answers = [Outcome.retry("HTTP 503")]
        chat_delivery.send(ChatDelivery.objects.get().pk)
    row = ChatDelivery.objects.get()
    assert row.send_after == start + timedelta(seconds=30)
    with time_machine.travel(start + timedelta(seconds=31), tick=False):
        fake_slack.answers = [Outcome.retry("HTTP 503")]
        chat_delivery.sweep()
    row = ChatDelivery.objects.get()
    assert (row.attempts, row.send_after) == (2, start + timedelta(seconds=91))
    with time_machine.travel(start + SLACK_GIVE_UP + timedelta(minutes=1), tick=False):
        fake_slack.answers = [Outcome.retry("HTTP 503")]
        chat_delivery.sweep()
        row = ChatDelivery.objects.get()
        assert row.status == "fellback"
        assert row.last_error == "Gave up after 3 tries: HTTP 503"
        assert send_delivery(Delivery.objects.get().pk) is True
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_crashed_slack_send_is_picked_up_after_the_lease_once(world, fake_slack):
    _connect_slack()
    _prefer(world.manager, channels={"keeper": "slack"})
    _notify(world.manager)
    row = ChatDelivery.objects.get()
    from culture import ledger

    # A worker claimed it and died.
    assert ledger.claim(ChatDelivery.objects.all(), row.pk, lease=chat_delivery.LEASE)
    assert chat_delivery.sweep() == 0
    with time_machine.travel(timezone.now() + chat_delivery.LEASE + timedelta(seconds=1)):
        assert chat_delivery.sweep() == 1
        assert chat_delivery.sweep() == 0
    assert fake_slack.given == ["keeper:open:1:slack"]


# --- when: quiet hours ------------------------------------------------------------------------


def test_quiet_hours_end_across_midnight_and_a_summer_time_change():
    import zoneinfo

    london = zoneinfo.ZoneInfo("Europe/London")
    # 27 March 2027, 23:30 GMT; the clocks go forward at 01:00 on the 28th.
    local = datetime(2027, 3, 27, 23, 30, tzinfo=london)
    end = quiet_hours_end(local, time(22, 0), time(7, 0))
    assert end == datetime(2027, 3, 28, 7, 0, tzinfo=london)
    assert end.astimezone(UTC) == datetime(2027, 3, 28, 6, 0, tzinfo=UTC)
    # Early in the morning, the same night's end; outside, None.
    assert quiet_hours_end(datetime(2027, 3, 28, 5, 0, tzinfo=london), time(22), time(7)) == end
    assert quiet_hours_end(datetime(2027, 3, 28, 7, 0, tzinfo=london), time(22), time(7)) is None
    # Quiet hours within one day.
    assert quiet_hours_end(
        datetime(2027, 3, 28, 12, 30, tzinfo=london), time(12), time(13)
    ) == datetime(2027, 3, 28, 13, 0, tzinfo=london)


@pytest.mark.django_db(transaction=True)
def test_a_message_in_quiet_hours_waits_until_they_end(world):
    _prefer(world.manager, quiet_from=time(22, 0), quiet_until=time(7, 0))
    written = datetime(2027, 3, 27, 23, 30, tzinfo=UTC)  # 23:30 in London (GMT)
    with time_machine.travel(written, tick=False):
        _notify(world.manager)
        email = Delivery.objects.get()
        assert email.send_after == datetime(2027, 3, 28, 6, 0, tzinfo=UTC)  # 07:00 BST
        assert send_delivery(email.pk) is False
    with time_machine.travel(datetime(2027, 3, 28, 5, 59, tzinfo=UTC), tick=False):
        assert sweep_deliveries() == 0
    with time_machine.travel(datetime(2027, 3, 28, 6, 0, 30, tzinfo=UTC), tick=False):
        assert sweep_deliveries() == 1
        assert sweep_deliveries() == 0
    assert len(mail.outbox) == 1


# --- the daily digest -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_digest_gathers_a_days_messages_into_one_email(world):
    _prefer(world.manager, digest=True, digest_at=time(8, 0))
    day = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)  # London is on GMT in January
    with time_machine.travel(day, tick=False):
        _notify(world.manager, key="keeper:open:1")
        _notify(world.manager, key="memo:1", kind="decisions.invited")
        # Urgent: the keeper test due today, a circle about to start.
        _notify(world.manager, key="keeper:due:1", kind="keeper.nudge", urgent=True)
        _notify(world.manager, key="circle:1", kind="feedback.circle_reminder")
    held = Delivery.objects.filter(status="held", held_for="digest")
    assert sorted(held.values_list("key", flat=True)) == ["keeper:open:1", "memo:1"]
    assert sorted(Delivery.objects.filter(status="pending").values_list("key", flat=True)) == [
        "circle:1",
        "keeper:due:1",
    ]
    # Before 08:00 the next day nothing is gathered; at 08:00 one email.
    with time_machine.travel(day + timedelta(hours=22, minutes=59), tick=False):
        assert digest.send_due() == 0
    with time_machine.travel(day + timedelta(hours=23), tick=False):
        assert digest.send_due() == 1
        assert digest.send_due() == 0
        _notify(world.manager, key="memo:2", kind="decisions.invited")
        assert digest.send_due() == 0  # after today's digest time: tomorrow's
    one = Delivery.objects.get(key__startswith="digest:email:")
    assert one.subject == "[Acme] Your daily digest: 2 messages"
    assert "Keeper test, Q1: 3 to answer" in one.text_body
    assert "/keeper/" in one.text_body
    assert sorted(Delivery.objects.filter(status="digested").values_list("key", flat=True)) == [
        "keeper:open:1",
        "memo:1",
    ]
    with time_machine.travel(day + timedelta(hours=23, minutes=1), tick=False):
        assert send_delivery(one.pk) is True
    assert [m.subject for m in mail.outbox] == ["[Acme] Your daily digest: 2 messages"]
    with time_machine.travel(day + timedelta(days=1, hours=23), tick=False):
        assert digest.send_due() == 1
    assert Delivery.objects.filter(key__startswith="digest:email:").count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_slack_digest_is_one_slack_message_with_its_email_behind_it(world, fake_slack):
    _connect_slack()
    _prefer(world.manager, channels={"keeper": "slack", "memos": "slack"}, digest=True)
    day = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
    with time_machine.travel(day, tick=False):
        _notify(world.manager, key="keeper:open:1")
        _notify(world.manager, key="memo:1", kind="decisions.invited")
        assert set(ChatDelivery.objects.values_list("status", flat=True)) == {"held"}
    with time_machine.travel(day + timedelta(hours=23), tick=False):
        assert digest.send_due() == 1
        one = ChatDelivery.objects.get(key__startswith="digest:slack:")
        assert one.payload["text"] == "Your daily digest: 2 messages"
        assert chat_delivery.send_batch([one.pk]) == 1
    assert fake_slack.given == [one.key]
    assert set(ChatDelivery.objects.exclude(pk=one.pk).values_list("status", flat=True)) == {
        "digested"
    }
    # Every email stood in for a Slack message that went: none is sent.
    assert set(Delivery.objects.values_list("status", flat=True)) == {"digested", "skipped"}
    assert sweep_deliveries() == 0
    assert mail.outbox == []
