"""Slack messages through slack-sdk against the stand-in: the exact requests, and what each
of Slack's answers makes of the ledger row (sent, retried after Retry-After with the channel
paused, fallen back to email once)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from chat import delivery, slack, tasks
from chat.models import ChatDelivery, SlackInstallation, SlackUser
from culture import notifications
from culture.models import Delivery, Notification
from tests.chat import slack_standin
from tests.chat import slack_standin as s
from tests.chat.factories import make_installation, make_slack_message, slack_user
from tests.conftest import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def standin(settings):
    yield from slack_standin.serving(settings)


NOW = timezone.datetime(2027, 3, 1, 9, 0, tzinfo=timezone.UTC)


@pytest.fixture
def clock():
    """Time stands still at NOW (rows made in the test are made then) until moved."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def slack_on(world, standin):
    standin.users.update({world.employee.email: "U0EMPLOYEE", world.peer.email: "U0PEER"})
    make_installation(by=world.people_admin)
    return standin


def _reload(row: ChatDelivery) -> ChatDelivery:
    return ChatDelivery.objects.get(pk=row.pk)


def _email(row: ChatDelivery) -> Delivery:
    return Delivery.objects.get(pk=row.email_id)


def test_a_slack_message_is_a_post_message_to_the_persons_user_id_with_the_bot_token(
    world, slack_on
):
    row = make_slack_message(world.employee, title="Keeper test: 2 people left to answer")

    assert delivery.send_batch([row.pk]) == 1

    lookup, post = slack_on.calls()
    assert lookup.method == "POST" and lookup.path == "/api/users.lookupByEmail"
    assert lookup.headers["authorization"] == f"Bearer {s.BOT_TOKEN}"
    assert lookup.headers["content-type"] == "application/x-www-form-urlencoded"
    assert (lookup.query, lookup.form) == ({}, {"email": world.employee.email})
    assert post.method == "POST" and post.path == "/api/chat.postMessage"
    assert post.headers["authorization"] == f"Bearer {s.BOT_TOKEN}"
    assert post.headers["content-type"] == "application/json;charset=utf-8"
    assert post.query == {} and post.form == {}
    assert post.json == {
        "channel": "U0EMPLOYEE",
        "text": "Keeper test: 2 people left to answer",
        "blocks": row.payload["blocks"],
    }
    assert post.json["blocks"][-1]["elements"][0]["url"].endswith("/keeper/")
    row = _reload(row)
    assert row.status == ChatDelivery.Status.SENT and row.attempts == 1
    assert _email(row).status == Delivery.Status.SKIPPED
    cached = SlackUser.objects.get(person=world.employee)
    assert (cached.team_id, cached.slack_user_id) == (s.TEAM_ID, "U0EMPLOYEE")


def test_a_second_message_uses_the_cached_user_id_without_asking_slack(world, slack_on):
    first = make_slack_message(world.employee)
    second = make_slack_message(world.employee)

    assert delivery.send_batch([first.pk, second.pk]) == 2

    assert [r.api_method for r in slack_on.calls()] == [
        "users.lookupByEmail",
        "chat.postMessage",
        "chat.postMessage",
    ]


def test_a_429_retries_after_exactly_retry_after_and_pauses_the_channel(world, slack_on, clock):
    slack_user(world.employee, "U0EMPLOYEE")
    slack_user(world.peer, "U0PEER")
    first = make_slack_message(world.employee)
    second = make_slack_message(world.peer)
    slack_on.fail("chat.postMessage", status=429, headers={"Retry-After": "7"})

    assert delivery.send_batch([first.pk, second.pk]) == 0

    # One request: the second message was not tried while Slack asked us to wait.
    assert slack_on.posted_to() == ["U0EMPLOYEE"]
    first, second = _reload(first), _reload(second)
    assert first.status == ChatDelivery.Status.PENDING
    assert first.send_after == NOW + timedelta(seconds=7)
    assert first.last_error == "Slack rate limit: retry after 7 s"
    assert SlackInstallation.objects.get().paused_until == NOW + timedelta(seconds=7)
    assert (second.status, second.attempts) == (ChatDelivery.Status.PENDING, 0)
    assert second.send_after == NOW + timedelta(seconds=7)
    assert _email(first).status == Delivery.Status.HELD

    # While paused the sweeper leaves Slack alone; at Retry-After both go, once each.
    clock.move_to(NOW + timedelta(seconds=6))
    assert list(delivery.due()) == []
    assert delivery.send_batch([first.pk, second.pk]) == 0
    clock.move_to(NOW + timedelta(seconds=7))
    assert delivery.send_batch([first.pk, second.pk]) == 2
    assert slack_on.posted_to() == ["U0EMPLOYEE", "U0EMPLOYEE", "U0PEER"]
    assert {_email(first).status, _email(second).status} == {Delivery.Status.SKIPPED}


def test_a_batch_posts_several_at_once_after_the_first_and_each_once(
    world, slack_on, django_assert_max_num_queries
):
    """Slack is a round trip away: one post at a time, a worker would spend a batch waiting.
    The first goes alone (a limited Slack costs one request); then up to POSTS_IN_FLIGHT."""
    people = [make_person(name=f"Person {n}", email=f"p{n}@example.test") for n in range(12)]
    for n, person in enumerate(people):
        slack_on.users[person.email] = f"U{n:04d}"
        slack_user(person, f"U{n:04d}")
    rows = [make_slack_message(person) for person in people]
    slack_on.latency = 0.2

    # The cached user ids in one query, not one a message: the claim, the installation and
    # the user ids (6 with the test's savepoints), then each message's settle (two
    # statements in a transaction: 4).
    with django_assert_max_num_queries(6 + 4 * len(rows)):
        assert delivery.send_batch([r.pk for r in rows]) == len(rows)

    assert slack_on.most_at_once == slack.POSTS_IN_FLIGHT
    assert sorted(slack_on.posted_to()) == sorted(f"U{n:04d}" for n in range(12))
    assert slack_on.posted_to()[0] == "U0000"  # alone, before the others
    assert {r.status for r in ChatDelivery.objects.filter(pk__in=[r.pk for r in rows])} == {
        ChatDelivery.Status.SENT
    }
    # The posts answered together are settled together, their held emails with them.
    assert {_email(r).status for r in rows} == {Delivery.Status.SKIPPED}
    # Each exactly once: a second hand-over of the same rows sends nothing.
    assert delivery.send_batch([r.pk for r in rows]) == 0
    assert len(slack_on.posted_to()) == len(rows)


def test_a_bug_in_one_post_leaves_it_claimed_and_settles_the_posts_beside_it(world, slack_on):
    """Not an answer from Slack but an error of ours (here a payload without its text): the
    batch fails with it, its row stays claimed for the sweeper, and the posts in flight
    beside it are settled before, so that none of them would be sent twice."""
    people = [make_person(name=f"Person {n}", email=f"b{n}@example.test") for n in range(4)]
    for n, person in enumerate(people):
        slack_on.users[person.email] = f"UB{n}"
        slack_user(person, f"UB{n}")
    rows = [make_slack_message(person) for person in people]
    ChatDelivery.objects.filter(pk=rows[1].pk).update(payload={"blocks": []})
    slack_on.latency = 0.1

    with pytest.raises(KeyError):
        delivery.send_batch([r.pk for r in rows])

    statuses = [_reload(r).status for r in rows]
    assert statuses == ["sent", "sending", "sent", "sent"]
    assert sorted(slack_on.posted_to()) == ["UB0", "UB2", "UB3"]


def test_messages_that_went_together_are_settled_in_one_transaction(
    world, slack_on, django_assert_num_queries
):
    slack_user(world.employee, "U0EMPLOYEE")
    slack_user(world.peer, "U0PEER")
    rows = [make_slack_message(world.employee), make_slack_message(world.peer)]
    ChatDelivery.objects.filter(pk__in=[r.pk for r in rows]).update(status="sending")

    # Three statements for any number of rows (lock and check them by primary key, mark
    # them sent, skip their emails), in a transaction (two savepoint statements).
    with django_assert_num_queries(5):
        delivery.settle_sent(rows)

    for row in rows:
        assert _reload(row).status == ChatDelivery.Status.SENT
        assert _email(row).status == Delivery.Status.SKIPPED


def test_claims_and_settles_address_rows_by_primary_key_alone(world, slack_on):
    """A condition on status lets PostgreSQL choose the partial index of open rows, which a
    VACUUM that found none leaves estimated empty: with 100,000 rows just written, each
    claim and each settle then read the whole index. The rows are locked by primary key and
    checked in Python instead."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    slack_user(world.employee, "U0EMPLOYEE")
    rows = [make_slack_message(world.employee) for _ in range(3)]
    with CaptureQueriesContext(connection) as queries:
        assert delivery.send_batch([r.pk for r in rows]) == 3
    on_ledger = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith(("SELECT", "UPDATE")) and '"chat_chatdelivery"' in q["sql"]
    ]
    assert on_ledger
    for sql in on_ledger:
        where = sql.split(" WHERE ", 1)[1]
        assert '"status"' not in where, sql


def test_a_5xx_retries_with_the_ledgers_backoff_and_pauses_the_channel(world, slack_on, clock):
    slack_user(world.employee, "U0EMPLOYEE")
    row = make_slack_message(world.employee)
    slack_on.fail("chat.postMessage", status=500)

    assert delivery.send_batch([row.pk]) == 0

    row = _reload(row)
    assert row.status == ChatDelivery.Status.PENDING
    assert row.send_after == NOW + timedelta(seconds=30)
    assert row.last_error.startswith("Slack answered HTTP 500")
    assert SlackInstallation.objects.get().paused_until == NOW + timedelta(seconds=30)


def test_slack_refusing_connections_is_a_retry_with_the_channel_paused(world, slack_on, clock):
    slack_user(world.employee, "U0EMPLOYEE")
    row = make_slack_message(world.employee)
    slack_on.stop()

    assert delivery.send_batch([row.pk]) == 0

    row = _reload(row)
    assert row.status == ChatDelivery.Status.PENDING
    assert row.send_after == NOW + timedelta(seconds=30)
    assert row.last_error.startswith("Could not reach Slack:")
    assert "Connection refused" in row.last_error
    assert SlackInstallation.objects.get().paused_until == NOW + timedelta(seconds=30)
    assert _email(row).status == Delivery.Status.HELD


def test_a_person_not_in_slack_gets_the_email_and_is_not_looked_up_again(world, slack_on):
    first = make_slack_message(world.manager)
    second = make_slack_message(world.manager)

    with pytest.MonkeyPatch.context() as mp:
        sent = []
        mp.setattr(notifications, "enqueue_delivery", sent.append)
        assert delivery.send_batch([first.pk, second.pk]) == 0

    assert [r.api_method for r in slack_on.calls()] == ["users.lookupByEmail"]
    assert SlackUser.objects.get(person=world.manager).slack_user_id == ""
    for row in (first, second):
        row = _reload(row)
        assert row.status == ChatDelivery.Status.FELL_BACK
        assert row.last_error == "Not found in Slack by their email address"
        assert _email(row).status == Delivery.Status.PENDING
    # The released emails go once each.
    assert notifications.send(first.email_id) and notifications.send(second.email_id)
    assert not notifications.send(first.email_id)
    assert [m.to for m in mail.outbox] == [[world.manager.email], [world.manager.email]]


def test_a_message_slack_cannot_take_falls_back_alone(world, slack_on):
    slack_user(world.employee, "U0EMPLOYEE")
    slack_user(world.peer, "U0PEER")
    first = make_slack_message(world.employee)
    second = make_slack_message(world.peer)
    slack_on.fail("chat.postMessage", error="user_disabled")

    assert delivery.send_batch([first.pk, second.pk]) == 1

    first, second = _reload(first), _reload(second)
    assert (first.status, first.last_error) == ("fellback", "Slack answered user_disabled")
    assert _email(first).status == Delivery.Status.PENDING
    assert second.status == ChatDelivery.Status.SENT
    assert SlackInstallation.objects.get().revoked_at is None


def test_no_installation_sends_everything_by_email(world, standin):
    row = make_slack_message(world.employee)

    assert delivery.send_batch([row.pk]) == 0

    row = _reload(row)
    assert (row.status, row.last_error) == ("fellback", "Slack is not connected")
    assert _email(row).status == Delivery.Status.PENDING
    assert standin.calls() == []


def test_a_revoked_token_falls_everything_back_to_email_once_and_tells_the_admins(
    world, slack_on, django_capture_on_commit_callbacks, client_for
):
    slack_user(world.employee, "U0EMPLOYEE")
    slack_user(world.peer, "U0PEER")
    batch = [make_slack_message(world.employee), make_slack_message(world.peer)]
    waiting = make_slack_message(world.peer)  # pending, not in this batch
    slack_on.revoked = True

    with django_capture_on_commit_callbacks(execute=False) as handed_over:
        assert delivery.send_batch([r.pk for r in batch]) == 0

    # One request: the second message of the batch fell back without asking Slack.
    assert [r.api_method for r in slack_on.calls()] == ["chat.postMessage"]
    installation = SlackInstallation.objects.get()
    assert installation.revoked_at is not None
    assert installation.revoked_reason == (
        "Slack answered token_revoked: the app was uninstalled or its token revoked"
    )
    assert SlackInstallation.active() is None
    for row in batch:
        assert _reload(row).status == ChatDelivery.Status.FELL_BACK
        assert _email(row).status == Delivery.Status.PENDING
    assert len(handed_over) >= 1  # chat.tasks.slack_revoked, after commit

    # The task it handed over: the message still waiting goes by email; admins are told.
    revoked_at = installation.revoked_at.isoformat()
    assert tasks.slack_revoked(installation.revoked_reason, revoked_at) == 1
    assert _reload(waiting).status == ChatDelivery.Status.FELL_BACK
    assert _email(waiting).status == Delivery.Status.PENDING
    told = Notification.objects.filter(kind="chat.slack_revoked")
    assert list(told.values_list("recipient", flat=True)) == [world.people_admin.pk]
    admin_email = Delivery.objects.get(notification__in=told)
    assert admin_email.to_email == world.people_admin.email

    # Run twice (a redelivered task): nothing more released, nobody told twice.
    assert tasks.slack_revoked(installation.revoked_reason, revoked_at) == 0
    assert told.count() == 1
    emails = [r.email_id for r in [*batch, waiting]]
    assert [notifications.send(pk) for pk in emails] == [True, True, True]
    assert [notifications.send(pk) for pk in emails] == [False, False, False]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.employee.email, world.peer.email, world.peer.email]
    )

    # The admin sees it on the Slack page.
    page = client_for(world.people_admin).get("/settings/chat/slack/")
    text = page.content.decode()
    assert "Slack says the token was revoked on" in text
    assert "messages go by email; connect again" in text


def test_sync_matches_people_by_email_case_insensitively_over_pages(world, standin):
    installation = make_installation()
    standin.users.update({f"member{i:03}@elsewhere.test": f"U{i:05}" for i in range(250)})
    standin.users[world.employee.email.upper()] = "U0EMPLOYEE"
    standin.users[world.peer.email] = "U0PEER"

    assert slack.sync_users(installation) == 2

    pages = standin.calls("users.list")
    assert [(p.method, p.form.get("limit"), p.form.get("cursor")) for p in pages] == [
        ("POST", "200", None),
        ("POST", "200", "200"),
    ]
    assert all(p.headers["authorization"] == f"Bearer {s.BOT_TOKEN}" for p in pages)
    found = dict(SlackUser.objects.exclude(slack_user_id="").values_list("person", "slack_user_id"))
    assert found == {world.employee.pk: "U0EMPLOYEE", world.peer.pk: "U0PEER"}
    assert SlackUser.objects.filter(slack_user_id="").count() == (SlackUser.objects.count() - 2)
    assert SlackInstallation.objects.get().users_synced_at is not None
    assert slack.matched_count(installation) == 2


@pytest.mark.parametrize("people", [3, 30])
def test_sync_costs_the_same_queries_for_3_or_30_people(
    world, standin, people, django_assert_num_queries
):
    installation = make_installation()
    for i in range(people):
        person = make_person(manager=world.manager)
        standin.users[person.email] = f"U{i:05}"

    with django_assert_num_queries(3):
        slack.sync_users(installation)

    assert slack.matched_count(installation) == people
