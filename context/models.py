"""Context, not control (practice 9): a context page for the company and one per team.

Each page has four Markdown sections (SECTIONS). Every save is a ContextRevision with the
full text, who saved it, when, and the one-line "what changed" the editor wrote; the page row
holds the current text and its `version` (the number of the latest revision), which the edit
form carries so that two editors cannot silently overwrite each other (services.do_save_page).

A team's page exists from its first save; until then the team's page shows it has no context
yet (a GET never creates anything). Reads are named QuerySet methods; writes are services.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from culture.models import Person, Team

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# field, heading, what the editor is asked for
# (the heading and the request are translated when shown, in the reader's language)
SECTIONS = [
    ("north_star", _("North star"), _("Where we are going, and why it matters.")),
    (
        "current_bets",
        _("Current bets"),
        _("What we are betting on now, and what would change our mind."),
    ),
    (
        "will_not_do",
        _("What we will not do"),
        _("What we have decided against, so nobody has to ask."),
    ),
    (
        "numbers",
        _("The numbers people need to decide"),
        _("The figures someone needs to make a good call without asking anyone."),
    ),
]
SECTION_FIELDS = [name for name, _heading, _help in SECTIONS]
TEXT_MAX = 20_000


class ContextPageQuerySet(models.QuerySet["ContextPage"]):
    def company(self) -> Self:
        return self.filter(is_company=True)

    def for_select(self) -> Self:
        """The pages a memo can rely on, company first, then teams by name; only what the
        label needs (not the four texts)."""
        return (
            self.filter(Q(is_company=True) | Q(team__scim_deleted_at__isnull=True))
            .select_related("team")
            .only("is_company", "team__name", "team__slug")
            .order_by("-is_company", "team__name")
        )


class ContextPage(models.Model):
    """The company's page (is_company, no team) or one team's page."""

    is_company = models.BooleanField(default=False)
    team = models.OneToOneField(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="context_page"
    )
    north_star = models.TextField(blank=True)
    current_bets = models.TextField(blank=True)
    will_not_do = models.TextField(blank=True)
    numbers = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ContextPageQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["is_company"],
                condition=Q(is_company=True),
                name="context_one_company_page",
            ),
            models.CheckConstraint(
                condition=Q(is_company=True, team__isnull=True)
                | Q(is_company=False, team__isnull=False),
                name="context_company_or_team",
            ),
        ]

    def __str__(self) -> str:
        if self.is_company:
            return gettext("Company")
        return self.team.name if self.team else gettext("Team")

    def get_absolute_url(self) -> str:
        return self._url("")

    @property
    def title(self) -> str:
        return gettext("The company") if self.is_company else str(self)

    def _url(self, suffix: str, *args) -> str:
        if self.is_company:
            return reverse(f"context:company{suffix}", args=args)
        assert self.team is not None
        return reverse(f"context:team{suffix}", args=[self.team.slug, *args])

    def edit_url(self) -> str:
        return self._url("_edit")

    def history_url(self) -> str:
        return self._url("_history")

    def revision_url(self, number: int) -> str:
        return self._url("_revision", number)

    def sections(self) -> list[tuple[str, StrOrPromise, str]]:
        """(field, heading, text) for each section, in order."""
        return [(name, heading, getattr(self, name)) for name, heading, _help in SECTIONS]

    def is_empty(self) -> bool:
        return not any(getattr(self, name).strip() for name in SECTION_FIELDS)


class ContextRevisionQuerySet(models.QuerySet["ContextRevision"]):
    def for_history(self) -> Self:
        """Newest first, with the author's name: not the texts."""
        return (
            self.select_related("author")
            .only("page_id", "number", "created_at", "summary", "author__name")
            .order_by("-number")
        )


class ContextRevision(models.Model):
    """One save of a page: the full text of every section, as it was saved."""

    page = models.ForeignKey(ContextPage, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    author = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    summary = models.CharField(_("what changed"), max_length=200)
    north_star = models.TextField(blank=True)
    current_bets = models.TextField(blank=True)
    will_not_do = models.TextField(blank=True)
    numbers = models.TextField(blank=True)

    objects = ContextRevisionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["page", "number"], name="context_revision_number")
        ]
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"{self.page_id} #{self.number}: {self.summary}"
