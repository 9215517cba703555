"""Freedom and responsibility (practice 3): the time-away board and the context guides.

No vacation policy and no approvals: a person notes when they will be away (no request, no
balance), and the company writes context instead of rules (the guides)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Self

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from culture.models import Person


def _team_and_below(viewer: Person) -> Q:
    """The viewer, their team and everyone below them in the reporting tree, as one set of
    person ids: the UNION of the three, each found by an index (the primary key, the team,
    the manager), whose time away is then looked up by person. Written as `person = me OR
    person IN (below) OR team = mine`, the OR kept Postgres from using any index: it read
    every stretch of time away in the company with its person. The tree is walked level by
    level (`under_by_level`), which Postgres expects to be small, so it looks each person's
    time away up rather than hashing the whole table (a manager's subtree is small)."""
    me = Person.objects.filter(pk=viewer.pk).values("id")
    below = Person.objects.under_by_level(viewer).values("id")
    if viewer.team_id:
        team = Person.objects.filter(team_id=viewer.team_id).values("id")
        return Q(person_id__in=me.union(below, team))
    return Q(person_id__in=me.union(below))


class TimeAwayQuerySet(models.QuerySet["TimeAway"]):
    def visible_to(self, viewer: Person) -> Self:
        """Entries `viewer` may see: their own, their team's and everyone's below them
        (people admins: everyone's), of active people. One query when evaluated."""
        qs = self.filter(person__is_active=True)
        if viewer.is_people_admin:
            return qs
        return qs.filter(_team_and_below(viewer))

    def of_team_and_reports(self, viewer: Person) -> Self:
        """What the home page shows: the viewer's team and everyone below them (not the
        whole company, even for people admins)."""
        return self.filter(_team_and_below(viewer), person__is_active=True)

    def overlapping(self, start: date, end: date) -> Self:
        """Away on at least one day from `start` to `end` (both included)."""
        return self.filter(starts_on__lte=end, ends_on__gte=start)

    def upcoming(self, today: date) -> Self:
        """Now or later, soonest first."""
        return self.filter(ends_on__gte=today).order_by("starts_on", "ends_on", "id")

    def for_list(self) -> Self:
        """What a list row shows: the entry and the person's name, team and manager."""
        return self.select_related("person", "person__team").only(
            "starts_on",
            "ends_on",
            "note",
            "person_id",
            "person__name",
            "person__manager_id",
            "person__team_id",
            "person__team__name",
        )


class TimeAway(models.Model):
    """One stretch of time away, both days included. Nobody approves it."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="time_away")
    starts_on = models.DateField(_("away from"))
    ends_on = models.DateField(_("back after"), help_text=_("The last day away."))
    note = models.CharField(
        max_length=140,
        blank=True,
        help_text=_(
            "Optional, for your team and your management chain: where to find cover, or “offline”."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TimeAwayQuerySet.as_manager()

    class Meta:
        ordering = ["starts_on", "id"]
        verbose_name_plural = _("time away")
        indexes = [models.Index(fields=["person", "ends_on"], name="timeaway_person_end_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="timeaway_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.starts_on} to {self.ends_on}"

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1


class FreedomSettings(models.Model):
    """One row (pk=1): when a manager is told that someone has not been away."""

    nudge_after_months = models.PositiveSmallIntegerField(
        _("tell a manager after this many months without time away"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text=_("Counted from the end of their last time away, or from when they started."),
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = _("freedom settings")

    def __str__(self) -> str:
        return gettext("Time-away settings")

    @classmethod
    def load(cls) -> FreedomSettings:
        # Read-only: a page that shows the settings writes nothing (tests/security/
        # test_requests.py: no GET changes state); saving the unsaved default inserts it.
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class GuideQuerySet(models.QuerySet["Guide"]):
    def for_list(self) -> Self:
        return (
            self.select_related("owner")
            .only("slug", "title", "summary", "last_reviewed_on", "owner__name")
            .order_by("title", "id")
        )


class Guide(models.Model):
    """The company's context on one subject (travel, spending, contracts, vacation):
    guidance to act in the company's best interest, not a rule with an approval chain."""

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=120)
    summary = models.CharField(
        max_length=200, blank=True, help_text=_("One line for the list of guides.")
    )
    body = models.TextField(_("text (Markdown)"), blank=True)
    owner = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="guides_owned",
        help_text=_("Who keeps it current and answers questions about it."),
    )
    last_reviewed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = GuideQuerySet.as_manager()

    class Meta:
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("guides:guide", args=[self.slug])

    def review_is_old(self, today: date) -> bool:
        """Not reviewed in the last year (the list marks it)."""
        return self.last_reviewed_on is None or self.last_reviewed_on < today - timedelta(days=365)
