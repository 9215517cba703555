"""The sweep across a frozen year, in the company time zone: cycles open on the right
dates, reminders go out on the right days, exactly once."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection

from culture.models import CompanySettings, Delivery, Notification
from keeper.models import KeeperCycle, KeeperPolicy, KeeperTest
from keeper.services import answers as answers_services
from keeper.services import sweep as sweep_services
from tests.keeper.helpers import keeper_test_of

LONDON = ZoneInfo("Europe/London")


def _at(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def _sweep(moment: datetime) -> sweep_services.SweepResult:
    with time_machine.travel(moment, tick=False):
        return sweep_services.sweep()


def _kinds(cycle) -> Counter:
    return Counter(
        n.kind for n in Notification.objects.filter(key__startswith=f"keeper:{cycle.period_key}:")
    )


# In the persona company 5 people manage someone (ceo, skip_level, manager, other_director,
# other_manager) and 8 active people have an active manager.
MANAGERS = 5
REPORTS = 8


@pytest.mark.django_db
def test_a_year_of_sweeps_opens_four_quarterly_cycles_at_nine_london_time(world):
    openings = []
    moment = datetime(2026, 12, 31, 0, tzinfo=UTC)
    end = datetime(2028, 1, 1, tzinfo=UTC)
    while moment < end:
        result = _sweep(moment)
        if result.opened:
            openings.append((result.opened, moment, result.tests_created))
        # Hourly sweeps on the morning of the first of each month, twice a day otherwise.
        local = moment.astimezone(LONDON)
        moment += timedelta(hours=1 if local.day == 1 and local.hour < 12 else 12)
    assert [(label, at.astimezone(LONDON)) for label, at, _ in openings] == [
        ("Q1 2027", _at(2027, 1, 1, 9)),
        ("Q2 2027", _at(2027, 4, 1, 9)),
        ("Q3 2027", _at(2027, 7, 1, 9)),
        ("Q4 2027", _at(2027, 10, 1, 9)),
    ]
    # In summer, 09:00 London is 08:00 UTC.
    assert openings[2][1] == datetime(2027, 7, 1, 8, tzinfo=UTC)
    assert all(tests == REPORTS for *_, tests in openings)
    assert KeeperTest.objects.count() == 4 * REPORTS
    # Each cycle closes when the next one opens, so at most one is open at any moment.
    cycles = list(KeeperCycle.objects.order_by("opens_at"))
    for earlier, later in zip(cycles, cycles[1:], strict=False):
        assert earlier.closes_at == later.opens_at
    # Every cycle: one opening message per manager and per employee, a nudge three days
    # before and on the due date for each manager with unanswered tests, and one overdue
    # summary for each manager's manager.
    for cycle in cycles:
        kinds = _kinds(cycle)
        assert kinds["keeper.opened"] == MANAGERS
        assert kinds["keeper.prompt"] == REPORTS
        assert kinds["keeper.nudge"] == 2 * MANAGERS
        # ceo (for skip_level, other_director), skip_level (manager), other_director
        # (other_manager): the ceo has no manager, so no summary about them.
        assert kinds["keeper.overdue"] == 3


@pytest.mark.django_db
def test_reminders_go_out_on_the_right_days_and_skip_managers_who_have_answered(world):
    _sweep(_at(2027, 1, 1, 9, 5))
    cycle = KeeperCycle.objects.get()
    assert cycle.due_on.isoformat() == "2027-01-15"
    opened = Notification.objects.get(key=f"keeper:2027-01:open:manager:{world.manager.pk}")
    assert "2 to answer by 15 Jan" in opened.title
    assert Delivery.objects.get(key=opened.key).text_body.count("- ") >= 2
    # The manager answers both of their people before the first nudge.
    for person in (world.employee, world.peer):
        answers_services.do_answer(
            actor=world.manager,
            test_id=keeper_test_of(cycle, person).pk,
            answer="yes",
            notes="",
            shared_with_employee=False,
            now=_at(2027, 1, 3, 10),
        )
    for day in range(1, 20):
        for hour in (8, 9, 10):
            _sweep(_at(2027, 1, day, hour, 5))
    nudges = Notification.objects.filter(kind="keeper.nudge").order_by("created_at")
    assert {n.created_at.astimezone(LONDON).date().day for n in nudges} == {12, 15}
    assert all(n.created_at.astimezone(LONDON).hour == 9 for n in nudges)
    assert not nudges.filter(recipient=world.manager).exists()
    assert nudges.filter(recipient=world.skip_level).count() == 2
    overdue = Notification.objects.filter(kind="keeper.overdue")
    assert {n.created_at.astimezone(LONDON).date().isoformat() for n in overdue} == {"2027-01-16"}
    # skip_level's only manager (Mia) has answered everything: no summary for them.
    assert set(overdue.values_list("recipient__email", flat=True)) == {
        "ceo@example.test",
        "otherdirector@example.test",
    }
    ceo_summary = overdue.get(recipient=world.ceo)
    assert "Sam Skip: 1" in ceo_summary.body and "Olga Director: 1" in ceo_summary.body


@pytest.mark.django_db
def test_after_beat_was_down_for_days_the_next_sweep_opens_the_cycle_once(world):
    result = _sweep(_at(2027, 4, 4, 13, 5))  # beat was down from before 1 April
    assert result.opened == "Q2 2027"
    again = _sweep(_at(2027, 4, 4, 14, 5))
    assert again.opened == "" and again.tests_created == 0 and again.messages == 0
    assert KeeperCycle.objects.count() == 1
    assert _kinds(KeeperCycle.objects.get())["keeper.opened"] == MANAGERS


@pytest.mark.django_db
def test_a_cycle_whose_due_date_passed_while_beat_was_down_is_not_opened_late(world):
    assert _sweep(_at(2027, 5, 20, 10)).opened == ""
    assert not KeeperCycle.objects.exists()


@pytest.mark.django_db
def test_a_policy_change_applies_from_the_next_cycle(world):
    _sweep(_at(2027, 1, 1, 9, 5))
    policy = KeeperPolicy.load()
    policy.cadence = 2  # every two months, from February
    policy.opening_month = 2
    policy.wording = "classic_2024"
    policy.save()
    # The open Q1 cycle keeps its wording and runs until its planned close (1 April).
    assert _sweep(_at(2027, 2, 1, 9, 5)).opened == ""
    q1 = KeeperCycle.objects.get()
    assert q1.wording == "classic" and len(q1.questions("Eli")) == 1
    # Next scheduled opening under the new policy after Q1 closed: 1 April.
    result = _sweep(_at(2027, 4, 1, 9, 5))
    assert result.opened == "Apr–May 2027"
    new = KeeperCycle.objects.get(period_key="2027-04")
    assert new.wording == "classic_2024"
    assert "hire Eli again" in new.questions("Eli")[1]
    assert _sweep(_at(2027, 6, 1, 9, 5)).opened == "Jun–Jul 2027"


@pytest.mark.django_db
def test_the_sweep_uses_the_company_time_zone(world):
    settings = CompanySettings.load()
    settings.time_zone = "America/New_York"
    settings.save()
    new_york = ZoneInfo("America/New_York")
    # 09:00 in London on 1 January is still 04:00 in New York: nothing yet.
    assert _sweep(datetime(2027, 1, 1, 9, 5, tzinfo=UTC)).opened == ""
    assert _sweep(datetime(2027, 1, 1, 9, 5, tzinfo=new_york)).opened == "Q1 2027"


@pytest.mark.django_db
def test_the_command_prints_one_line_saying_what_it_did(world):
    out = StringIO()
    call_command("keeper_sweep", "--now", "2027-01-01T09:30", stdout=out)
    assert out.getvalue() == (
        f"keeper sweep: opened Q1 2027; {REPORTS} tests created; "
        f"{MANAGERS + REPORTS} messages sent\n"
    )
    out = StringIO()
    call_command("keeper_sweep", "--now", "2027-01-01T10:30", stdout=out)
    assert out.getvalue() == "keeper sweep: no cycle opened; 0 tests created; 0 messages sent\n"


@pytest.mark.django_db
def test_the_snapshot_takes_active_people_with_an_active_manager_only(world):
    _sweep(_at(2027, 1, 1, 9, 5))
    cycle = KeeperCycle.objects.get()
    reports = set(KeeperTest.objects.filter(cycle=cycle).values_list("report__email", flat=True))
    assert "inactive@example.test" not in reports
    assert "ceo@example.test" not in reports  # nobody above the CEO
    assert keeper_test_of(cycle, world.employee).manager == world.manager


@pytest.mark.django_db
def test_someone_who_changes_manager_mid_cycle_moves_to_the_new_managers_list(world, client_for):
    _sweep(_at(2027, 1, 1, 9, 5))
    cycle = KeeperCycle.objects.get()
    test = keeper_test_of(cycle, world.employee)
    with time_machine.travel(_at(2027, 1, 5, 10), tick=False):
        world.employee.manager = world.other_manager
        world.employee.save()
        # The old manager loses the open test at once (before any sweep runs).
        old = client_for(world.manager)
        assert old.get(f"/keeper/tests/{test.pk}/guidance/").status_code == 404
        assert (
            old.post(
                f"/keeper/tests/{test.pk}/answer/",
                {f"t{test.pk}-answer": "yes"},
                headers={"HX-Request": "true"},
            ).status_code
            == 404
        )
        assert "Eli Employee" not in old.get("/keeper/").content.decode()
        new = client_for(world.other_manager)
        assert "Eli Employee" in new.get("/keeper/").content.decode()
        response = new.post(
            f"/keeper/tests/{test.pk}/answer/",
            {f"t{test.pk}-answer": "yes"},
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 200
    # The sweep points the reminders at the new manager too.
    _sweep(_at(2027, 1, 12, 9, 5))
    test.refresh_from_db()
    assert test.manager == world.other_manager


# --- Exactly once: racing sweeps and a crash halfway --------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_racing_create_every_test_and_send_every_message_once(world):
    from django.db import connections

    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            with time_machine.travel(_at(2027, 1, 1, 9, 5), tick=False):
                results.append(sweep_services.sweep())
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    assert sorted(bool(r.opened) for r in results) == [False, True]
    assert sum(r.tests_created for r in results) == REPORTS
    assert sum(r.messages for r in results) == MANAGERS + REPORTS
    assert KeeperTest.objects.count() == REPORTS
    assert Notification.objects.filter(key__startswith="keeper:").count() == MANAGERS + REPORTS
    assert Delivery.objects.filter(key__startswith="keeper:").count() == MANAGERS + REPORTS


CRASH_TRIGGER = """
CREATE OR REPLACE FUNCTION keeper_test_crash() RETURNS trigger AS $$
BEGIN
  IF (SELECT count(*) FROM culture_notification WHERE key LIKE 'keeper:%%') >= 4 THEN
    RAISE EXCEPTION 'worker lost halfway';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER keeper_test_crash BEFORE INSERT ON culture_notification
FOR EACH ROW EXECUTE FUNCTION keeper_test_crash();
"""


@pytest.mark.django_db(transaction=True)
def test_a_sweep_that_crashes_halfway_is_retried_and_sends_the_rest_once(world):
    from django.db import DatabaseError

    # The database refuses the fifth message: the sweep dies halfway, as a killed worker
    # would. No code of ours is replaced.
    with connection.cursor() as cursor:
        cursor.execute(CRASH_TRIGGER)
    try:
        with pytest.raises(DatabaseError):
            _sweep(_at(2027, 1, 1, 9, 5))
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER keeper_test_crash ON culture_notification")
            cursor.execute("DROP FUNCTION keeper_test_crash()")
    assert KeeperTest.objects.count() == REPORTS  # the snapshot committed
    sent_before = Notification.objects.filter(key__startswith="keeper:").count()
    assert sent_before < MANAGERS + REPORTS
    assert KeeperCycle.objects.get().opening_sent_at is None
    retry = _sweep(_at(2027, 1, 1, 9, 20))
    assert retry.opened == "" and retry.tests_created == 0
    assert retry.messages == MANAGERS + REPORTS - sent_before
    assert Notification.objects.filter(key__startswith="keeper:").count() == MANAGERS + REPORTS
    assert Delivery.objects.filter(key__startswith="keeper:").count() == MANAGERS + REPORTS
    assert KeeperTest.objects.count() == REPORTS
    assert KeeperCycle.objects.get().opening_sent_at is not None
    assert _sweep(_at(2027, 1, 1, 10, 5)).messages == 0


@pytest.mark.django_db(transaction=True)
def test_two_processes_running_the_command_at_once_open_one_cycle(world):
    import os
    import subprocess
    import sys

    settings_dict = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "culture.test_settings",
        "DATABASE_URL": (
            f"postgres://{settings_dict['USER'] or 'postgres'}@{settings_dict['HOST'] or '127.0.0.1'}"
            f":{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
        ),
        "MAIL_URL": "locmem:",
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "memory://",
    }
    command = [sys.executable, "manage.py", "keeper_sweep", "--now", "2027-01-01T09:05"]
    procs = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    lines = sorted(o[0].decode().strip() for o in outs)
    assert lines[1].startswith("keeper sweep: opened Q1 2027; 8 tests created")
    assert lines[0].startswith("keeper sweep: no cycle opened; 0 tests created")
    assert KeeperCycle.objects.count() == 1
    assert KeeperTest.objects.count() == REPORTS
    assert Notification.objects.filter(key__startswith="keeper:").count() == MANAGERS + REPORTS


@pytest.mark.django_db
def test_a_look_again_date_is_reminded_once_on_that_day(world):
    _sweep(_at(2027, 1, 1, 9, 5))
    cycle = KeeperCycle.objects.get()
    test = keeper_test_of(cycle, world.employee)
    with time_machine.travel(_at(2027, 1, 4, 10), tick=False):
        answers_services.do_answer(
            actor=world.manager,
            test_id=test.pk,
            answer="not_sure",
            notes="",
            shared_with_employee=False,
        )
        answers_services.do_set_look_again(
            actor=world.manager, test_id=test.pk, on=_at(2027, 2, 10, 0).date()
        )
    _sweep(_at(2027, 2, 9, 23, 30))
    assert not Notification.objects.filter(kind="keeper.look_again").exists()
    _sweep(_at(2027, 2, 10, 0, 30))
    _sweep(_at(2027, 2, 10, 1, 30))
    reminder = Notification.objects.get(kind="keeper.look_again")
    assert reminder.recipient == world.manager
    assert "Eli Employee" in reminder.title


@pytest.mark.django_db
def test_a_sweep_with_nothing_to_do_costs_a_handful_of_queries(
    world, django_assert_max_num_queries
):
    _sweep(_at(2027, 1, 1, 9, 5))
    with django_assert_max_num_queries(7):
        _sweep(_at(2027, 1, 2, 9, 5))


@pytest.mark.django_db
def test_a_cycle_opened_late_does_not_nudge_for_moments_before_it_existed(world):
    # Beat was down from 31 December until 13 January, after the "3 days before" moment.
    assert _sweep(_at(2027, 1, 13, 10, 5)).opened == "Q1 2027"
    _sweep(_at(2027, 1, 13, 11, 5))
    cycle = KeeperCycle.objects.get()
    assert _kinds(cycle)["keeper.nudge"] == 0
    _sweep(_at(2027, 1, 15, 9, 5))
    assert _kinds(cycle)["keeper.nudge"] == MANAGERS  # the due-day nudge still goes out


def test_period_labels_are_stored_in_english_and_shown_in_the_readers_language():
    """A cycle stores its label in English whatever language the sweep runs in; pages and
    messages localise it (Django's own month names stand in until the catalogues come)."""
    from django.utils import translation

    from keeper import labels
    from keeper.services.periods import period_label, stored_period_label

    for cadence, opening, english in (
        (3, _at(2027, 1, 1, 9), "Q1 2027"),
        (6, _at(2027, 7, 1, 9), "H2 2027"),
        (2, _at(2027, 1, 1, 9), "Jan–Feb 2027"),
        (3, _at(2027, 11, 1, 9), "Nov 2027–Jan 2028"),
    ):
        with translation.override("fr"):
            assert stored_period_label(cadence, opening) == english
            shown = labels.localise(english)
            assert shown == period_label(cadence, opening)
        with translation.override("en-gb"):
            assert labels.localise(english) == english == period_label(cadence, opening)
    with translation.override("fr"):
        assert labels.localise("Jan–Feb 2027") != "Jan–Feb 2027"  # Django's French months
    assert labels.localise("Spring offsite") == "Spring offsite"  # not a period: as stored
    # A day with its month's full name (the post-exit message, the look-again date).
    day = _at(2026, 12, 9, 0).date()
    with translation.override("en-gb"):
        assert labels.long_date(day) == f"{day:%-d %B %Y}" == "9 December 2026"


# --- A large company's opening: chunks of managers, written by jobs ----------------------


@pytest.mark.django_db(transaction=True)
def test_a_large_cycles_opening_is_written_by_jobs_a_chunk_of_managers_each(world, monkeypatch):
    from culture.models import Job
    from tests.conftest import run_jobs

    monkeypatch.setattr(sweep_services, "OPENING_CHUNK", 2)  # 5 managers: chunks of 2, 2, 1
    result = _sweep(_at(2027, 1, 1, 9, 5))
    cycle = KeeperCycle.objects.get()
    assert cycle.opening_sent_at is not None
    assert result.jobs_queued == 2
    assert Job.objects.filter(name="keeper.services.sweep.send_opening_chunk").count() == 2
    # The sweep wrote the first chunk itself: two managers and their reports.
    first = _kinds(cycle)
    assert first["keeper.opened"] == 2
    assert 0 < first["keeper.prompt"] < REPORTS
    assert result.messages == first["keeper.opened"] + first["keeper.prompt"]
    assert "2 jobs queued for the rest" in result.line()
    # A second sweep finds the opening handed over: it queues nothing more.
    again = _sweep(_at(2027, 1, 1, 9, 20))
    assert (again.messages, again.jobs_queued) == (0, 0)

    with time_machine.travel(_at(2027, 1, 1, 9, 6), tick=False):
        assert run_jobs() == 2
    kinds = _kinds(cycle)
    assert (kinds["keeper.opened"], kinds["keeper.prompt"]) == (MANAGERS, REPORTS)
    assert Delivery.objects.filter(key__startswith="keeper:").count() == MANAGERS + REPORTS
    # Each manager's message lists their own reports, whichever job wrote it.
    for test in KeeperTest.objects.filter(cycle=cycle).select_related("manager", "report"):
        opened = Notification.objects.get(
            key=f"keeper:{cycle.period_key}:open:manager:{test.manager_id}"
        )
        assert test.report.name in opened.body

    # A chunk delivered again (its worker died after writing) writes nothing twice.
    Job.objects.update(status=Job.Status.PENDING)
    with time_machine.travel(_at(2027, 1, 1, 9, 7), tick=False):
        assert run_jobs() == 2
    assert Notification.objects.filter(key__startswith="keeper:").count() == MANAGERS + REPORTS
    assert Delivery.objects.filter(key__startswith="keeper:").count() == MANAGERS + REPORTS


@pytest.mark.django_db(transaction=True)
def test_a_chunk_that_crashes_halfway_is_run_again_and_sends_the_rest_once(world, monkeypatch):
    from culture import jobs
    from culture.models import Job

    monkeypatch.setattr(sweep_services, "OPENING_CHUNK", 2)
    monkeypatch.setattr(sweep_services, "BATCH", 1)  # a transaction a message, as at 500
    _sweep(_at(2027, 1, 1, 9, 5))
    written = Notification.objects.filter(key__startswith="keeper:").count()
    # The database refuses the next message but one: the chunk's job dies halfway.
    with connection.cursor() as cursor:
        cursor.execute(CRASH_TRIGGER.replace(">= 4", f">= {written + 1}"))
    try:
        job = Job.objects.order_by("pk").first()
        assert job is not None
        with time_machine.travel(_at(2027, 1, 1, 9, 6), tick=False):
            assert jobs.run(job.pk) is False
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER keeper_test_crash ON culture_notification")
            cursor.execute("DROP FUNCTION keeper_test_crash()")
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.PENDING, 1)
    assert Notification.objects.filter(key__startswith="keeper:").count() == written + 1
    # Retried after its delay (as the job sweeper hands it over), with the other chunk.
    with time_machine.travel(_at(2027, 1, 1, 10, 0), tick=False):
        assert all(jobs.run(pk) for pk in Job.objects.values_list("pk", flat=True))
    assert Notification.objects.filter(key__startswith="keeper:").count() == MANAGERS + REPORTS
    assert Delivery.objects.filter(key__startswith="keeper:").count() == MANAGERS + REPORTS


@pytest.mark.django_db
def test_opening_a_cycle_refreshes_the_planners_statistics_of_the_tests(world):
    def planner_rows() -> float:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'keeper_keepertest'")
            return cursor.fetchone()[0]

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE keeper_keepertest")  # as the table stood: no tests
    assert planner_rows() == 0
    _sweep(_at(2027, 1, 1, 9, 5))
    assert planner_rows() == KeeperTest.objects.count() == REPORTS


@pytest.mark.django_db(transaction=True)
def test_a_chunk_run_after_its_cycle_closed_or_went_sends_nothing_and_does_not_fail(
    world, monkeypatch
):
    from culture import jobs
    from culture.models import Job

    monkeypatch.setattr(sweep_services, "OPENING_CHUNK", 2)
    _sweep(_at(2027, 1, 1, 9, 5))
    written = Notification.objects.filter(key__startswith="keeper:").count()
    first, second = Job.objects.order_by("pk")
    # The broker was down until after the cycle closed (the next one opens in April).
    with time_machine.travel(_at(2027, 4, 2, 9, 0), tick=False):
        assert jobs.run(first.pk) is True
    assert Notification.objects.filter(key__startswith="keeper:").count() == written
    first.refresh_from_db()
    assert first.status == Job.Status.DONE
    # And a chunk whose cycle was removed meanwhile.
    KeeperCycle.objects.all().delete()
    with time_machine.travel(_at(2027, 1, 1, 9, 6), tick=False):
        assert jobs.run(second.pk) is True
    second.refresh_from_db()
    assert second.status == Job.Status.DONE
