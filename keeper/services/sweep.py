"""The keeper sweep: open the due cycle (at most one) with its tests, follow reporting
lines, and send every reminder that is due. Safe to run at any time, repeatedly and
concurrently: every effect is exactly-once in the database."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from django.db import connection, transaction
from django.db.models import F, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from culture import clock, jobs
from culture.i18n import as_reader
from culture.models import CompanySettings, Person
from culture.notifications import Message, notify, notify_many
from culture.request_local import once_per_task
from keeper.models import KeeperCycle, KeeperPolicy, KeeperTest
from keeper.services.periods import (
    WIDEST_ZONE_GAP,
    local_at,
    reminder_times,
    scheduled_opening,
    stored_period_label,
)
from webhooks import events

log = logging.getLogger(__name__)

SWEEP_LOCK = 0x6B656570  # "keep": serialises cycle creation across processes


@dataclass
class SweepResult:
    opened: str = ""
    tests_created: int = 0
    messages: int = 0
    # Jobs that write the rest of a large cycle's opening messages (send_opening_messages).
    jobs_queued: int = 0
    details: list[str] = field(default_factory=list)

    def line(self) -> str:
        opened = f"opened {self.opened}" if self.opened else "no cycle opened"
        queued = f"; {self.jobs_queued} jobs queued for the rest" if self.jobs_queued else ""
        return (
            f"keeper sweep: {opened}; {self.tests_created} tests created; "
            f"{self.messages} messages sent{queued}"
        )


def sweep(now: datetime | None = None) -> SweepResult:
    """Open a due cycle (at most one: a sweep after downtime catches up once) and send every
    reminder that is due. Safe to run at any time, repeatedly and concurrently."""
    now = now or timezone.now()
    result = SweepResult()
    # Every message renders as its reader, in their zone or the company's: the settings
    # row once for the whole sweep, not a query (or two) a message.
    with once_per_task():
        tz = CompanySettings.load().tz
        open_due_cycle(now=now, tz=tz, result=result)
        for cycle in KeeperCycle.objects.open_at(now).order_by("opens_at"):
            follow_reporting_lines(cycle)
            send_cycle_reminders(cycle, now=now, tz=tz, result=result)
        send_look_again_reminders(now=now, tz=tz, result=result)
    return result


def open_due_cycle(*, now: datetime, tz: tzinfo, result: SweepResult) -> KeeperCycle | None:
    policy = KeeperPolicy.load()
    opening, next_opening = scheduled_opening(policy, tz, now)
    local_open = opening.astimezone(tz)
    due_on = local_open.date() + timedelta(days=policy.due_days)
    due_at = local_at(due_on + timedelta(days=1), 0, tz)
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
    *,
    opening: datetime,
    closes_at: datetime,
    now: datetime,
    policy: KeeperPolicy | None = None,
    tz: tzinfo | None = None,
    result: SweepResult | None = None,
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
                "label": stored_period_label(policy.cadence, local_open),
                "opens_at": opening,
                "due_on": due_on,
                "due_at": local_at(due_on + timedelta(days=1), 0, tz),
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
        # The cycle, never its tests or answers.
        events.emit(
            "keeper.cycle_opened",
            {
                "id": cycle.pk,
                "url": events.link(reverse("keeper:index")),
                "label": cycle.label,
                "opens_at": cycle.opens_at.isoformat(),
                "due_on": cycle.due_on.isoformat(),
            },
        )
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
        created = cursor.rowcount
        # The planner's statistics still say the new cycle has no tests until autovacuum
        # comes round, and a manager's page then walks every test of the cycle instead of
        # their few reports (bench/README.md) just as the opening messages bring everyone
        # to it. Sampling the table now takes a second a quarter.
        cursor.execute("ANALYZE keeper_keepertest")
        return created


def follow_reporting_lines(cycle: KeeperCycle) -> int:
    """Open tests follow the report's current manager (the pages already do; this keeps the
    reminders right). The old manager's private notes stay theirs (KeeperNote)."""
    current = Person.objects.filter(pk=OuterRef("report_id")).values("manager_id")
    return (
        KeeperTest.objects.filter(cycle=cycle, report__manager__isnull=False)
        .exclude(manager_id=F("report__manager_id"))
        .update(manager_id=Subquery(current))
    )


BATCH = 500


def _send_all(result: SweepResult, messages: list[Message]) -> None:
    """Send through the ledger in bulk: one transaction per batch, each message exactly
    once by its key. A crash rolls back at most one batch, which the next sweep sends."""
    for start in range(0, len(messages), BATCH):
        result.messages += notify_many(messages[start : start + BATCH])


# Managers whose opening messages (theirs and their reports') one job writes: rendering
# each message's two templates is the cost, so a large company's chunks run on several
# workers at once.
OPENING_CHUNK = 200


def send_opening_messages(cycle: KeeperCycle, *, now: datetime, result: SweepResult) -> None:
    """The cycle's opening: each manager's list of whom to answer for and each report's
    prompt. The first chunk of managers is written here and every further chunk is a job
    (culture.jobs), all recorded in the transaction that marks the opening as handed over,
    so a crash before the commit leaves it to the next sweep and one after it leaves it to
    the jobs. Each message is written once by its key, however often a chunk runs."""
    manager_ids = list(
        KeeperTest.objects.filter(cycle=cycle, report__is_active=True)
        .order_by("manager_id")
        .values_list("manager_id", flat=True)
        .distinct()
    )
    chunks = [
        manager_ids[start : start + OPENING_CHUNK]
        for start in range(0, len(manager_ids), OPENING_CHUNK)
    ]
    with transaction.atomic():
        # Racing sweeps: the first to mark the cycle writes its opening; the others wait
        # for its commit here and find nothing to do.
        if not KeeperCycle.objects.filter(pk=cycle.pk, opening_sent_at__isnull=True).update(
            opening_sent_at=now
        ):
            return
        result.jobs_queued += len(
            jobs.defer_many(send_opening_chunk, [[cycle.pk, chunk] for chunk in chunks[1:]])
        )
        if chunks:
            _send_all(result, _opening_messages(cycle, chunks[0]))


@jobs.job
def send_opening_chunk(cycle_id: int, manager_ids: list[int]) -> int:
    """One chunk of a cycle's opening messages (send_opening_messages); returns how many
    this run wrote (none when an earlier run of the same chunk wrote them, or when the
    cycle is gone or closed before the job ran: a broker down past the cycle's end must
    not ask for answers nobody can give any more, nor fail the job eight times)."""
    result = SweepResult()
    cycle = KeeperCycle.objects.filter(pk=cycle_id).first()
    if cycle is None or not cycle.is_open():
        return 0
    with once_per_task():
        _send_all(result, _opening_messages(cycle, manager_ids))
    return result.messages


def _opening_messages(cycle: KeeperCycle, manager_ids: list[int]) -> list[Message]:
    url = reverse("keeper:index")
    prefix = f"keeper:{cycle.period_key}:"
    tests = list(
        KeeperTest.objects.filter(cycle=cycle, report__is_active=True, manager_id__in=manager_ids)
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
        with as_reader(manager):
            title = ngettext(
                "Keeper test, %(label)s: %(count)s to answer by %(date)s",
                "Keeper test, %(label)s: %(count)s to answer by %(date)s",
                len(names),
            ) % {
                "label": cycle.display_label,
                "count": len(names),
                "date": date_format(cycle.due_on, "MONTH_DAY_FORMAT"),
            }
            body = _("Would you fight hard to keep each of them? %(names)s") % {
                "names": ", ".join(names)
            }
        messages.append(
            Message(
                recipient=manager,
                key=f"{prefix}open:manager:{manager.pk}",
                kind="keeper.opened",
                title=title,
                body=body,
                url=url,
                template="emails/keeper_opened",
                context={"cycle": cycle, "names": names},
            )
        )
    ask_url = reverse("keeper:ask")
    for t in tests:
        with as_reader(t.report):
            title = _("You may ask your manager the keeper prompt")
            body = _("If I told you I was leaving, how hard would you work to change my mind?")
        messages.append(
            Message(
                recipient=t.report,
                key=f"{prefix}open:employee:{t.report_id}",
                kind="keeper.prompt",
                title=title,
                body=body,
                url=ask_url,
                template="emails/keeper_prompt",
                context={"cycle": cycle},
            )
        )
    return messages


def send_cycle_reminders(
    cycle: KeeperCycle, *, now: datetime, tz: tzinfo, result: SweepResult
) -> None:
    url = reverse("keeper:index")
    prefix = f"keeper:{cycle.period_key}:"
    stages = reminder_times(cycle, tz)

    if cycle.opening_sent_at is None:
        send_opening_messages(cycle, now=now, result=result)

    # Each reminder reaches each reader at the cycle's hour in *their* zone; a stage is
    # marked sent once every reader's moment has come.
    for stage, following in (("soon", "due"), ("due", "overdue")):
        field_name = f"{stage}_sent_at"
        if getattr(cycle, field_name) is not None or now < stages[stage] - WIDEST_ZONE_GAP:
            continue
        messages, waiting = [], False
        for manager, count in _unanswered_by_manager(cycle):
            moments = reminder_times(cycle, tz, clock.zone_for(manager, tz))
            if now < moments[stage]:
                waiting = True
                continue
            # A cycle opened late (beat was down) does not nudge right after its opening
            # message for a moment that passed before it existed.
            if now >= moments[following] or moments[stage] < cycle.created_at:
                continue
            with as_reader(manager):
                title = _nudge_title(cycle, count, stage)
            messages.append(
                Message(
                    recipient=manager,
                    key=f"{prefix}{stage}:{manager.pk}",
                    kind="keeper.nudge",
                    title=title,
                    url=url,
                    template="emails/keeper_nudge",
                    context={"cycle": cycle, "count": count, "stage": stage},
                )
            )
        _send_all(result, messages)
        if not waiting:
            KeeperCycle.objects.filter(pk=cycle.pk).update(**{field_name: now})

    if cycle.overdue_sent_at is None and now >= stages["overdue"] - WIDEST_ZONE_GAP:
        pending = _unanswered_by_manager(cycle)
        summaries: dict[int, list[tuple[Person, int]]] = defaultdict(list)
        for manager, count in pending:
            if manager.manager_id:
                summaries[manager.manager_id].append((manager, count))
        bosses = Person.objects.in_bulk(list(summaries))
        messages, waiting = [], False
        for boss_id, rows in summaries.items():
            boss = bosses[boss_id]
            if now < reminder_times(cycle, tz, clock.zone_for(boss, tz))["overdue"]:
                waiting = True
                continue
            total = sum(c for __, c in rows)
            with as_reader(boss):
                title = ngettext(
                    "Keeper test, %(label)s: %(count)s overdue under you",
                    "Keeper test, %(label)s: %(count)s overdue under you",
                    total,
                ) % {"label": cycle.display_label, "count": total}
                body = "; ".join(
                    _("%(name)s: %(count)s") % {"name": m.name, "count": c} for m, c in rows
                )
            messages.append(
                Message(
                    recipient=boss,
                    key=f"{prefix}overdue:{boss_id}",
                    kind="keeper.overdue",
                    title=title,
                    body=body,
                    url=reverse("keeper:rollup"),
                    template="emails/keeper_overdue",
                    context={"cycle": cycle, "rows": rows, "total": total},
                )
            )
        _send_all(result, messages)
        if not waiting:
            KeeperCycle.objects.filter(pk=cycle.pk).update(overdue_sent_at=now)


def _nudge_title(cycle: KeeperCycle, count: int, stage: str) -> str:
    """A nudge's title, in the active language: due today, or due by the due day."""
    if stage == "due":
        return ngettext(
            "Keeper test, %(label)s: %(count)s still to answer today",
            "Keeper test, %(label)s: %(count)s still to answer today",
            count,
        ) % {"label": cycle.display_label, "count": count}
    return ngettext(
        "Keeper test, %(label)s: %(count)s still to answer by %(date)s",
        "Keeper test, %(label)s: %(count)s still to answer by %(date)s",
        count,
    ) % {
        "label": cycle.display_label,
        "count": count,
        "date": date_format(cycle.due_on, "MONTH_DAY_FORMAT"),
    }


def _unanswered_by_manager(cycle: KeeperCycle) -> list[tuple[Person, int]]:
    counts: dict[int, int] = defaultdict(int)
    for manager_id in KeeperTest.objects.filter(
        cycle=cycle, answer="", report__is_active=True
    ).values_list("manager_id", flat=True):
        counts[manager_id] += 1
    managers = Person.objects.in_bulk(list(counts))
    return [(managers[mid], n) for mid, n in counts.items() if managers[mid].is_active]


def send_look_again_reminders(*, now: datetime, tz: tzinfo, result: SweepResult) -> None:
    today = now.astimezone(tz).date()
    due = KeeperTest.objects.filter(
        look_again_on__isnull=False, look_again_on__lte=today, look_again_reminded_at__isnull=True
    ).select_related("report", "report__manager", "manager", "cycle")
    for test in due:
        assert test.look_again_on is not None  # the filter above
        recipient = test.report.manager or test.manager  # no query when manager_id is None
        with transaction.atomic():
            claimed = KeeperTest.objects.filter(
                pk=test.pk, look_again_reminded_at__isnull=True
            ).update(look_again_reminded_at=now)
            if not claimed:
                continue
            with as_reader(recipient):
                title = _("Time to look again at where %(name)s stands") % {
                    "name": test.report.name
                }
                body = _(
                    "In %(period)s you planned a candid conversation with %(name)s and a date "
                    "to look again: today."
                ) % {"period": test.cycle.display_label, "name": test.report.name}
            if (
                notify(
                    recipient,
                    key=f"keeper:lookagain:{test.pk}:{test.look_again_on.isoformat()}",
                    kind="keeper.look_again",
                    morning=True,  # a daily reminder: in the reader's morning
                    title=title,
                    body=body,
                    url=reverse("keeper:guidance", args=[test.pk]),
                    template="emails/keeper_look_again",
                    context={"test": test},
                )
                is not None
            ):
                result.messages += 1
