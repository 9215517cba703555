"""Feedback circles (live 360s) and written 360 feedback.

Reads are named QuerySet methods; writes live in services.py.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from culture import clock
from culture.models import Person

PRESENCE_WINDOW = timedelta(seconds=30)


class Kind(models.TextChoices):
    START = "start", "Start"
    STOP = "stop", "Stop"
    CONTINUE = "continue", "Continue"


KIND_LABELS = dict(Kind.choices)


class Decision(models.TextChoices):
    PENDING = "pending", "Not decided"
    ACCEPTED = "accepted", "Accepted"
    DISCARDED = "discarded", "Discarded"


# --- Circles ------------------------------------------------------------------------------


class CircleQuerySet(models.QuerySet):
    def for_participant(self, person):
        return self.filter(participants__person=person)

    def upcoming_for(self, person):
        return (
            self.for_participant(person)
            .exclude(phase__in=[Circle.Phase.ENDED, Circle.Phase.CANCELLED])
            .select_related("facilitator")
            .order_by("scheduled_at", "id")
        )


class Circle(models.Model):
    class Phase(models.TextChoices):
        LOBBY = "lobby", "Lobby"
        WRITING = "writing", "Writing"
        REVEALED = "revealed", "Revealed"
        WRAPUP = "wrapup", "Wrap-up"
        ENDED = "ended", "Ended"
        CANCELLED = "cancelled", "Cancelled"

    class Audience(models.TextChoices):
        CIRCLE = "circle", "The whole circle"
        RECIPIENT = "recipient", "Only the recipient"

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

    def seconds_left(self, now=None) -> int | None:
        if self.paused_remaining is not None:
            return self.paused_remaining
        if self.deadline is None:
            return None
        now = now or timezone.now()
        return max(0, int((self.deadline - now).total_seconds()))


class ParticipantQuerySet(models.QuerySet):
    def present(self):
        return self.filter(left_at__isnull=True)

    def writers_count(self, recipient: Participant) -> dict:
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

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["circle", "person"], name="fb_participant_once"),
            models.UniqueConstraint(fields=["circle", "position"], name="fb_position_once"),
        ]

    def __str__(self) -> str:
        return f"{self.person} in {self.circle}"

    def is_here(self, now=None) -> bool:
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


class CircleItemQuerySet(models.QuerySet):
    def visible_to(self, circle: Circle, viewer: Person):
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
    def kind_label(self) -> str:
        """get_kind_display() without rebuilding the field's choices on every call: a room
        that has gone round shows thousands of items."""
        return KIND_LABELS.get(self.kind, self.kind)


class ActionItemQuerySet(models.QuerySet):
    def open_for(self, person):
        return self.filter(owner=person, done=False).select_related("circle")


class ActionItem(models.Model):
    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="action_items")
    owner = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=300)
    done = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]

    # --- Written 360 ---------------------------------------------------------------------------

    def __str__(self) -> str:
        return self.text


class FeedbackPolicy(models.Model):
    """One row (pk=1): company-wide settings for written feedback."""

    chain_may_read = models.BooleanField(
        default=False,
        help_text="The management chain may read the written feedback a person received.",
    )

    def __str__(self) -> str:
        return "Feedback policy"

    @classmethod
    def load(cls) -> FeedbackPolicy:
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj

    @classmethod
    def chain_may_read_now(cls) -> bool:
        """The setting, read in one query without creating the row (pages read it on GET)."""
        return cls.objects.filter(pk=1, chain_may_read=True).exists()


class Campaign(models.Model):
    name = models.CharField(max_length=120)
    opens_on = models.DateField()
    closes_on = models.DateField()
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-opens_on"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls, today=None):
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


class WrittenFeedbackQuerySet(models.QuerySet):
    def received_by(self, person):
        return self.filter(recipient=person).select_related("author")

    def given_by(self, person):
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
