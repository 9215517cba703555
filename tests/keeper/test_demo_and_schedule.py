"""The demo data and the beat entry."""

from __future__ import annotations

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import F

from culture.models import Person
from keeper.models import KeeperCycle, KeeperNote, KeeperPromptLog, KeeperTest, PostExit, Wording


@pytest.mark.django_db
def test_the_demo_has_two_answered_past_cycles_and_an_open_current_one(client_for):
    out = StringIO()
    call_command("seed_demo", "--people", "60", "--flush", stdout=out)
    assert "keeper: 3 cycles" in out.getvalue()
    cycles = list(KeeperCycle.objects.order_by("opens_at"))
    assert len(cycles) == 3
    current = KeeperCycle.objects.current()
    assert current == cycles[-1]
    for past in cycles[:2]:
        assert not past.is_open()
        tests = KeeperTest.objects.filter(cycle=past)
        assert tests.exclude(answer="").count() > tests.count() * 0.8
    # A Not sure or No comes with a private note by the manager who answered.
    notes = KeeperNote.objects.filter(test__cycle__in=cycles)
    assert notes.exists()
    assert not notes.exclude(author_id=F("test__manager_id")).exists()
    assert not notes.exclude(test__answer__in=["not_sure", "no"]).exists()
    manager = Person.objects.get(email="manager@example.com")
    mine = KeeperTest.objects.filter(cycle=current, manager=manager)
    assert mine.count() >= 3 and mine.exclude(answer="").count() == 1
    assert KeeperPromptLog.objects.filter(person__email="employee@example.com").count() == 2
    director = Person.objects.get(email="director@example.com")
    html = client_for(director).get("/keeper/rollup/").content.decode()
    assert manager.name in html
    # The 2024 memo's question: the last two cycles ask it, answered beside the first.
    assert [c.wording for c in cycles] == [
        Wording.CLASSIC,
        Wording.CLASSIC_2024,
        Wording.CLASSIC_2024,
    ]
    assert not KeeperTest.objects.filter(cycle=cycles[0]).exclude(hire_again="").exists()
    answered = KeeperTest.objects.filter(cycle=cycles[1]).exclude(answer="")
    assert answered.filter(hire_again="").count() == 0
    assert mine.exclude(hire_again="").count() == 1
    # Someone left the demo manager's team: the Q&A prepared and held, not shared yet.
    [post_exit] = PostExit.objects.all()
    assert post_exit.manager == manager and not post_exit.person.is_active
    assert post_exit.what_happened and post_exit.notes and post_exit.held_on
    assert post_exit.shared_at is None
    html = client_for(manager).get(f"/keeper/post-exit/{post_exit.pk}/").content.decode()
    assert "<dt>Written feedback received</dt><dd>4</dd>" in html


def test_beat_runs_the_idempotent_keeper_sweep_every_hour():
    from keeper.tasks import sweep

    entry = settings.CELERY_BEAT_SCHEDULE["keeper-sweep"]
    assert entry["task"] == "keeper.tasks.sweep"
    assert entry["schedule"].minute == {5} and entry["schedule"].hour == set(range(24))
    assert sweep.name == "keeper.tasks.sweep"
    assert sweep.acks_late and sweep.reject_on_worker_lost
