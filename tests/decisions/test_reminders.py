"""Reminders: exactly once, from a sweeper that is safe to run any number of times."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from culture.models import Delivery, Notification
from decisions import services
from decisions.models import Invitation, Memo
from tests.conftest import run_jobs
from tests.decisions.conftest import make_memo, make_rating

S = Memo.State


def _invite(memo, *people):
    for p in people:
        Invitation.objects.create(memo=memo, person=p, invited_by=memo.captain)


@pytest.mark.django_db
def test_invited_people_who_have_not_rated_are_reminded_once_a_day_before_the_window_closes(
    world,
):
    today = timezone.localdate()
    memo = make_memo(captain=world.employee, decide_by=today + timedelta(days=3))
    _invite(memo, world.peer, world.manager)
    make_rating(memo, world.manager, 2)
    assert services.sweep_reminders()["rate"] == 0  # too early
    with time_machine.travel(timezone.now() + timedelta(days=2), tick=False):
        assert services.sweep_reminders()["rate"] == 1
        assert services.sweep_reminders()["rate"] == 0  # run again: nothing new
    notes = Notification.objects.filter(kind="decisions.rate_reminder")
    assert [n.recipient for n in notes] == [world.peer]
    assert Delivery.objects.filter(key=notes[0].key).count() == 1


@pytest.mark.django_db
def test_the_captain_is_reminded_once_on_the_look_back_date_and_again_after_a_new_date(world):
    today = timezone.localdate()
    memo = make_memo(
        captain=world.employee, state=S.DECIDED, look_back_on=today + timedelta(days=1)
    )
    assert services.sweep_reminders()["look_back"] == 0
    with time_machine.travel(timezone.now() + timedelta(days=1), tick=False):
        assert services.sweep_reminders()["look_back"] == 1
        assert services.sweep_reminders()["look_back"] == 0
        services.do_record_outcome(
            memo_id=memo.pk,
            by=world.employee,
            outcome="still_open",
            new_look_back_on=timezone.localdate() + timedelta(days=30),
        )
    with time_machine.travel(timezone.now() + timedelta(days=31), tick=False):
        assert services.sweep_reminders()["look_back"] == 1
    assert (
        Notification.objects.filter(recipient=world.employee, kind="decisions.look_back").count()
        == 2
    )


@pytest.mark.django_db
def test_recorded_outcomes_are_never_reminded(world):
    make_memo(
        captain=world.employee,
        state=S.OUTCOME,
        outcome="went_well",
        look_back_on=timezone.localdate() - timedelta(days=3),
    )
    assert services.sweep_reminders()["look_back"] == 0


@pytest.mark.django_db
def test_bet_review_members_are_reminded_again_three_days_before_it_is_due(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.do_open_bet_review(by=world.manager)
    run_jobs()
    assert services.sweep_reminders()["bet_review"] == 0
    with time_machine.travel(timezone.now() + timedelta(days=12), tick=False):
        assert services.sweep_reminders()["bet_review"] == 2
        assert services.sweep_reminders()["bet_review"] == 0
    assert (
        Notification.objects.filter(recipient=world.peer, kind="decisions.bet_review").count() == 2
    )


def test_the_sweeper_is_on_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["decisions-reminders"]
    assert entry["task"] == "decisions.tasks.sweep_reminders"


@pytest.mark.celery
def test_a_real_worker_runs_the_sweeper_and_the_reminder_email_is_sent_once(world, celery_worker):
    from culture.models import Person
    from decisions.tasks import sweep_reminders
    from tests.conftest import a_zone_in_its_morning

    # A daily reminder: its email waits for the captain's morning, wherever that is now.
    Person.objects.filter(pk=world.employee.pk).update(time_zone=a_zone_in_its_morning())
    memo = make_memo(
        captain=world.employee,
        state=S.DECIDED,
        title="Look back on me",
        look_back_on=timezone.localdate(),
    )
    sweep_reminders.delay()
    sweep_reminders.delay()
    celery_worker.wait_for(
        lambda: (
            Delivery.objects.filter(key__startswith=f"decisions:look-back:{memo.pk}:")
            .filter(status="sent")
            .exists()
        )
    )
    messages = celery_worker.wait_for(
        lambda: [m for m in celery_worker.sent_texts() if "Look back on me" in m]
    )
    assert len(messages) == 1
    assert Notification.objects.filter(kind="decisions.look_back").count() == 1


@pytest.mark.django_db
def test_each_reminder_and_notice_is_written_in_its_readers_language(world, monkeypatch):
    """Issue 25: a title and body are built as their recipient reads them."""
    from django.utils import translation

    from culture.models import Person

    Person.objects.filter(pk=world.peer.pk).update(language="fr")
    world.peer.refresh_from_db()
    seen: list[tuple[str, str | None]] = []
    notify = services.notify

    def spy(person, **kwargs):
        seen.append((person.name, translation.get_language()))
        return notify(person, **kwargs)

    monkeypatch.setattr(services, "notify", spy)
    today = timezone.localdate()
    memo = make_memo(captain=world.employee, decide_by=today + timedelta(days=1))
    _invite(memo, world.peer, world.manager)
    with translation.override("en-gb"):
        assert services.sweep_reminders()["rate"] == 2
        services.do_hand_over(memo_id=memo.pk, by=world.employee, to=world.peer)
    assert sorted(seen) == sorted(
        [(world.peer.name, "fr"), (world.manager.name, "en-gb"), (world.peer.name, "fr")]
    )
    # Each in their own language: the French reader's title in French, the memo's own
    # title (what people write) as written.
    title = Notification.objects.get(kind="decisions.rate_reminder", recipient=world.peer).title
    assert title == f"Demain est le dernier jour pour évaluer «\xa0{memo.title}\xa0»"
    english = Notification.objects.get(kind="decisions.rate_reminder", recipient=world.manager)
    assert english.title == f"Tomorrow is the last day to rate “{memo.title}”"
