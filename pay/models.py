"""Models of the pay app: market data, pay policy, exchange rates, pay history, evidence,
raise proposals and import jobs.

Money is always a `Decimal` with an ISO currency code. There is no bonus field anywhere:
pay is salary (plus the person's chosen cash / stock split).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any, NoReturn, Self

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from culture.models import Person
from culture.request_local import once_per_request

PERCENTILES = (10, 25, 50, 75, 90)
PERCENTILE_CHOICES = [(p, f"P{p}") for p in PERCENTILES]
CURRENCY_VALIDATOR = RegexValidator(r"^[A-Z]{3}$", _("Use a three-letter ISO currency code."))
# The reasons a pay record gets when nobody wrote one (stored in English as here; shown in the
# reader's language while unchanged: pay_tags.pay_reason).
REASON_IMPORTED = "Imported"
REASON_PROPOSAL = "Raise proposal"
DEFAULT_REASONS = {REASON_IMPORTED: _("Imported"), REASON_PROPOSAL: _("Raise proposal")}
# Every money column: 14 digits, 2 after the point. Passed by name, not as **dict, so that
# mypy's Django plugin sees each field's arguments (and its null=True) as written.
MONEY_DIGITS = 14
MONEY_PLACES = 2


def currency_field(**kwargs: Any) -> models.CharField:
    return models.CharField(max_length=3, validators=[CURRENCY_VALIDATOR], **kwargs)


# --- Market data -------------------------------------------------------------------------


class MarketDataSetQuerySet(models.QuerySet["MarketDataSet"]):
    def in_force(self, on: date) -> Self:
        """Data sets in force on `on`, newest first."""
        return self.filter(effective_date__lte=on).order_by("-effective_date", "-id")

    def newest_in_force(self, on: date) -> MarketDataSet | None:
        return self.in_force(on).first()


class MarketDataSet(models.Model):
    source = models.CharField(max_length=120)
    effective_date = models.DateField()
    currency = currency_field()
    created_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    row_count = models.PositiveIntegerField(default=0)

    objects = MarketDataSetQuerySet.as_manager()

    class Meta:
        ordering = ["-effective_date", "-id"]
        indexes = [models.Index(fields=["-effective_date", "-id"], name="pay_dataset_eff_idx")]

    def __str__(self) -> str:
        return f"{self.source} ({self.effective_date:%Y-%m-%d}, {self.currency})"


class MarketBenchmark(models.Model):
    """One row of a market data set: base salary percentiles (and optionally total cash and
    equity percentiles) for a job family, level and location."""

    data_set = models.ForeignKey(MarketDataSet, on_delete=models.CASCADE, related_name="rows")
    job_family = models.CharField(max_length=80)
    level = models.PositiveSmallIntegerField()
    location = models.CharField(max_length=80)
    base_p10 = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
    base_p25 = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
    base_p50 = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
    base_p75 = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
    base_p90 = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
    total_cash_p10 = models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, null=True, blank=True
    )
    total_cash_p25 = models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, null=True, blank=True
    )
    total_cash_p50 = models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, null=True, blank=True
    )
    total_cash_p75 = models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, null=True, blank=True
    )
    total_cash_p90 = models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, null=True, blank=True
    )
    equity_p10 = models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, null=True, blank=True
    )
    equity_p25 = models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, null=True, blank=True
    )
    equity_p50 = models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, null=True, blank=True
    )
    equity_p75 = models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, null=True, blank=True
    )
    equity_p90 = models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, null=True, blank=True
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["data_set", "job_family", "level", "location"],
                name="pay_benchmark_unique_key",
            ),
            models.CheckConstraint(
                condition=Q(base_p10__gt=0)
                & Q(base_p25__gte=models.F("base_p10"))
                & Q(base_p50__gte=models.F("base_p25"))
                & Q(base_p75__gte=models.F("base_p50"))
                & Q(base_p90__gte=models.F("base_p75")),
                name="pay_benchmark_base_non_decreasing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.job_family} L{self.level} {self.location}"

    @property
    def base_band(self) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal]:
        return (self.base_p10, self.base_p25, self.base_p50, self.base_p75, self.base_p90)


# --- Policy and exchange rates ------------------------------------------------------------


class PayPolicy(models.Model):
    """One row (pk=1): the company's pay policy."""

    target_percentile = models.PositiveSmallIntegerField(
        choices=PERCENTILE_CHOICES,
        default=90,
        help_text=_("Where in the market we aim to pay by default (P90: top of market)."),
    )
    employees_see_market_position = models.BooleanField(
        default=False,
        help_text=_("Employees may see their own position against the market."),
    )
    review_month = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("The month of the yearly pay review (1 = January)."),
    )
    mix_window_start = models.DateField(
        null=True,
        blank=True,
        help_text=_("First day on which people choose their cash / stock mix for the year."),
    )
    mix_window_end = models.DateField(
        null=True,
        blank=True,
        help_text=_("Last day of the cash / stock choice window (inclusive)."),
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = _("pay policy")
        constraints = [
            models.CheckConstraint(
                condition=Q(mix_window_start__isnull=True, mix_window_end__isnull=True)
                | Q(mix_window_end__gte=models.F("mix_window_start")),
                name="pay_policy_mix_window_order",
            )
        ]

    def __str__(self) -> str:
        return f"Pay policy (P{self.target_percentile})"

    def mix_window_open(self, today: date) -> bool:
        """Whether people may choose their cash / stock mix on `today` (inclusive dates)."""
        return (
            self.mix_window_start is not None
            and self.mix_window_end is not None
            and self.mix_window_start <= today <= self.mix_window_end
        )

    @property
    def mix_year(self) -> int | None:
        """The year a choice made in the window is for: the window's own year."""
        return self.mix_window_start.year if self.mix_window_start else None

    @classmethod
    def load(cls) -> PayPolicy:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj

    @classmethod
    def current(cls) -> PayPolicy:
        """The policy for reading (one query per request, never a write): defaults until
        saved. The pay page and its comparison both read it."""
        return once_per_request("pay_policy", lambda: cls.objects.filter(pk=1).first() or cls(pk=1))


class TargetOverride(models.Model):
    """A per-job-family target percentile (e.g. P50 for operational roles)."""

    job_family = models.CharField(max_length=80, unique=True)
    target_percentile = models.PositiveSmallIntegerField(choices=PERCENTILE_CHOICES)

    class Meta:
        ordering = ["job_family"]

    def __str__(self) -> str:
        return f"{self.job_family}: P{self.target_percentile}"


class ExchangeRate(models.Model):
    """1 unit of `from_currency` = `rate` units of `to_currency`, from `effective_date`."""

    from_currency = currency_field()
    to_currency = currency_field()
    rate = models.DecimalField(max_digits=18, decimal_places=8)
    effective_date = models.DateField()
    created_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["from_currency", "to_currency", "-effective_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_currency", "to_currency", "effective_date"],
                name="pay_rate_unique_day",
            ),
            models.CheckConstraint(condition=Q(rate__gt=0), name="pay_rate_positive"),
            models.CheckConstraint(
                condition=~Q(from_currency=models.F("to_currency")), name="pay_rate_two_currencies"
            ),
        ]

    def __str__(self) -> str:
        return f"1 {self.from_currency} = {self.rate} {self.to_currency} ({self.effective_date})"


# --- Pay history ----------------------------------------------------------------------------


class PayRecordQuerySet(models.QuerySet["PayRecord"]):
    def current_for(self, person_ids: Iterable[int], on: date) -> Self:
        """The record in force on `on` for each person (one query, DISTINCT ON)."""
        return (
            self.filter(person_id__in=person_ids, effective_date__lte=on)
            .order_by("person_id", "-effective_date", "-id")
            .distinct("person_id")
        )

    def history_of(self, person: Person) -> Self:
        return (
            self.filter(person=person)
            .select_related("recorded_by")
            .order_by("-effective_date", "-id")
        )


class PayRecord(models.Model):
    """Append-only pay history. Current pay is the newest record in force.

    The database refuses UPDATE and DELETE on this table (trigger in migration 0002); the
    model refuses them too. There is deliberately no bonus field.
    """

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="pay_records")
    effective_date = models.DateField()
    base_salary = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
    currency = currency_field()
    cash_percent = models.PositiveSmallIntegerField(
        default=100,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("The person's chosen cash share for the year; the rest is stock."),
    )
    recorded_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    proposal = models.OneToOneField(
        "RaiseProposal",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pay_record",
    )

    objects = PayRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-effective_date", "-id"]
        indexes = [
            models.Index(fields=["person", "-effective_date", "-id"], name="pay_record_current_idx")
        ]
        constraints = [
            models.CheckConstraint(condition=Q(base_salary__gt=0), name="pay_record_positive"),
            models.CheckConstraint(
                condition=Q(cash_percent__gte=0, cash_percent__lte=100),
                name="pay_record_cash_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"Pay record {self.pk} ({self.effective_date})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("Pay records are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError("Pay records are append-only.")

    @property
    def stock_percent(self) -> int:
        return 100 - self.cash_percent


# --- Personal market evidence ----------------------------------------------------------------


class MarketEvidenceQuerySet(models.QuerySet["MarketEvidence"]):
    def shared_by(self, person: Person) -> Self:
        """What `person` shared of their own market, newest first (never the attachment's
        bytes: they live in EvidenceAttachment and are read only by the download view)."""
        return self.filter(person=person, shared_by_person=True).order_by("-observed_on", "-id")


class MarketEvidence(models.Model):
    """The three questions, per person: recorded by their chain, or shared by the person
    themself (an offer or a recruiter's figure, `shared_by_person`), which counts the same."""

    class Kind(models.TextChoices):
        OUTSIDE_OFFER = "offer", _("Outside offer")
        RECRUITER_QUOTE = "quote", _("Recruiter quote")
        REPLACEMENT_COST = "replace", _("Cost to replace them")
        KEEP_AT = "keep", _("What we would pay to keep them")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="market_evidence")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    amount = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
    currency = currency_field()
    observed_on = models.DateField(help_text=_("When the offer, quote or estimate was made."))
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    shared_by_person = models.BooleanField(
        default=False, help_text=_("Shared by the person themself with their chain.")
    )
    attachment_name = models.CharField(max_length=200, blank=True)
    attachment_type = models.CharField(max_length=40, blank=True)
    attachment_size = models.PositiveIntegerField(default=0)

    objects = MarketEvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["-observed_on", "-id"]
        indexes = [models.Index(fields=["person", "-observed_on"], name="pay_evidence_person_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="pay_evidence_positive")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.observed_on})"


class EvidenceAttachment(models.Model):
    """The bytes of a shared evidence's attachment, kept in the database like the salaries
    themselves (never under MEDIA or static URLs): served only by pay:evidence_attachment,
    which checks access and audits the read. Goes with its evidence (withdrawn, erased)."""

    evidence = models.OneToOneField(
        MarketEvidence, primary_key=True, on_delete=models.CASCADE, related_name="attachment"
    )
    content = models.BinaryField()

    def __str__(self) -> str:
        return f"Attachment of evidence {self.pk}"


# --- Cash / stock mix ------------------------------------------------------------------------


class CashMixChoice(models.Model):
    """A person's own choice of cash share for a year (the rest is stock), made in the
    policy's window and carried by their next pay record (`applied_to`)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="cash_mix_choices")
    year = models.PositiveSmallIntegerField()
    cash_percent = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    chosen_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    chosen_at = models.DateTimeField(default=timezone.now)
    applied_to = models.OneToOneField(
        PayRecord, null=True, blank=True, on_delete=models.SET_NULL, related_name="mix_choice"
    )

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["person", "year"], name="pay_mix_one_per_year"),
            models.CheckConstraint(
                condition=Q(cash_percent__gte=0, cash_percent__lte=100)
                & Q(cash_percent__in=list(range(0, 101, 5))),
                name="pay_mix_steps_of_five",
            ),
        ]

    def __str__(self) -> str:
        return f"Cash mix {self.year}: {self.cash_percent}%"

    @property
    def stock_percent(self) -> int:
        return 100 - self.cash_percent


# --- Raise proposals -----------------------------------------------------------------------


class RaiseProposalQuerySet(models.QuerySet["RaiseProposal"]):
    def open(self) -> Self:
        return self.filter(status=RaiseProposal.Status.OPEN)


class RaiseProposal(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RECORDED = "recorded", _("Recorded")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="raise_proposals")
    proposed_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    proposed_salary = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
    currency = currency_field()
    reason = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = RaiseProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["person"], name="pay_proposal_open_idx", condition=Q(status="open")
            )
        ]
        constraints = [
            models.CheckConstraint(condition=Q(proposed_salary__gt=0), name="pay_proposal_positive")
        ]

    def __str__(self) -> str:
        return f"Raise proposal {self.pk} ({self.status})"


# --- Import jobs ----------------------------------------------------------------------------


class PayImportJob(models.Model):
    """An uploaded market-data or salary file, validated and written by a Celery task."""

    class Kind(models.TextChoices):
        MARKET = "market", _("Market data")
        SALARY = "salary", _("Current salaries")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    created_by = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    filename = models.CharField(max_length=200)
    content = models.BinaryField()
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} import {self.pk} ({self.status})"
