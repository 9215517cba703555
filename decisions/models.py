"""Decision memos: farm for dissent, make the bet, celebrate or sunshine it.

Reads are named QuerySet methods; writes live in services.py.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Self

from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector, SearchVectorField
from django.db import models
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from culture import clock
from culture.links import url_maker
from culture.models import Person, Team
from culture.paging import CappedPage, CappedPaginator

MIN_SCORE = -10
MAX_SCORE = 10
SCORES = list(range(MIN_SCORE, MAX_SCORE + 1))

# The memo template's sections: (heading, prompt). Marked for translation; a new memo
# starts from memo_template() in its writer's language. MEMO_TEMPLATE is the English text
# (the column's default), and decisions.body recognises a prompt left in any language.
TEMPLATE_SECTIONS: list[tuple[str, str]] = [
    (gettext_noop("Context"), gettext_noop("What is happening, and why does it matter now?")),
    (gettext_noop("The proposal"), gettext_noop("What exactly do we want to do?")),
    (
        gettext_noop("Options considered"),
        gettext_noop("What else could we do, including doing nothing?"),
    ),
    (
        gettext_noop("What we would test"),
        gettext_noop("How could we learn cheaply whether this works before betting big?"),
    ),
    (gettext_noop("Risks"), gettext_noop("What could go wrong, and who would feel it?")),
    (
        gettext_noop("When we decide"),
        gettext_noop("The date the captain makes the call, and what would change it."),
    ),
]
PROPOSAL_HEADING = TEMPLATE_SECTIONS[1][0]


def _template(sections: list[tuple[str, str]]) -> str:
    return "\n".join(f"## {heading}\n{prompt}\n" for heading, prompt in sections)


MEMO_TEMPLATE = _template(TEMPLATE_SECTIONS)


def memo_template() -> str:
    """The memo template in the active language (a new memo's starting text)."""
    return _template([(gettext(h), gettext(p)) for h, p in TEMPLATE_SECTIONS])


def memo_url(pk: int) -> str:
    """A memo's page (reversed once per script prefix: a feed page links twenty)."""
    return url_maker("decisions:memo")(pk)


FEED_PAGE_SIZE = 20
# What a feed card shows: not the body or the search vector.
FEED_CARD_FIELDS = (
    "title",
    "state",
    "outcome",
    "confidential",
    "captain__name",
    "decide_by",
    "rating_count",
    "rating_low",
    "rating_high",
    "hide_spread",
    "reasons_after_rating",
    "published_at",
)
SEARCH_CAP = 1000  # matches a search counts and pages through, best ranked first


class MemoQuerySet(models.QuerySet["Memo"]):
    def visible_to(self, user: Person | AnonymousUser) -> Self:
        """Memos `user` may know exist: published non-confidential memos, confidential
        ones they are named on, and drafts they captain or co-author."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        mine = Q(captain_id=user.pk) | Exists(
            Memo.co_authors.through.objects.filter(memo_id=OuterRef("pk"), person_id=user.pk)
        )
        named = Exists(
            Memo.readers.through.objects.filter(memo_id=OuterRef("pk"), person_id=user.pk)
        )
        published = ~Q(state=Memo.State.DRAFT)
        # The same rule as "mine | published & (not confidential | named)", with the arm
        # most memos pass first: Postgres tries an OR's arms in the order written, so each
        # public memo no longer runs the co-author subquery (bench/README.md, item 29).
        return self.filter((published & Q(confidential=False)) | mine | (published & named))

    def published(self) -> Self:
        return self.exclude(state=Memo.State.DRAFT)

    def with_spread(self, today: date, viewer: Person | None = None) -> Self:
        """Lowest and highest rating and the spread between them; None while the captain
        hides the spread and the window is open, and (for `viewer`) while the memo shows
        the others' ratings only after rating and the viewer has not rated. The numbers are
        kept on the memo row by services.do_rate (under the memo lock), so sorting by
        dissent needs no aggregate."""
        window = Q(state=Memo.State.OPEN) & (Q(decide_by__isnull=True) | Q(decide_by__gte=today))
        hidden = window & Q(hide_spread=True)
        if viewer is not None:
            hidden |= (
                window
                & Q(reasons_after_rating=True)
                & ~Q(captain_id=viewer.pk)
                & ~Q(Exists(Rating.objects.filter(memo_id=OuterRef("pk"), person_id=viewer.pk)))
            )
        return self.annotate(
            low_score=models.Case(models.When(hidden, then=None), default=F("rating_low")),
            high_score=models.Case(models.When(hidden, then=None), default=F("rating_high")),
        ).annotate(spread=F("high_score") - F("low_score"))

    def waiting_for_rating_by(self, user: Person, today: date) -> Self:
        """Open memos the user has not rated yet (open window only)."""
        return (
            self.filter(state=Memo.State.OPEN)
            .exclude(captain_id=user.pk)
            .filter(
                Q(decide_by__isnull=True) | Q(decide_by__gte=today),
                ~Exists(Rating.objects.filter(memo_id=OuterRef("pk"), person_id=user.pk)),
            )
        )

    def invited(self, user: Person) -> Self:
        return self.filter(
            Exists(Invitation.objects.filter(memo_id=OuterRef("pk"), person_id=user.pk))
        )

    def needing_outcome_for(self, user: Person, today: date) -> Self:
        """My decided memos whose look-back date has come."""
        return self.filter(captain_id=user.pk, state=Memo.State.DECIDED, look_back_on__lte=today)

    def for_feed(self) -> Self:
        """With the captain, and the teams as a list, `feed_teams` (a card reads a list,
        not a queryset per card)."""
        return self.select_related("captain").prefetch_related(
            Prefetch("teams", to_attr="feed_teams")
        )

    def feed_page(self, number: int | str | None, *, viewer: Person, today: date) -> CappedPage:
        """One page of feed cards in this queryset's order, counted up to 1,000 and loaded
        with only what a card shows: the feed costs the same at 100 or 100,000 memos.
        Four queries (count, page, teams, the page's spreads)."""
        memos = self.for_feed().only(*FEED_CARD_FIELDS)
        page = CappedPaginator(memos, FEED_PAGE_SIZE).get_page(number)
        return _spread_shown(page, viewer, today)

    def search_page(self, number: int | str | None, *, viewer: Person, today: date) -> CappedPage:
        """One page of a ranked search (`search(capped=True)`), as feed cards. One statement
        ranks the best SEARCH_CAP + 1 matches (ids only), which are counted and paged here;
        only the page's 20 are loaded, with their captain and teams, and through the visibility
        rule again, so a memo made confidential since the ranking drops out rather than
        showing. Before, the count and the page each scanned every match, and the page
        joined every person to every match before sorting. Four queries (with the
        page's spreads)."""
        ranked = list(self.values_list("pk", flat=True)[: SEARCH_CAP + 1])
        page = CappedPaginator(ranked, FEED_PAGE_SIZE, cap=SEARCH_CAP).get_page(number)
        shown = Memo.objects.visible_to(viewer).for_feed().only(*FEED_CARD_FIELDS)
        cards = shown.in_bulk(page.object_list)
        page.object_list = [cards[pk] for pk in page.object_list if pk in cards]
        return _spread_shown(page, viewer, today)

    def drafts_of(self, person: Person) -> Self:
        """The drafts `person` captains or co-authors, last published first (a draft sent
        back keeps its date). One indexed arm each: an OR of the two made Postgres walk
        every memo in published order."""
        drafts = self.filter(state=Memo.State.DRAFT).only("title", "updated_at", "published_at")
        return (
            drafts.filter(captain_id=person.pk)
            .union(drafts.filter(co_authors=person))
            .order_by("-published_at", "-id")
        )

    def search(self, text: str, *, capped: bool = False) -> Self:
        """Full-text search over title and body, ranked (title weighs more).

        capped: rank only the newest SEARCH_CAP + 1 matches, as many as a search page
        counts and pages through. Ranking every match read and ranked every memo with a
        common word (a third of the company's memos), where the newest matches are found
        by walking the memos newest first until there are enough, or from the search index
        when the word is rare. Past the cap (shown as "1,000+") the best of the newest
        matches come first, not the best of all."""
        query = SearchQuery(text, search_type="websearch", config="english")
        matches = self.filter(search_vector=query)
        if capped:
            newest = matches.order_by("-id").values("pk")[: SEARCH_CAP + 1]
            matches = self.filter(pk__in=newest)
        return matches.annotate(rank=SearchRank(F("search_vector"), query)).order_by("-rank", "-id")


def _strip(counts: dict[int, int]) -> list[dict[str, Any]]:
    """A feed card's small histogram: each score's count, tone and bar height (0 to 24)."""
    top = max(counts.values(), default=0) or 1
    return [
        {
            "label": f"{score:+d}" if score else "0",
            "count": counts.get(score, 0),
            "tone": "neg" if score < 0 else ("pos" if score > 0 else "zero"),
            "shade": score_shade(score),
            "height": round(24 * counts.get(score, 0) / top),
        }
        for score in SCORES
    ]


def score_shade(score: int) -> int:
    """How deep a score's colour is on the diverging scale: 0 (zero) to 3 (±8 to ±10)."""
    n = abs(score)
    return 0 if not n else (1 if n <= 3 else (2 if n <= 7 else 3))


def _spread_shown(page: CappedPage, viewer: Person, today: date) -> CappedPage:
    """For each card: whether it shows its spread to `viewer` (the rules of with_spread(),
    applied in Python to the 20 rows shown), its strip of the histogram when it does, and
    whether it waits for the viewer's rating. One query for the page: the count of each
    score of each card, and whether the viewer is among them."""
    memos = list(page.object_list)
    mine = Count("pk", filter=Q(person_id=viewer.pk))
    rows = (
        Rating.objects.filter(memo_id__in=[m.pk for m in memos])
        .order_by()
        .values("memo_id", "score")
        .annotate(n=Count("pk"), mine=mine)
    )
    counts: dict[int, dict[int, int]] = {}
    rated: set[int] = set()
    for row in rows:
        counts.setdefault(row["memo_id"], {})[row["score"]] = row["n"]
        if row["mine"]:
            rated.add(row["memo_id"])
    for memo in memos:
        memo.rated_by_me = memo.pk in rated
        memo.waiting_for_me = (
            memo.state == Memo.State.OPEN
            and (memo.decide_by is None or memo.decide_by >= today)
            and memo.captain_id != viewer.pk
            and not memo.rated_by_me
        )
        memo.spread_waits_for_rating = memo.results_hidden_from(
            viewer, has_rated=memo.rated_by_me, today=today
        )
        memo.spread_shown = not memo.spread_hidden_on(today) and not memo.spread_waits_for_rating
        memo.strip = _strip(counts.get(memo.pk, {})) if memo.spread_shown else []
    return page


def _spread() -> dict[str, Any]:
    """A memo's rating count, lowest and highest rating, as expressions over its ratings,
    for an UPDATE: counted in the same statement that writes them, so two people rating at
    once cannot leave a count that misses one of them."""
    ratings = Rating.objects.filter(memo_id=OuterRef("pk")).order_by().values("memo_id")
    return {
        "rating_count": Coalesce(Subquery(ratings.annotate(n=Count("pk")).values("n")), Value(0)),
        "rating_low": Subquery(ratings.annotate(low=Min("score")).values("low")),
        "rating_high": Subquery(ratings.annotate(high=Max("score")).values("high")),
    }


def refresh_spread(memo_id: int) -> None:
    """Recompute one memo's rating count, lowest and highest rating (one statement)."""
    Memo.objects.filter(pk=memo_id).update(**_spread())


def refresh_all_spreads() -> None:
    """Recompute every memo's rating numbers in one statement (after bulk inserts)."""
    Memo.objects.update(**_spread())


class Memo(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open for dissent")
        TESTING = "testing", _("Testing")
        DECIDED = "decided", _("Decided")
        OUTCOME = "outcome", _("Outcome recorded")

    class Bet(models.TextChoices):
        GO = "go", _("Go")
        NO_GO = "no_go", _("No-go")
        CHANGED = "changed", _("Changed plan")

    class Outcome(models.TextChoices):
        WENT_WELL = "went_well", _("Went well")
        DID_NOT = "did_not", _("Did not go well")
        STILL_OPEN = "still_open", _("Still open")

    title = models.CharField(max_length=200)
    captain = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="captained_memos")
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    co_authors = models.ManyToManyField(Person, blank=True, related_name="coauthored_memos")
    body = models.TextField(default=MEMO_TEMPLATE)
    teams = models.ManyToManyField(Team, blank=True, related_name="memos")
    # The context pages (company, teams) the memo relies on; each page lists its memos.
    context_pages = models.ManyToManyField(
        "context.ContextPage",
        blank=True,
        related_name="memos",
        verbose_name=_("context it relies on"),
    )
    decide_by = models.DateField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    confidential = models.BooleanField(default=False)
    readers = models.ManyToManyField(Person, blank=True, related_name="readable_memos")
    hide_spread = models.BooleanField(default=False)
    # Chosen by the captain when publishing: while the window is open, a colleague sees the
    # others' ratings and reasons only once they have rated (Memo.results_hidden_from).
    reasons_after_rating = models.BooleanField(
        default=False, verbose_name=_("show the others' reasons only after rating")
    )
    test_description = models.TextField(blank=True)
    test_results = models.TextField(blank=True)
    bet = models.CharField(max_length=10, choices=Bet.choices, blank=True)
    bet_why = models.TextField(blank=True)
    look_back_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    celebration = models.TextField(blank=True)
    sunshine_happened = models.TextField(blank=True)
    sunshine_learned = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)
    # Kept by services.do_rate under the memo lock (read through with_spread()).
    rating_count = models.PositiveIntegerField(default=0)
    rating_low = models.SmallIntegerField(null=True, blank=True)
    rating_high = models.SmallIntegerField(null=True, blank=True)
    search_vector = models.GeneratedField(
        expression=SearchVector("title", weight="A", config="english")
        + SearchVector("body", weight="B", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = MemoQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            GinIndex(fields=["search_vector"], name="memo_search_idx"),
            # Open memos by decide-by, then id: the order of "waiting for my rating" and of
            # the "closing soon" sort, read from the index and stopped at the first few, even
            # where many memos share a decide-by date.
            models.Index(fields=["state", "decide_by", "id"], name="memo_state_decide_idx"),
            models.Index(fields=["captain", "state"], name="memo_captain_idx"),
            # The feed's order, published memos only: drafts have no published_at, so they
            # sort first in it, and a feed page walked past every draft (1,109 of 10,000
            # memos in the benchmark) before its first card.
            models.Index(
                fields=["-published_at", "-id"],
                condition=~Q(state="draft"),
                name="memo_published_newest_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return memo_url(self.pk)

    @property
    def window_open(self) -> bool:
        """Ratings are accepted while the memo is open and its decide-by date has not passed."""
        if self.state != self.State.OPEN:
            return False
        return self.decide_by is None or clock.today() <= self.decide_by

    def spread_hidden_on(self, today: date) -> bool:
        """The rule MemoQuerySet.with_spread applies in SQL, for one loaded memo."""
        return (
            self.hide_spread
            and self.state == self.State.OPEN
            and (self.decide_by is None or self.decide_by >= today)
        )

    def spread_visible(self, window_open: bool) -> bool:
        return not (self.hide_spread and window_open)

    def results_wait_for_rating(self, today: date) -> bool:
        """The captain chose "reasons after rating" and the window is still open: a viewer
        who has not rated (and is not the captain) sees neither the spread nor reasons."""
        return (
            self.reasons_after_rating
            and self.state == self.State.OPEN
            and (self.decide_by is None or self.decide_by >= today)
        )

    def results_hidden_from(self, user: Person, *, has_rated: bool, today: date) -> bool:
        """Whether `user` may not see the others' ratings and reasons yet."""
        return self.results_wait_for_rating(today) and not has_rated and user.pk != self.captain_id

    def is_author(self, user: Person) -> bool:
        return user.pk == self.captain_id or any(p.pk == user.pk for p in self.co_authors.all())


class Rating(models.Model):
    """One signed rating per person per memo, changeable while the window is open."""

    memo = models.ForeignKey(Memo, on_delete=models.CASCADE, related_name="ratings")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memo_ratings")
    score = models.SmallIntegerField()
    reason = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    # Not a column: the memo page attaches a rating's earlier versions (views/memo.py).
    history: list[RatingRevision]

    class Meta:
        ordering = ["score", "updated_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["memo", "person"], name="rating_one_per_person"),
            models.CheckConstraint(
                condition=Q(score__gte=MIN_SCORE) & Q(score__lte=MAX_SCORE),
                name="rating_score_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} rated {self.memo_id}: {self.score:+d}"


class RatingRevision(models.Model):
    """Every version of a rating, so a changed mind stays visible."""

    rating = models.ForeignKey(Rating, on_delete=models.CASCADE, related_name="revisions")
    score = models.SmallIntegerField()
    reason = models.TextField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.rating_id}@{self.at:%Y-%m-%d}: {self.score:+d}"


class Invitation(models.Model):
    """The captain asked this person to weigh in."""

    memo = models.ForeignKey(Memo, on_delete=models.CASCADE, related_name="invitations")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    invited_by = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["memo", "person"], name="invitation_once"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} invited to {self.memo_id}"


class Comment(models.Model):
    memo = models.ForeignKey(Memo, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    # Not a column: the memo page threads the replies (decisions/views/memo.py, _thread).
    thread_replies: list[Comment]

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["memo", "created_at"], name="comment_memo_idx")]

    def __str__(self) -> str:
        return f"comment {self.pk} on {self.memo_id}"


class RevisitRequest(models.Model):
    """Disagree, then commit: ask the captain to look again with new information."""

    memo = models.ForeignKey(Memo, on_delete=models.CASCADE, related_name="revisit_requests")
    requested_by = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    new_information = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"revisit {self.memo_id} by {self.requested_by_id}"


class FeedPostQuerySet(models.QuerySet["FeedPost"]):
    def visible_to(self, user: Person | AnonymousUser) -> Self:
        """The posts of memos `user` may see (Memo.objects.visible_to)."""
        return self.filter(memo__in=Memo.objects.visible_to(user).values("pk"))

    def for_feed(self) -> Self:
        """Newest first, with what a post shows: not the memo's body and search vector,
        not the captain's whole row."""
        return (
            self.select_related("memo", "memo__captain")
            .only(
                "kind",
                "created_at",
                "memo__title",
                "memo__celebration",
                "memo__sunshine_learned",
                "memo__captain__name",
            )
            .order_by("-created_at", "-id")
        )


class FeedPost(models.Model):
    """A celebration or a sunshine write-up posted to the company feed."""

    class Kind(models.TextChoices):
        CELEBRATION = "celebration", _("Celebration")
        SUNSHINE = "sunshine", _("Sunshine")

    memo = models.ForeignKey(Memo, on_delete=models.CASCADE, related_name="posts")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    objects = FeedPostQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["-created_at", "-id"], name="feedpost_newest_idx")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.memo_id}"


class BetReview(models.Model):
    """A manager's twice-yearly review of the team's bets (period like "2026-H2")."""

    manager = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="bet_reviews")
    period = models.CharField(max_length=7)
    due_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["manager", "period"], name="bet_review_per_period"),
        ]

    def __str__(self) -> str:
        return f"bet review {self.period} by {self.manager_id}"
