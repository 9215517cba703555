"""Feedback circles (live 360s) and written 360 feedback.

Reads are named QuerySet methods; writes live in services.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Self

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from culture import clock
from culture.models import Person, PersonQuerySet, Team

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

PRESENCE_WINDOW = timedelta(seconds=30)


class Kind(models.TextChoices):
    START = "start", _("Start")
    STOP = "stop", _("Stop")
    CONTINUE = "continue", _("Continue")


KIND_LABELS = dict(Kind.choices)


class Decision(models.TextChoices):
    PENDING = "pending", _("Not decided")
    ACCEPTED = "accepted", _("Accepted")
    DISCARDED = "discarded", _("Discarded")


# --- Circles ------------------------------------------------------------------------------


class CircleQuerySet(models.QuerySet["Circle"]):
    def for_participant(self, person: Person) -> Self:
        return self.filter(participants__person=person)

    def upcoming_for(self, person: Person) -> Self:
        return (
            self.for_participant(person)
            .exclude(phase__in=[Circle.Phase.ENDED, Circle.Phase.CANCELLED])
            .select_related("facilitator")
            .order_by("scheduled_at", "id")
        )


class Circle(models.Model):
    class Phase(models.TextChoices):
        LOBBY = "lobby", _("Lobby")
        WRITING = "writing", _("Writing")
        REVEALED = "revealed", _("Revealed")
        WRAPUP = "wrapup", _("Wrap-up")
        ENDED = "ended", _("Ended")
        CANCELLED = "cancelled", _("Cancelled")

    class Audience(models.TextChoices):
        CIRCLE = "circle", _("The whole circle")
        RECIPIENT = "recipient", _("Only the recipient")

    title = models.CharField(max_length=150)
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    facilitator = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    scheduled_at = models.DateTimeField()
    minutes_per_person = models.PositiveSmallIntegerField(default=20)
    reveal_to = models.CharField(max_length=10, choices=Audience, default=Audience.CIRCLE)
    phase = models.CharField(max_length=10, choices=Phase, default=Phase.LOBBY)
    # The position (Participant.position) of the person in the centre; -1 before the first.
    current_position = models.IntegerField(default=-1)
    # Items for positions up to here have been revealed (rounds go in position order).
    revealed_through = models.IntegerField(default=-1)
    deadline = models.DateTimeField(null=True, blank=True)
    paused_remaining = models.PositiveIntegerField(null=True, blank=True)  # seconds
    version = models.PositiveIntegerField(default=1)
    # The iCalendar SEQUENCE: one more each time the time changes or the circle is cancelled.
    sequence = models.PositiveIntegerField(default=0)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = CircleQuerySet.as_manager()

    class Meta:
        ordering = ["-scheduled_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("feedback:room", args=[self.pk])

    @property
    def channel(self) -> str:
        return f"circle:{self.pk}"

    def seconds_left(self, now: datetime | None = None) -> int | None:
        if self.paused_remaining is not None:
            return self.paused_remaining
        if self.deadline is None:
            return None
        now = now or timezone.now()
        return max(0, int((self.deadline - now).total_seconds()))


class ParticipantQuerySet(models.QuerySet["Participant"]):
    def present(self) -> Self:
        return self.filter(left_at__isnull=True)

    def here(self, now: datetime) -> Self:
        """Seats seen within the presence window: Participant.is_here, in SQL."""
        return self.filter(last_seen__gt=now - PRESENCE_WINDOW)

    def writers_count(self, recipient: Participant) -> dict[str, int]:
        """The round's "N of M have written", as feedback.room shows it to every viewer:
        {"expected": M, "written": N}, M = the seats present but the one in the centre,
        N = those of them with an item for that round. One aggregate query."""
        return (
            self.present()
            .filter(circle_id=recipient.circle_id)
            .exclude(pk=recipient.pk)
            .aggregate(
                expected=models.Count("pk"),
                written=models.Count(
                    "pk",
                    filter=models.Exists(
                        CircleItem.objects.filter(
                            circle_id=recipient.circle_id,
                            recipient_position=recipient.position,
                            author_id=models.OuterRef("person_id"),
                        )
                    ),
                ),
            )
        )


class Participant(models.Model):
    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="participants")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="circle_seats")
    position = models.PositiveSmallIntegerField()
    last_seen = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)
    response = models.CharField(max_length=200, blank=True)
    nudged_at = models.DateTimeField(null=True, blank=True)

    objects = ParticipantQuerySet.as_manager()

    # Not columns: what feedback.room works out for each seat's row of the room.
    here: bool
    in_centre: bool
    presence: tuple[str | StrPromise, str] | None  # feedback.phases.presence_label

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["circle", "person"], name="fb_participant_once"),
            models.UniqueConstraint(fields=["circle", "position"], name="fb_position_once"),
        ]

    def __str__(self) -> str:
        return f"{self.person} in {self.circle}"

    def is_here(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return bool(self.last_seen and self.last_seen > now - PRESENCE_WINDOW)


class Step(models.Model):
    """The state before a facilitator step, so "undo" can restore it."""

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(max_length=20)
    phase = models.CharField(max_length=10)
    current_position = models.IntegerField()
    revealed_through = models.IntegerField()
    deadline = models.DateTimeField(null=True, blank=True)
    paused_remaining = models.PositiveIntegerField(null=True, blank=True)
    facilitator = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.action} in circle {self.circle_id}"


class CircleItemQuerySet(models.QuerySet["CircleItem"]):
    def visible_to(self, circle: Circle, viewer: Person) -> Self:
        """Items the viewer may see in this circle right now: their own, plus revealed
        rounds (the whole circle or only the recipient, per the circle's setting)."""
        own = Q(author=viewer)
        shown = Q(recipient_position__lte=circle.revealed_through)
        if circle.reveal_to == Circle.Audience.RECIPIENT:
            shown &= Q(recipient=viewer)
        return self.filter(circle=circle).filter(own | shown)


class CircleItem(models.Model):
    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="items")
    recipient = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    recipient_position = models.PositiveSmallIntegerField()
    author = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind)
    text = models.TextField(max_length=2000)
    decision = models.CharField(max_length=10, choices=Decision, default=Decision.PENDING)
    created_at = models.DateTimeField(default=timezone.now)

    objects = CircleItemQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["circle", "recipient_position"], name="fb_item_round")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.recipient_id}"

    @property
    def kind_label(self) -> str | StrPromise:
        """get_kind_display() without rebuilding the field's choices on every call: a room
        that has gone round shows thousands of items."""
        return KIND_LABELS.get(self.kind, self.kind)


class ActionItemQuerySet(models.QuerySet["ActionItem"]):
    def open_for(self, person: Person) -> Self:
        return self.filter(owner=person, done=False).select_related("circle")

    def for_room(self, circle: Circle, *, own: bool, centre_person_id: int | None) -> Self:
        """One query for what a room shows: this circle's action items (`own`), plus the
        open ones the person in the centre carries from any earlier circle, whoever sat in
        it (an action item follows its owner, not the group)."""
        wanted = Q(pk__in=[])
        if own:
            wanted |= Q(circle=circle)
        if centre_person_id is not None:
            wanted |= Q(owner_id=centre_person_id, done=False) & ~Q(circle=circle)
        return self.filter(wanted).select_related("owner")

    def in_summary(self, circle: Circle, viewer_id: int) -> Self:
        """A circle's action items as its summary shows them, with their owners: everyone's
        in a circle revealed to the whole circle (the commitments are shared there), only
        the viewer's own in one revealed to each recipient alone. feedback.room applies the
        same rule, shows_action_item, to the items its one query already holds."""
        shown = self.filter(circle=circle)
        if circle.reveal_to != Circle.Audience.CIRCLE:
            shown = shown.filter(owner_id=viewer_id)
        return shown.select_related("owner").order_by("id")


def shows_action_item(circle: Circle, action: ActionItem, viewer_id: int) -> bool:
    """ActionItemQuerySet.in_summary's rule for one of the circle's action items."""
    return action.circle_id == circle.pk and (
        circle.reveal_to == Circle.Audience.CIRCLE or action.owner_id == viewer_id
    )


class ActionItem(models.Model):
    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="action_items")
    owner = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=300)
    done = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text


# --- Circles as a regular practice ----------------------------------------------------------

# How many circles a year a team may choose (each a divisor of 12: the year splits into whole
# months, so each due period has a calendar name such as "2027 H1").
CADENCE_CHOICES = [
    (1, _("Once a year")),
    (2, _("Twice a year")),
    (3, _("Every four months")),
    (4, _("Every quarter")),
]
CENTRE_WINDOW = timedelta(days=365)


class CircleCadence(models.Model):
    """How often a team holds a feedback circle; its managers are reminded when one is due."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="circle_cadence")
    per_year = models.PositiveSmallIntegerField(choices=CADENCE_CHOICES, default=2)
    set_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.team}: {self.get_per_year_display()}"

    @property
    def months(self) -> int:
        return 12 // self.per_year

    def period_of(self, day: date) -> str:
        """The due period `day` falls in, named for the reminder's key (\"2027-1of2\")."""
        return f"{day.year}-{(day.month - 1) // self.months + 1}of{self.per_year}"

    def due_since(self, day: date) -> date:
        """A circle held on or after this date counts for the period ending on `day`."""
        month = day.month - self.months
        year = day.year
        while month < 1:
            month += 12
            year -= 1
        return date(year, month, min(day.day, 28))


def last_circle_with_reports(manager_id: int, team_id: int) -> Circle | None:
    """The latest circle (not cancelled) where `manager_id` sat with one of their active
    reports in the team. One query."""
    report_seat = Participant.objects.filter(
        circle_id=models.OuterRef("pk"),
        person__manager_id=manager_id,
        person__team_id=team_id,
        person__is_active=True,
    )
    return (
        Circle.objects.filter(participants__person_id=manager_id)
        .exclude(phase=Circle.Phase.CANCELLED)
        .filter(models.Exists(report_seat))
        .order_by("-scheduled_at", "-id")
        .first()
    )


def teams_of_manager(manager: Person, teams: models.QuerySet[Team]) -> list[Team]:
    """`teams` (the ones `manager` manages), each with its `circle_cadence` (or none) and
    `last_circle`: when the manager last sat (or will sit) in a circle, not cancelled, with
    one of their active reports in that team. One query."""
    report_seat = Participant.objects.filter(
        circle_id=models.OuterRef("pk"),
        person__manager_id=manager.pk,
        person__team_id=models.OuterRef(models.OuterRef("pk")),
        person__is_active=True,
    )
    last = (
        Circle.objects.filter(participants__person_id=manager.pk)
        .exclude(phase=Circle.Phase.CANCELLED)
        .filter(models.Exists(report_seat))
        .order_by("-scheduled_at")
        .values("scheduled_at")[:1]
    )
    return list(
        teams.select_related("circle_cadence")
        .annotate(last_circle=models.Subquery(last))
        .order_by("name")
    )


def reports_without_circle(manager: Person, today: date | None = None) -> PersonQuerySet:
    """The manager's active direct reports who have not sat in the centre of a circle
    (their round revealed) in the last year, each with `last_centre` (the latest time they
    did, or None). One query, whatever the number of reports or circles."""
    today = today or clock.today()
    since = datetime.combine(today - CENTRE_WINDOW, datetime.min.time(), tzinfo=UTC)
    centre = Participant.objects.filter(
        person_id=models.OuterRef("pk"),
        position__lte=models.F("circle__revealed_through"),
    ).exclude(circle__phase=Circle.Phase.CANCELLED)
    latest = centre.order_by("-circle__scheduled_at").values("circle__scheduled_at")[:1]
    return (
        Person.objects.filter(manager_id=manager.pk, is_active=True)
        .annotate(last_centre=models.Subquery(latest))
        .filter(Q(last_centre__isnull=True) | Q(last_centre__lt=since))
        .only("name", "email", "team_id")
        .order_by("name", "pk")
    )


# --- Written 360 ---------------------------------------------------------------------------


class FeedbackPolicy(models.Model):
    """One row (pk=1): company-wide settings for written feedback."""

    chain_may_read = models.BooleanField(
        default=False,
        help_text=_("The management chain may read the written feedback a person received."),
    )

    def __str__(self) -> str:
        return "Feedback policy"

    @classmethod
    def load(cls) -> FeedbackPolicy:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj

    @classmethod
    def chain_may_read_now(cls) -> bool:
        """The setting, read in one query without creating the row (pages read it on GET)."""
        return cls.objects.filter(pk=1, chain_may_read=True).exists()


DEFAULT_CAMPAIGN_TARGET = 10
REMIND_BEFORE_CLOSE = timedelta(days=7)


class Campaign(models.Model):
    name = models.CharField(max_length=120)
    opens_on = models.DateField()
    closes_on = models.DateField()
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    # How many colleagues each person is asked to write to (Netflix: 10 or more).
    target = models.PositiveSmallIntegerField(default=DEFAULT_CAMPAIGN_TARGET)
    repeats_yearly = models.BooleanField(default=False)
    # Set, once, when next year's campaign has been created from this one.
    repeated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opens_on"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls, today: date | None = None) -> Campaign | None:
        today = today or clock.today()
        return cls.objects.filter(opens_on__lte=today, closes_on__gte=today).first()


class FeedbackRequest(models.Model):
    requester = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    asked = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    question = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["answered_at", "created_at"], name="fb_request_open")]

    def __str__(self) -> str:
        return f"Request {self.pk}"


class WrittenFeedbackQuerySet(models.QuerySet["WrittenFeedback"]):
    def received_by(self, person: Person) -> Self:
        return self.filter(recipient=person).select_related("author")

    def given_by(self, person: Person) -> Self:
        return self.filter(author=person).select_related("recipient")


class WrittenFeedback(models.Model):
    author = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind)
    text = models.TextField(max_length=4000)
    decision = models.CharField(max_length=10, choices=Decision, default=Decision.PENDING)
    request = models.ForeignKey(
        FeedbackRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="answers"
    )
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = WrittenFeedbackQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="fb_written_recipient"),
            models.Index(fields=["author", "-created_at"], name="fb_written_author"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(author=models.F("recipient")), name="fb_not_self")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.author_id} to {self.recipient_id}"
