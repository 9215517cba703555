"""Writes of the keeper app: the sweep (open cycles, reminders), answers, look-again dates,
the keeper-prompt log and the policy.

Exactly-once comes from the database: a cycle is unique per period (and created under an
advisory lock), a test is unique per cycle x report (INSERT ... ON CONFLICT DO NOTHING), and
every message goes through culture.notifications.notify with a deterministic key.
"""

from __future__ import annotations

import calendar
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from culture import audit
from culture.errors import InvalidInput
from culture.models import CompanySettings, Person
from culture.notifications import Message, notify, notify_many
from keeper.models import (
    Answer,
    Cadence,
    KeeperCycle,
    KeeperNote,
    KeeperPolicy,
    KeeperPromptLog,
    KeeperTest,
)

log = logging.getLogger(__name__)

SWEEP_LOCK = 0x6B656570  # "keep": serialises cycle creation across processes


# --- The schedule ----------------------------------------------------------------------------


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + n
    return index // 12, index % 12 + 1


def _local(d: date, hour: int, tz) -> datetime:
    return datetime.combine(d, time(hour), tzinfo=tz)


def scheduled_opening(policy: KeeperPolicy, tz, now: datetime) -> tuple[datetime, datetime]:
    """The latest scheduled opening at or before `now` and the one after it (company time)."""
    local = now.astimezone(tz)
    year, month = local.year, local.month
    for back in range(0, 13):
        y, m = _add_months(local.year, local.month, -back)
        if (m - policy.opening_month) % policy.cadence:
            continue
        opening = _local(date(y, m, 1), policy.opening_hour, tz)
        if opening <= now:
            year, month = y, m
            break
    opening = _local(date(year, month, 1), policy.opening_hour, tz)
    ny, nm = _add_months(year, month, policy.cadence)
    return opening, _local(date(ny, nm, 1), policy.opening_hour, tz)


def period_label(cadence: int, opening: datetime) -> str:
    y, m = opening.year, opening.month
    if cadence == Cadence.QUARTERLY and m % 3 == 1:
        return f"Q{(m - 1) // 3 + 1} {y}"
    if cadence == Cadence.HALF_YEARLY and m in (1, 7):
        return f"H{1 if m == 1 else 2} {y}"
    ey, em = _add_months(y, m, cadence - 1)
    start, end = calendar.month_abbr[m], calendar.month_abbr[em]
    return f"{start}–{end} {y}" if ey == y else f"{start} {y}–{end} {ey}"


def reminder_times(cycle: KeeperCycle, tz) -> dict[str, datetime]:
    hour = cycle.opens_at.astimezone(tz).hour
    return {
        "soon": _local(cycle.due_on - timedelta(days=3), hour, tz),
        "due": _local(cycle.due_on, hour, tz),
        "overdue": _local(cycle.due_on + timedelta(days=1), hour, tz),
    }


# --- The sweep -------------------------------------------------------------------------------


@dataclass
class SweepResult:
    opened: str = ""
    tests_created: int = 0
    messages: int = 0
    details: list[str] = field(default_factory=list)

    def line(self) -> str:
        opened = f"opened {self.opened}" if self.opened else "no cycle opened"
        return (
            f"keeper sweep: {opened}; {self.tests_created} tests created; "
            f"{self.messages} messages sent"
        )


def sweep(now: datetime | None = None) -> SweepResult:
    """Open a due cycle (at most one: a sweep after downtime catches up once) and send every
    reminder that is due. Safe to run at any time, repeatedly and concurrently."""
    now = now or timezone.now()
    result = SweepResult()
    tz = CompanySettings.load().tz
    open_due_cycle(now=now, tz=tz, result=result)
    for cycle in KeeperCycle.objects.open_at(now).order_by("opens_at"):
        follow_reporting_lines(cycle)
        send_cycle_reminders(cycle, now=now, tz=tz, result=result)
    send_look_again_reminders(now=now, tz=tz, result=result)
    return result


def open_due_cycle(*, now: datetime, tz, result: SweepResult) -> KeeperCycle | None:
    policy = KeeperPolicy.load()
    opening, next_opening = scheduled_opening(policy, tz, now)
    local_open = opening.astimezone(tz)
    due_on = local_open.date() + timedelta(days=policy.due_days)
    due_at = _local(due_on + timedelta(days=1), 0, tz)
    if now >= due_at:
        return None  # too late for this period; the next one opens on time
    latest = KeeperCycle.objects.order_by("-opens_at").first()
    if latest is not None and (latest.opens_at >= opening or now < latest.closes_at):
        return None  # already open (or a policy change waits for the open cycle to end)
    cycle, created = open_cycle(
        opening=opening, closes_at=next_opening, now=now, policy=policy, tz=tz, result=result
    )
    return cycle if created else None


def open_cycle(
    *, opening, closes_at, now, policy=None, tz=None, result: SweepResult | None = None
) -> tuple[KeeperCycle, bool]:
    """Create the cycle that opens at `opening` and snapshot its tests, exactly once (an
    advisory lock serialises racing sweeps; the unique period key backs it up)."""
    policy = policy or KeeperPolicy.load()
    tz = tz or CompanySettings.load().tz
    local_open = opening.astimezone(tz)
    due_on = local_open.date() + timedelta(days=policy.due_days)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SWEEP_LOCK])
        cycle, created = KeeperCycle.objects.get_or_create(
            period_key=f"{local_open.year}-{local_open.month:02d}",
            defaults={
                "label": period_label(policy.cadence, local_open),
                "opens_at": opening,
                "due_on": due_on,
                "due_at": _local(due_on + timedelta(days=1), 0, tz),
                "closes_at": closes_at,
                "wording": policy.wording,
                "created_at": now,
            },
        )
        if not created:
            return cycle, False
        KeeperCycle.objects.filter(closes_at__gt=opening).exclude(pk=cycle.pk).update(
            closes_at=opening
        )
        created_tests = snapshot_tests(cycle, now=now)
    if result is not None:
        result.tests_created += created_tests
        result.opened = cycle.label
    return cycle, True


def snapshot_tests(cycle: KeeperCycle, *, now: datetime) -> int:
    """One test per active manager x active direct report, as of now (one statement)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO keeper_keepertest
                (cycle_id, manager_id, report_id, answer, shared_with_employee, created_at)
            SELECT %s, p.manager_id, p.id, '', false, %s
            FROM culture_person p JOIN culture_person m ON m.id = p.manager_id
            WHERE p.is_active AND m.is_active
            ON CONFLICT (cycle_id, report_id) DO NOTHING
            """,
            [cycle.pk, now],
        )
        return cursor.rowcount


def follow_reporting_lines(cycle: KeeperCycle) -> int:
    """Open tests follow the report's current manager (the pages already do; this keeps the
    reminders right). The old manager's private notes stay theirs (KeeperNote)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE keeper_keepertest t SET manager_id = p.manager_id
            FROM culture_person p
            WHERE t.report_id = p.id AND t.cycle_id = %s
              AND p.manager_id IS NOT NULL AND t.manager_id <> p.manager_id
            """,
            [cycle.pk],
        )
        return cursor.rowcount


BATCH = 500


def _send_all(result: SweepResult, messages: list[Message]) -> None:
    """Send through the ledger in bulk: one transaction per batch, each message exactly
    once by its key. A crash rolls back at most one batch, which the next sweep sends."""
    for start in range(0, len(messages), BATCH):
        result.messages += notify_many(messages[start : start + BATCH])


def send_cycle_reminders(cycle: KeeperCycle, *, now: datetime, tz, result: SweepResult) -> None:
    url = reverse("keeper:index")
    prefix = f"keeper:{cycle.period_key}:"
    stages = reminder_times(cycle, tz)

    if cycle.opening_sent_at is None:
        tests = list(
            KeeperTest.objects.filter(cycle=cycle, report__is_active=True)
            .select_related("manager", "report")
            .order_by("manager_id", "report__name")
        )
        by_manager: dict[int, list[KeeperTest]] = defaultdict(list)
        for t in tests:
            by_manager[t.manager_id].append(t)
        messages = []
        for manager_tests in by_manager.values():
            manager = manager_tests[0].manager
            names = [t.report.name for t in manager_tests]
            messages.append(
                Message(
                    recipient=manager,
                    key=f"{prefix}open:manager:{manager.pk}",
                    kind="keeper.opened",
                    title=(
                        f"Keeper test, {cycle.label}: {len(names)} to answer by "
                        f"{cycle.due_on:%-d %b}"
                    ),
                    body="Would you fight hard to keep each of them? " + ", ".join(names),
                    url=url,
                    template="emails/keeper_opened",
                    context={"cycle": cycle, "names": names},
                )
            )
        ask_url = reverse("keeper:ask")
        for t in tests:
            messages.append(
                Message(
                    recipient=t.report,
                    key=f"{prefix}open:employee:{t.report_id}",
                    kind="keeper.prompt",
                    title="You may ask your manager the keeper prompt",
                    body="If I told you I was leaving, how hard would you work to change my mind?",
                    url=ask_url,
                    template="emails/keeper_prompt",
                    context={"cycle": cycle},
                )
            )
        _send_all(result, messages)
        KeeperCycle.objects.filter(pk=cycle.pk).update(opening_sent_at=now)

    for stage, until in (("soon", stages["due"]), ("due", stages["overdue"])):
        field_name = f"{stage}_sent_at"
        if getattr(cycle, field_name) is not None or now < stages[stage]:
            continue
        # A cycle opened late (beat was down) does not nudge right after its opening
        # message for a moment that passed before it existed.
        if now < until and stages[stage] >= cycle.created_at:
            _send_all(
                result,
                [
                    Message(
                        recipient=manager,
                        key=f"{prefix}{stage}:{manager.pk}",
                        kind="keeper.nudge",
                        title=(
                            f"Keeper test, {cycle.label}: {count} still to answer"
                            + (" today" if stage == "due" else f" by {cycle.due_on:%-d %b}")
                        ),
                        url=url,
                        template="emails/keeper_nudge",
                        context={"cycle": cycle, "count": count, "stage": stage},
                    )
                    for manager, count in _unanswered_by_manager(cycle)
                ],
            )
        KeeperCycle.objects.filter(pk=cycle.pk).update(**{field_name: now})

    if cycle.overdue_sent_at is None and now >= stages["overdue"]:
        pending = _unanswered_by_manager(cycle)
        summaries: dict[int, list[tuple[Person, int]]] = defaultdict(list)
        for manager, count in pending:
            if manager.manager_id:
                summaries[manager.manager_id].append((manager, count))
        bosses = Person.objects.in_bulk(list(summaries))
        messages = []
        for boss_id, rows in summaries.items():
            total = sum(c for _, c in rows)
            messages.append(
                Message(
                    recipient=bosses[boss_id],
                    key=f"{prefix}overdue:{boss_id}",
                    kind="keeper.overdue",
                    title=f"Keeper test, {cycle.label}: {total} overdue under you",
                    body="; ".join(f"{m.name}: {c}" for m, c in rows),
                    url=reverse("keeper:rollup"),
                    template="emails/keeper_overdue",
                    context={"cycle": cycle, "rows": rows, "total": total},
                )
            )
        _send_all(result, messages)
        KeeperCycle.objects.filter(pk=cycle.pk).update(overdue_sent_at=now)


def _unanswered_by_manager(cycle: KeeperCycle) -> list[tuple[Person, int]]:
    counts: dict[int, int] = defaultdict(int)
    for manager_id in KeeperTest.objects.filter(
        cycle=cycle, answer="", report__is_active=True
    ).values_list("manager_id", flat=True):
        counts[manager_id] += 1
    managers = Person.objects.in_bulk(list(counts))
    return [(managers[mid], n) for mid, n in counts.items() if managers[mid].is_active]


def send_look_again_reminders(*, now: datetime, tz, result: SweepResult) -> None:
    today = now.astimezone(tz).date()
    due = KeeperTest.objects.filter(
        look_again_on__isnull=False, look_again_on__lte=today, look_again_reminded_at__isnull=True
    ).select_related("report", "report__manager", "manager", "cycle")
    for test in due:
        recipient = test.report.manager if test.report.manager_id else test.manager
        with transaction.atomic():
            claimed = KeeperTest.objects.filter(
                pk=test.pk, look_again_reminded_at__isnull=True
            ).update(look_again_reminded_at=now)
            if not claimed:
                continue
            if (
                notify(
                    recipient,
                    key=f"keeper:lookagain:{test.pk}:{test.look_again_on.isoformat()}",
                    kind="keeper.look_again",
                    title=f"Time to look again at where {test.report.name} stands",
                    body=(
                        f"In {test.cycle.label} you planned a candid conversation with "
                        f"{test.report.name} and a date to look again: today."
                    ),
                    url=reverse("keeper:guidance", args=[test.pk]),
                    template="emails/keeper_look_again",
                    context={"test": test},
                )
                is not None
            ):
                result.messages += 1


# --- Answers ---------------------------------------------------------------------------------


def check_writable(test: KeeperTest, actor: Person, now: datetime | None = None) -> None:
    if not test.cycle.is_open(now):
        raise InvalidInput("This cycle has closed; its answers are locked.")
    if test.report.manager_id != actor.pk or not test.report.is_active:
        raise InvalidInput("Only their manager answers the keeper test for this person.")


# One statement, whatever runs at the same time: the unique (test, author) decides. A save
# that leaves the text as it was (the card saves on every change) keeps the note's date.
_SAVE_NOTE = """
INSERT INTO keeper_keepernote (test_id, author_id, text, created_at, updated_at)
VALUES (%s, %s, %s, %s, %s)
ON CONFLICT (test_id, author_id) DO UPDATE
    SET text = EXCLUDED.text, updated_at = EXCLUDED.updated_at
    WHERE keeper_keepernote.text IS DISTINCT FROM EXCLUDED.text
"""


def _save_note(*, test: KeeperTest, author: Person, text: str, now: datetime) -> None:
    """The author's own note on the test: written, changed, or (emptied) deleted. Nobody
    else's note is touched."""
    if not text:
        KeeperNote.objects.filter(test=test, author=author).delete()
        return
    with connection.cursor() as cursor:
        cursor.execute(_SAVE_NOTE, [test.pk, author.pk, text, now, now])


def do_answer(
    *,
    actor: Person,
    test_id: int,
    answer: str,
    notes: str,
    shared_with_employee: bool,
    now: datetime | None = None,
) -> KeeperTest:
    """The report's current manager answers, and writes their own private notes (`notes`):
    the answer is the test's, the notes are the actor's."""
    now = now or timezone.now()
    with transaction.atomic():
        test = (
            KeeperTest.objects.select_for_update(of=("self",))
            .select_related("cycle", "report")
            .get(pk=test_id)
        )
        check_writable(test, actor, now)
        if answer not in Answer.values and answer != "":
            raise InvalidInput("Choose one of the answers.")
        changed = test.answer != answer
        test.answer = answer
        test.shared_with_employee = shared_with_employee and bool(answer)
        test.manager = actor
        if changed:
            test.answered_at = now if answer else None
        if answer == Answer.YES:
            test.look_again_on = None
        test.save()
        _save_note(test=test, author=actor, text=notes, now=now)
        audit.record(actor, "keeper.answer.written", subject=test.report, obj=test)
    return test


def do_set_look_again(*, actor: Person, test_id: int, on: date | None) -> KeeperTest:
    with transaction.atomic():
        test = (
            KeeperTest.objects.select_for_update(of=("self",))
            .select_related("cycle", "report")
            .get(pk=test_id)
        )
        check_writable(test, actor)
        if not test.needs_guidance:
            raise InvalidInput("A look-again date follows a Not sure or No answer.")
        test.look_again_on = on
        test.look_again_reminded_at = None
        test.save(update_fields=["look_again_on", "look_again_reminded_at"])
        audit.record(actor, "keeper.look_again.set", subject=test.report, obj=test)
    return test


# --- Severance -------------------------------------------------------------------------------


@dataclass
class SeveranceEstimate:
    months: int
    level: int | None
    amount: Decimal | None = None
    currency: str = ""
    monthly: Decimal | None = None


def severance_estimate(
    person: Person, policy: KeeperPolicy | None = None, *, viewer: Person | None = None
) -> SeveranceEstimate:
    """Months by level from the company's policy; an amount when the pay app knows the
    person's current base salary and `viewer` may see it (their management chain and
    people admins, as pay's own rule; the read is audited)."""
    from culture import access

    policy = policy or KeeperPolicy.load()
    estimate = SeveranceEstimate(months=policy.months_for_level(person.level), level=person.level)
    if viewer is None or not access.can_manage(viewer, person):
        return estimate
    from pay.api import current_base_salary

    salary = current_base_salary(person)
    if not salary:
        return estimate
    audit.record(viewer, "keeper.salary.read", subject=person, detail={"for": "severance"})
    amount, currency = salary
    monthly = (Decimal(amount) / 12).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    estimate.monthly = monthly
    estimate.amount = (Decimal(amount) * estimate.months / 12).quantize(
        Decimal("1"), rounding=ROUND_HALF_UP
    )
    estimate.currency = currency
    return estimate


# --- The keeper prompt -----------------------------------------------------------------------


def do_log_prompt(*, person: Person, asked_on: date, heard: str, note: str) -> KeeperPromptLog:
    return KeeperPromptLog.objects.create(
        person=person, manager_id=person.manager_id, asked_on=asked_on, heard=heard, note=note
    )


# --- The policy ------------------------------------------------------------------------------


def do_update_policy(*, actor: Person, cleaned: dict) -> KeeperPolicy:
    """Applies from the next cycle: the open cycle keeps its snapshotted wording and dates."""
    with transaction.atomic():
        policy = KeeperPolicy.load()
        policy = KeeperPolicy.objects.select_for_update().get(pk=policy.pk)
        for name in ("cadence", "opening_month", "opening_hour", "due_days", "wording"):
            setattr(policy, name, cleaned[name])
        policy.severance_months = {str(lv): int(cleaned[f"level_{lv}"]) for lv in range(1, 10)}
        policy.updated_by = actor
        policy.save()
        audit.record(actor, "keeper.policy.updated", obj=policy)
    return policy
