"""Models of the keeper app: the company policy, cycles, keeper tests and the private
keeper-prompt log. Reads are named QuerySet methods; writes live in services.py."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any, Self

from django.db import models
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from culture.models import Person
from keeper import labels

# The questions, with the person's short name (KeeperCycle.questions translates them).
CLASSIC = _(
    "If %(name)s told you they were leaving for a similar job at a peer company, "
    "would you fight hard to keep them?"
)
HIRE_AGAIN = _("Knowing everything you know today, would you hire %(name)s again?")

# Netflix: at least four months' pay, rising to about nine for the most senior (by level).
DEFAULT_SEVERANCE = {"1": 4, "2": 4, "3": 4, "4": 4, "5": 5, "6": 6, "7": 7, "8": 8, "9": 9}
LEVELS = range(1, 10)
TREND_LENGTH = 4  # earlier answers shown on a manager's card


def default_severance() -> dict:
    return dict(DEFAULT_SEVERANCE)


class Cadence(models.IntegerChoices):
    """The value is the number of months between two cycles."""

    BIMONTHLY = 2, _("Every two months")
    QUARTERLY = 3, _("Quarterly")
    HALF_YEARLY = 6, _("Half-yearly")


class Wording(models.TextChoices):
    CLASSIC = "classic", _("Classic: would you fight hard to keep them?")
    CLASSIC_2024 = "classic_2024", _("Classic, plus the 2024 memo's: would you hire them again?")


class KeeperPolicy(models.Model):
    """One row (pk=1). A change applies from the next cycle: an open cycle keeps the
    wording, due date and close it was opened with (snapshotted on the cycle)."""

    cadence = models.PositiveSmallIntegerField(choices=Cadence.choices, default=Cadence.QUARTERLY)
    opening_month = models.PositiveSmallIntegerField(
        default=1, help_text=_("A month in which a cycle opens; the others follow the cadence.")
    )
    opening_hour = models.PositiveSmallIntegerField(
        default=9, help_text=_("Hour of the day (company time) at which cycles open.")
    )
    due_days = models.PositiveSmallIntegerField(
        default=14, help_text=_("Days after opening by which answers are due.")
    )
    wording = models.CharField(max_length=20, choices=Wording.choices, default=Wording.CLASSIC)
    severance_months = models.JSONField(
        default=default_severance, help_text=_("Months of pay per job level (1 to 9).")
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = _("keeper policy")
        constraints = [
            models.CheckConstraint(
                condition=Q(opening_month__gte=1, opening_month__lte=12), name="keeper_month_ok"
            ),
            models.CheckConstraint(condition=Q(opening_hour__lte=23), name="keeper_hour_ok"),
            models.CheckConstraint(
                condition=Q(due_days__gte=1, due_days__lte=60), name="keeper_due_ok"
            ),
        ]

    def __str__(self) -> str:
        return gettext("Keeper policy")

    @classmethod
    def load(cls) -> KeeperPolicy:
        obj, __ = cls.objects.get_or_create(pk=1)
        return obj

    def months_for_level(self, level: int | None) -> int:
        table = self.severance_months or DEFAULT_SEVERANCE
        if level is None:
            return int(table.get("1", 4))
        level = max(1, min(9, int(level)))
        return int(table.get(str(level), DEFAULT_SEVERANCE[str(level)]))


class KeeperCycleQuerySet(models.QuerySet["KeeperCycle"]):
    def open_at(self, now: datetime | None = None) -> Self:
        now = now or timezone.now()
        return self.filter(opens_at__lte=now, closes_at__gt=now)

    def current(self, now: datetime | None = None) -> KeeperCycle | None:
        """The open cycle, or None."""
        return self.open_at(now).order_by("-opens_at").first()

    def latest_started(self, now: datetime | None = None) -> KeeperCycle | None:
        """The open cycle, else the most recent closed one (shown locked), else None."""
        now = now or timezone.now()
        return self.filter(opens_at__lte=now).order_by("-opens_at").first()


class KeeperCycle(models.Model):
    period_key = models.CharField(max_length=7, unique=True, help_text=_("YYYY-MM of opening."))
    label = models.CharField(max_length=40)
    opens_at = models.DateTimeField()
    due_at = models.DateTimeField(help_text=_("End of the due day, company time."))
    due_on = models.DateField()
    closes_at = models.DateTimeField(help_text=_("When the next cycle opens; answers lock."))
    wording = models.CharField(max_length=20, choices=Wording.choices)
    # Reminder stages: set once every message of the stage went through the ledger.
    opening_sent_at = models.DateTimeField(null=True, blank=True)
    soon_sent_at = models.DateTimeField(null=True, blank=True)
    due_sent_at = models.DateTimeField(null=True, blank=True)
    overdue_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = KeeperCycleQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_at"]

    def __str__(self) -> str:
        return gettext("Keeper test, %(label)s") % {"label": self.display_label}

    @property
    def display_label(self) -> str:
        """The period label in the reader's language (the stored one is English)."""
        return labels.localise(self.label)

    def is_open(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at

    def is_overdue(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.due_at <= now < self.closes_at

    def questions(self, name: str) -> list[str]:
        qs = [str(CLASSIC) % {"name": name}]
        if self.wording == Wording.CLASSIC_2024:
            qs.append(str(HIRE_AGAIN) % {"name": name})
        return qs


class Answer(models.TextChoices):
    YES = "yes", _("Yes, I would fight to keep them")
    NOT_SURE = "not_sure", _("Not sure")
    NO = "no", _("No")


class HireAgain(models.TextChoices):
    """The 2024 memo's second question, answered on its own (cycles with that wording)."""

    YES = "yes", _("Yes, I would hire them again")
    NOT_SURE = "not_sure", _("Not sure")
    NO = "no", _("No")


class KeeperTestQuerySet(models.QuerySet["KeeperTest"]):
    def for_manager_page(self, cycle: KeeperCycle, manager: Person) -> Self:
        """The tests `manager` answers in `cycle`: while the cycle is open, their people's
        current reporting line decides (a move takes effect at once); once it is closed,
        the manager who was answering."""
        qs = self.filter(cycle=cycle)
        if cycle.is_open():
            qs = qs.filter(report__manager_id=manager.pk, report__is_active=True)
        else:
            qs = qs.filter(manager_id=manager.pk)
        return qs.select_related("report", "report__team").order_by("report__name", "report_id")

    def with_notes_readable_by(self, viewer: Person) -> Self:
        """Each test with `readable_notes`: the private notes on it that `viewer` may read
        (KeeperNoteQuerySet.readable_by), with their authors, for all tests in one query."""
        return self.prefetch_related(
            Prefetch(
                "private_notes",
                queryset=KeeperNote.objects.readable_by(viewer),
                to_attr="readable_notes",
            )
        )

    def completion_by_team(self) -> QuerySet[KeeperTest, dict[str, Any]]:
        return (
            self.values("report__team__name")
            .annotate(total=Count("id"), answered=Count("id", filter=~Q(answer="")))
            .order_by("report__team__name")
        )

    def rollup_for(
        self, viewer: Person, cycle: KeeperCycle, *, answers: bool = True
    ) -> list[dict[str, Any]]:
        """Completion (and, with `answers`, answer counts) per manager in `cycle`, for the
        managers under `viewer` (everyone's for people admins), alphabetical, never
        ranked: {"id", "name", "team", "total", "answered"[, "yes", "not_sure", "no"]}.
        While the cycle is open the current reporting line decides who the manager is.
        Answer counts leave out the viewer's own test: nobody reads answers about
        themselves. The people under the viewer are found in the same statement as the
        counts, so a reorg in between cannot show a manager from outside their tree (one
        query, and one more to choose the subtree's plan: Person.objects.subtree)."""
        tests = self.filter(cycle=cycle)
        if answers:
            tests = tests.exclude(report=viewer)
        if not viewer.is_people_admin:
            tests = tests.filter(report__in=Person.objects.subtree(viewer))
        field = "report__manager" if cycle.is_open() else "manager"
        counts = {"total": Count("id"), "answered": Count("id", filter=~Q(answer=""))}
        if answers:
            counts |= {
                "yes": Count("id", filter=Q(answer=Answer.YES)),
                "not_sure": Count("id", filter=Q(answer=Answer.NOT_SURE)),
                "no": Count("id", filter=Q(answer=Answer.NO)),
                "hire_yes": Count("id", filter=Q(hire_again=HireAgain.YES)),
                "hire_not_sure": Count("id", filter=Q(hire_again=HireAgain.NOT_SURE)),
                "hire_no": Count("id", filter=Q(hire_again=HireAgain.NO)),
            }
        rows = (
            tests.values(f"{field}_id", f"{field}__name", f"{field}__team__name")
            .annotate(**counts)
            .order_by(f"{field}__name", f"{field}_id")
        )
        return [
            {
                "id": r[f"{field}_id"],
                "name": r[f"{field}__name"],
                "team": r[f"{field}__team__name"],
                **{k: r[k] for k in counts},
            }
            for r in rows
        ]

    def earlier_answers(
        self,
        viewer: Person,
        cycle: KeeperCycle,
        report_ids: Collection[int],
        *,
        length: int = TREND_LENGTH,
    ) -> dict[int, list[dict[str, str]]]:
        """{report id: the last `length` answers about them before `cycle`, oldest first,
        as {"label", "answer", "text", "hire_again", "hire_again_text", "summary", "mark"}},
        for the answers
        `viewer` may read: their own and those of managers below them (all for people
        admins), never about the viewer
        (one query)."""
        if not report_ids:
            return {}
        rows = (
            self.filter(report_id__in=report_ids, cycle__opens_at__lt=cycle.opens_at)
            .exclude(answer="")
            .exclude(report_id=viewer.pk)
        )
        if not viewer.is_people_admin:
            rows = rows.filter(
                Q(manager_id=viewer.pk) | Q(manager__in=Person.objects.under(viewer))
            )
        values = rows.values("report_id", "answer", "hire_again", "cycle__label").order_by(
            "report_id", "-cycle__opens_at"
        )
        trend: dict[int, list[dict[str, str]]] = {}
        answer_labels = dict(Answer.choices)
        hire_labels = dict(HireAgain.choices)
        for row in values:
            items = trend.setdefault(row["report_id"], [])
            if len(items) < length:
                period = labels.localise(row["cycle__label"])
                text = str(answer_labels[row["answer"]])
                hire_text = str(hire_labels.get(row["hire_again"], ""))
                if hire_text:
                    summary = gettext("%(period)s: %(answer)s; hire again: %(hire_again)s") % {
                        "period": period,
                        "answer": text,
                        "hire_again": hire_text,
                    }
                else:
                    summary = gettext("%(period)s: %(answer)s") % {"period": period, "answer": text}
                items.append(
                    {
                        "label": period,
                        "answer": row["answer"],
                        "text": text,
                        "hire_again": row["hire_again"],
                        "hire_again_text": hire_text,
                        "summary": summary,
                        "mark": _mark(row["answer"]),
                    }
                )
        for items in trend.values():
            items.reverse()
        return trend


def _mark(answer: str) -> str:
    """An answer as one character, on the compact view's row."""
    if answer == Answer.YES:
        return pgettext("keeper answer mark for Yes", "Y")
    if answer == Answer.NO:
        return pgettext("keeper answer mark for No", "N")
    return "?"


class KeeperTest(models.Model):
    cycle = models.ForeignKey(KeeperCycle, on_delete=models.CASCADE, related_name="tests")
    manager = models.ForeignKey(
        Person,
        on_delete=models.CASCADE,
        related_name="keeper_tests_as_manager",
        help_text=_(
            "The answering manager (follows the report's manager while the cycle is open)."
        ),
    )
    report = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="keeper_tests")
    answer = models.CharField(max_length=10, choices=Answer.choices, blank=True)
    # "Would you hire them again?": asked only in cycles with the 2024 wording; as private
    # as the answer (same readers, same audit).
    hire_again = models.CharField(
        max_length=10, choices=HireAgain.choices, blank=True, default="", db_default=""
    )
    # Private notes are not on the test: they are their author's (KeeperNote).
    shared_with_employee = models.BooleanField(default=False)
    answered_at = models.DateTimeField(null=True, blank=True)
    look_again_on = models.DateField(null=True, blank=True)
    look_again_reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = KeeperTestQuerySet.as_manager()

    # Not a column: KeeperTestQuerySet.with_notes_readable_by prefetches it.
    readable_notes: list[KeeperNote]

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "report"], name="keeper_one_test_per_cycle")
        ]
        indexes = [
            models.Index(fields=["manager", "cycle"], name="keeper_test_manager_idx"),
            models.Index(fields=["report", "cycle"], name="keeper_test_report_idx"),
            models.Index(
                fields=["look_again_on"],
                name="keeper_look_again_idx",
                condition=Q(look_again_on__isnull=False, look_again_reminded_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cycle.label}: {self.report_id}"

    @property
    def needs_guidance(self) -> bool:
        return self.answer in (Answer.NOT_SURE, Answer.NO)


class KeeperNoteQuerySet(models.QuerySet["KeeperNote"]):
    def readable_by(self, viewer: Person) -> Self:
        """The notes `viewer` may read, on tests they may already read (the keeper gate in
        keeper/access.py decides that): their own, those written by anyone below them in
        the reporting tree, and every note for people admins; never a note about the
        viewer. A note does not follow its test to a new manager: one who is not above its
        author does not read it. Oldest first, with the author (for the label)."""
        qs = self.exclude(test__report_id=viewer.pk)
        if not viewer.is_people_admin:
            qs = qs.filter(
                Q(author_id=viewer.pk) | Q(author__in=Person.objects.under_by_level(viewer))
            )
        return qs.select_related("author").order_by("created_at", "id")


class KeeperNote(models.Model):
    """A manager's private notes about one person in one cycle. Notes are their author's:
    when the person moves to another manager mid-cycle, their open test (and its answer)
    moves, the notes do not; the new manager starts with an empty note of their own."""

    test = models.ForeignKey(KeeperTest, on_delete=models.CASCADE, related_name="private_notes")
    author = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="keeper_notes")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = KeeperNoteQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["test", "author"], name="keeper_one_note_per_author"),
            # An emptied note is deleted (services.do_answer): no row says "wrote nothing".
            models.CheckConstraint(condition=~Q(text=""), name="keeper_note_not_empty"),
        ]

    def __str__(self) -> str:
        return f"Note by {self.author_id} on keeper test {self.test_id}"


class Heard(models.TextChoices):
    FIGHT = "fight", _("Would fight to keep me")
    IMPROVE = "improve", _("Told me what to improve")
    WOULD_NOT = "would_not", _("Would not")


class KeeperPromptLog(models.Model):
    """The employee's private log of asking their manager the keeper prompt. Only the
    employee sees what they heard; the manager sees that (and when) they were asked."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="keeper_prompts")
    manager = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    asked_on = models.DateField()
    heard = models.CharField(max_length=12, choices=Heard.choices)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-asked_on", "-id"]
        indexes = [models.Index(fields=["person", "-asked_on"], name="keeper_prompt_idx")]

    def __str__(self) -> str:
        return f"{self.person_id} asked on {self.asked_on}"


class PostExitQuerySet(models.QuerySet["PostExit"]):
    def readable_by(self, viewer: Person) -> Self:
        """The post-exit Q&As whose unshared notes `viewer` may read: the former manager's
        own, those of managers below the viewer, and every one for people admins; never
        the one about the viewer."""
        qs = self.exclude(person_id=viewer.pk)
        if not viewer.is_people_admin:
            qs = qs.filter(Q(manager_id=viewer.pk) | Q(manager__in=Person.objects.under(viewer)))
        return qs

    def shared_with(self, viewer: Person) -> Self:
        """The shared notes `viewer` reads as one of the former manager's team: the
        manager's direct reports (now), once the manager shared them."""
        return self.filter(shared_at__isnull=False, manager__reports=viewer).exclude(
            person_id=viewer.pk
        )


class PostExit(models.Model):
    """The post-exit Q&A a former manager holds with their team after someone left
    (PRACTICES.md: what happened, and how much feedback the person had received). One per
    departure: asked once, whichever way they left (keeper.services.post_exit.person_left).
    Its notes are confidential (the manager, their chain, people admins; reads audited)
    until the manager shares them with the team."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="post_exits")
    manager = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="post_exits_to_hold")
    left_on = models.DateField()
    what_happened = models.TextField(blank=True, max_length=5000)
    notes = models.TextField(blank=True, max_length=10000)
    held_on = models.DateField(null=True, blank=True)
    shared_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = PostExitQuerySet.as_manager()

    class Meta:
        ordering = ["-left_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "left_on"], name="keeper_one_post_exit")
        ]
        indexes = [models.Index(fields=["manager", "-left_on"], name="keeper_post_exit_mgr")]

    def __str__(self) -> str:
        return f"Post-exit Q&A for {self.person_id} ({self.left_on})"
