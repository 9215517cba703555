"""Demo data for the keeper practice, called by `manage.py seed_demo`: two past cycles with
answers and an open current cycle (the demo manager's people still to answer); the last
two cycles use the 2024 wording, with "Would you hire them again?" answered too; and a
person who left the demo manager's team, with the post-exit Q&A prepared."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from culture.models import CompanySettings, Person
from feedback.models import Kind, WrittenFeedback
from keeper.models import (
    Heard,
    KeeperCycle,
    KeeperPolicy,
    KeeperPromptLog,
    KeeperTest,
    PostExit,
    Wording,
)
from keeper.services import periods as periods_services
from keeper.services import sweep as sweep_services

# Share of yes / not sure (the rest: no) in answered tests; a Not sure or No comes with a
# private note by the answering manager. Parameters: answered_at, cycle, share answered,
# a manager left unanswered (-1 for none).
_ANSWER_SQL = """
WITH s AS (
    SELECT id AS tid, random() AS r FROM keeper_keepertest
    WHERE cycle_id = %(cycle)s AND random() < %(share)s
), answered AS (
    UPDATE keeper_keepertest SET
        answer = CASE WHEN r < 0.86 THEN 'yes' WHEN r < 0.96 THEN 'not_sure' ELSE 'no' END,
        answered_at = %(at)s,
        shared_with_employee = (r < 0.3)
    FROM s
    WHERE id = s.tid AND manager_id <> %(skip)s
    RETURNING id, manager_id, s.r
)
INSERT INTO keeper_keepernote (test_id, author_id, text, created_at, updated_at)
SELECT id, manager_id, 'Talked about ownership of the on-call rota.', %(at)s, %(at)s
FROM answered WHERE r >= 0.86
"""


# The 2024 memo's second question follows the first, now and then apart from it.
_HIRE_AGAIN_SQL = """
UPDATE keeper_keepertest SET hire_again = CASE
    WHEN answer = 'yes' AND random() < 0.93 THEN 'yes'
    WHEN answer = 'yes' THEN 'not_sure'
    WHEN answer = 'not_sure' AND random() < 0.5 THEN 'not_sure'
    WHEN answer = 'not_sure' THEN 'no'
    ELSE 'no' END
WHERE cycle_id = ANY(%s) AND answer <> ''
"""


def _seed_leaver(manager: Person, cycle: KeeperCycle, *, now, tz) -> None:
    """Someone who left the demo manager's team three weeks ago: the Q&A prepared, held,
    not shared yet; some written feedback and a keeper answer in the records it shows."""
    left_on = now.astimezone(tz).date() - timedelta(days=21)
    leaver = Person.objects.create(
        email="jordan.leaver@example.com",
        name="Jordan Leaver",
        title="Software Engineer",
        team=manager.team,
        manager=manager,
        is_active=False,
        left_on=left_on,
        level=4,
        job_family="Engineering",
        location="London",
    )
    KeeperTest.objects.create(
        cycle=cycle,
        manager=manager,
        report=leaver,
        answer="not_sure",
        hire_again="not_sure",
        answered_at=cycle.opens_at + timedelta(days=4),
        created_at=cycle.opens_at,
    )
    colleagues = list(
        Person.objects.filter(manager=manager, is_active=True).exclude(pk=leaver.pk)[:4]
    )
    WrittenFeedback.objects.bulk_create(
        [
            WrittenFeedback(
                author=c,
                recipient=leaver,
                kind=kind,
                text=text,
                created_at=now - timedelta(days=60 + 30 * n),
            )
            for n, (c, kind, text) in enumerate(
                zip(
                    colleagues,
                    [Kind.START, Kind.STOP, Kind.CONTINUE, Kind.START],
                    [
                        "Start writing the design doc before the first pull request.",
                        "Stop taking the whole on-call rota yourself.",
                        "Continue the incident write-ups: they are the clearest we have.",
                        "Start pairing with the newer engineers on reviews.",
                    ],
                    strict=False,
                )
            )
        ]
    )
    PostExit.objects.create(
        person=leaver,
        manager=manager,
        left_on=left_on,
        what_happened=(
            "Jordan accepted an offer to lead a small platform team at a start-up: a step up "
            "we could not offer this year. We talked about it openly; it was their choice and "
            "we parted well."
        ),
        notes=(
            "Expect: who takes the on-call rota (Sam, from Monday), whether the migration "
            "slips (it does not), and whether more people are leaving (say what you know)."
        ),
        held_on=left_on + timedelta(days=5),
        created_at=now - timedelta(days=21),
        updated_at=now - timedelta(days=16),
    )


def seed(*, people, rng, scale: int = 1) -> str:
    now = timezone.now()
    tz = CompanySettings.load().tz
    policy = KeeperPolicy.load()
    policy.wording = Wording.CLASSIC_2024  # the demo shows the 2024 memo's question
    policy.save(update_fields=["wording"])
    current, _next = periods_services.scheduled_opening(policy, tz, now)
    openings = [current]
    for _ in range(2):
        openings.insert(
            0, periods_services.scheduled_opening(policy, tz, openings[0] - timedelta(days=1))[0]
        )
    manager = people["manager"]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT setseed(%s)", [rng.random() * 2 - 1])
        cycles = []
        for index, opening in enumerate(openings):
            local = opening.astimezone(tz)
            due_on = local.date() + timedelta(days=policy.due_days)
            closes_at = openings[index + 1] if index + 1 < len(openings) else _next
            cycle = KeeperCycle.objects.create(
                period_key=f"{local.year}-{local.month:02d}",
                label=periods_services.stored_period_label(policy.cadence, local),
                opens_at=opening,
                due_on=due_on,
                due_at=periods_services.local_at(due_on + timedelta(days=1), 0, tz),
                closes_at=closes_at,
                # The first cycle predates the 2024 memo's question.
                wording=Wording.CLASSIC if index == 0 else Wording.CLASSIC_2024,
                opening_sent_at=opening,
                soon_sent_at=opening,
                due_sent_at=opening,
                overdue_sent_at=opening,
                created_at=opening,
            )
            sweep_services.snapshot_tests(cycle, now=opening)
            past = index < len(openings) - 1
            with connection.cursor() as cursor:
                cursor.execute(
                    _ANSWER_SQL,
                    {
                        "at": opening + timedelta(days=5),
                        "cycle": cycle.pk,
                        "share": 0.97 if past else 0.45,
                        "skip": -1 if past else manager.pk,
                    },
                )
            cycles.append(cycle)
        with connection.cursor() as cursor:
            cursor.execute(_HIRE_AGAIN_SQL, [[c.pk for c in cycles[1:]]])
        # The demo manager answered one person this cycle already; the rest are theirs to do.
        first = KeeperTest.objects.filter(cycle=cycles[-1], manager=manager).order_by("id").first()
        if first is not None:
            KeeperTest.objects.filter(pk=first.pk).update(
                answer="yes", hire_again="yes", answered_at=now
            )
        employee = people["employee"]
        KeeperPromptLog.objects.bulk_create(
            [
                KeeperPromptLog(
                    person=employee,
                    manager_id=employee.manager_id,
                    asked_on=(openings[0] + timedelta(days=20)).date(),
                    heard=Heard.IMPROVE,
                    note="Lead the next incident review; write more of the design docs.",
                ),
                KeeperPromptLog(
                    person=employee,
                    manager_id=employee.manager_id,
                    asked_on=(openings[1] + timedelta(days=18)).date(),
                    heard=Heard.FIGHT,
                ),
            ]
        )
        _seed_leaver(manager, cycles[-2], now=now, tz=tz)
    total = KeeperTest.objects.count()
    return f"{len(cycles)} cycles ({', '.join(c.label for c in cycles)}), {total} keeper tests"
