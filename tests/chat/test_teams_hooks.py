"""The services post public things to a team's Teams channel, in their own transaction:
a circle scheduled, a memo published, a celebration or a sunshine. Confidential memos post
nothing; a sunshine posts what the feed shows (what we learned), never what happened."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.utils import timezone

from chat import delivery
from chat.models import ChatDelivery
from decisions import services as decisions
from decisions.models import Memo
from tests.chat.teams_standin import Workflows, channel_for, free_port
from tests.decisions.conftest import make_memo
from tests.feedback.factories import make_circle

pytestmark = pytest.mark.django_db

NOW = timezone.datetime(2026, 12, 7, 9, 0, tzinfo=timezone.UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def channel(world):
    return channel_for(world.team, "https://hooks.example.test/x", by=world.manager)


def _card(row) -> list[str]:
    content = row.payload["attachments"][0]["content"]
    return [block["text"] for block in content["body"]] + [content["actions"][0]["url"]]


def test_a_circle_of_the_team_is_posted_with_its_time_in_the_companys_zone(
    world, channel, settings
):
    settings.SITE_URL = "https://culture.example.test"
    circle = make_circle(facilitator=world.manager, people=[world.employee, world.peer])
    row = ChatDelivery.objects.get()
    assert row.key == f"teams:{channel.pk}:circle:{circle.pk}:scheduled"
    assert row.kind == "teams.circles"
    # 11:00 UTC on 7 December is 11:00 in London (the company's zone), GMT.
    assert _card(row) == [
        "Feedback circle: Team circle",
        "On Monday 7 December 2026, 11:00 GMT.",
        "Feedback circles are where candour happens live, with the whole team.",
        f"https://culture.example.test/feedback/circles/{circle.pk}/",
    ]


def test_a_circle_across_teams_posts_to_no_channel(world, channel):
    channel_for(world.other_team, "https://hooks.example.test/y", by=world.people_admin)
    make_circle(
        facilitator=world.manager, people=[world.employee, world.outsider, world.other_manager]
    )
    assert not ChatDelivery.objects.exists()


def test_a_published_memo_is_posted_to_the_captains_team_and_reaches_teams(world, settings):
    settings.SITE_URL = "https://culture.example.test"
    standin = Workflows(port=free_port()).start()
    try:
        channel_for(world.team, standin.url(), by=world.manager)
        memo = make_memo(
            captain=world.employee,
            title="Try a four-day week",
            state=Memo.State.DRAFT,
            decide_by=date(2026, 12, 14),
        )
        decisions.do_publish(memo_id=memo.pk, by=world.employee)
        row = ChatDelivery.objects.get()
        assert delivery.send_batch([row.pk]) == 1
        [request] = standin.requests
    finally:
        standin.stop()
    content = request.json["attachments"][0]["content"]
    assert [b["text"] for b in content["body"]] == [
        "Memo published: Try a four-day week",
        "Captain: Eli Employee. Rate it from −10 to +10, with your reason, by 14 December 2026.",
        "Farm for dissent: the captain decides better when people say what they think.",
    ]
    assert content["actions"] == [
        {
            "type": "Action.OpenUrl",
            "title": "Open",
            "url": f"https://culture.example.test/decisions/{memo.pk}/",
        }
    ]


def test_a_confidential_memo_posts_nothing(world, channel):
    memo = make_memo(
        captain=world.employee,
        state=Memo.State.DRAFT,
        confidential=True,
        readers=[world.manager],
        decide_by=date(2026, 12, 14),
    )
    decisions.do_publish(memo_id=memo.pk, by=world.employee)
    decided = make_memo(captain=world.employee, state=Memo.State.DECIDED, confidential=True)
    decisions.do_record_outcome(
        memo_id=decided.pk, by=world.employee, outcome="went_well", celebration="Secret win."
    )
    assert not ChatDelivery.objects.exists()


def test_a_celebration_posts_the_feeds_note(world, channel, settings):
    settings.SITE_URL = "https://culture.example.test"
    memo = make_memo(captain=world.employee, title="Ship the app", state=Memo.State.DECIDED)
    decisions.do_record_outcome(
        memo_id=memo.pk, by=world.employee, outcome="went_well", celebration="Downloads doubled."
    )
    row = ChatDelivery.objects.get()
    assert row.key == f"teams:{channel.pk}:memo:{memo.pk}:celebration"
    assert _card(row) == [
        "Celebrated: Ship the app",
        "Downloads doubled. (by Eli Employee)",
        "Celebrate the bets that went well and sunshine the ones that did not: everyone "
        "learns from both.",
        f"https://culture.example.test/decisions/{memo.pk}/#outcome",
    ]


def test_a_sunshine_posts_what_we_learned_cut_as_the_feed_cuts_it_and_never_what_happened(
    world, channel
):
    memo = make_memo(captain=world.employee, title="Enter Brazil", state=Memo.State.DECIDED)
    decisions.do_record_outcome(
        memo_id=memo.pk,
        by=world.employee,
        outcome="did_not",
        happened="The partner walked away after the pricing leak.",
        learned="L" * 250,
    )
    row = ChatDelivery.objects.get()
    assert _card(row)[:2] == [
        "Sunshined: Enter Brazil",
        f"What we learned: {'L' * 199}… (by Eli Employee)",
    ]
    assert "pricing leak" not in str(row.payload) and "pricing leak" not in row.text


def test_a_channel_that_does_not_take_a_type_gets_none_of_it(world):
    channel_for(world.team, "https://hooks.example.test/x", by=world.manager, posts=["memos"])
    make_circle(facilitator=world.manager, people=[world.employee, world.peer])
    memo = make_memo(captain=world.employee, state=Memo.State.DECIDED)
    decisions.do_record_outcome(
        memo_id=memo.pk, by=world.employee, outcome="went_well", celebration="Yes."
    )
    assert not ChatDelivery.objects.exists()
