"""Each person against the market and their personal market, in a fixed number of queries.

`compare_people(people, on=date)` reads the policy, the newest market data set in force, the
matching benchmarks, everyone's current pay, their evidence and the exchange rates: seven
queries whatever the number of people or the size of the market data. No access checks here:
views obtain the people through pay/access.py first, and audit the read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from culture.models import Person
from pay import maths
from pay.models import (
    ExchangeRate,
    MarketBenchmark,
    MarketDataSet,
    MarketEvidence,
    PayPolicy,
    PayRecord,
    TargetOverride,
)

# Offers and quotes older than this no longer say what someone could get elsewhere.
EVIDENCE_WINDOW = timedelta(days=365)


@dataclass
class Comparison:
    person: Person
    record: PayRecord | None = None
    data_set: MarketDataSet | None = None
    benchmark: MarketBenchmark | None = None
    target_percentile: int = 90
    status: str = "ok"  # ok | no_pay | no_benchmark | cannot_compare
    reason: str = ""
    band: tuple | None = None  # in the pay currency
    market_target: Decimal | None = None
    personal_figure: Decimal | None = None
    personal_kind: str = ""
    evidence: list = field(default_factory=list)
    position: maths.Position | None = None
    ratio: Decimal | None = None
    gap: Decimal | None = None
    sort_gap: Decimal | None = None

    @property
    def currency(self) -> str:
        return self.record.currency if self.record else ""

    @property
    def salary(self) -> Decimal | None:
        return self.record.base_salary if self.record else None

    @property
    def target(self) -> Decimal | None:
        return self.personal_figure if self.personal_figure is not None else self.market_target

    @property
    def measured_against(self) -> str:
        if self.personal_figure is not None:
            return f"personal market ({self.personal_kind})"
        return f"market P{self.target_percentile}"

    @property
    def below_target(self) -> bool:
        return self.gap is not None and self.gap > 0

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def personal_figure(evidence: list[MarketEvidence], on: date) -> MarketEvidence | None:
    """What the gap is measured against when evidence exists: the newest "what we would
    pay to keep them", else the highest outside offer or recruiter quote of the past year."""
    keep = [e for e in evidence if e.kind == MarketEvidence.Kind.KEEP_AT and e.observed_on <= on]
    if keep:
        return max(keep, key=lambda e: (e.observed_on, e.pk))
    outside = [
        e
        for e in evidence
        if e.kind in (MarketEvidence.Kind.OUTSIDE_OFFER, MarketEvidence.Kind.RECRUITER_QUOTE)
        and on - EVIDENCE_WINDOW <= e.observed_on <= on
    ]
    return max(outside, key=lambda e: (e.amount, e.pk)) if outside else None


class Context:
    """Everything shared by the comparisons on one date (loaded once)."""

    def __init__(self, on: date):
        self.on = on
        self.policy = PayPolicy.current()
        self.overrides = dict(TargetOverride.objects.values_list("job_family", "target_percentile"))
        self.data_set = MarketDataSet.objects.newest_in_force(on)
        self.rates = maths.RateBook(ExchangeRate.objects.filter(effective_date__lte=on))

    def target_percentile(self, job_family: str) -> int:
        return self.overrides.get(job_family, self.policy.target_percentile)


def compare_people(
    people, *, on: date, with_history_evidence: bool = True, records: dict | None = None
) -> list[Comparison]:
    """`records`: each person's record in force on `on` (person id -> PayRecord), when the
    caller has read them already (the person page reads the whole history); else one query."""
    people = list(people)
    ctx = Context(on)
    ids = [p.pk for p in people]
    if records is None:
        records = {r.person_id: r for r in PayRecord.objects.current_for(ids, on)}
    benchmarks = {}
    if ctx.data_set is not None and people:
        keys = {(p.job_family, p.level, p.location) for p in people if p.job_family and p.level}
        if keys:
            rows = MarketBenchmark.objects.filter(
                data_set=ctx.data_set,
                job_family__in={k[0] for k in keys},
                level__in={k[1] for k in keys},
                location__in={k[2] for k in keys},
            )
            benchmarks = {(b.job_family, b.level, b.location): b for b in rows}
    evidence: dict[int, list] = {}
    for e in MarketEvidence.objects.filter(person_id__in=ids).select_related("recorded_by"):
        evidence.setdefault(e.person_id, []).append(e)
    return [
        compare_one(
            p,
            record=records.get(p.pk),
            benchmark=benchmarks.get((p.job_family, p.level, p.location)),
            evidence=evidence.get(p.pk, []),
            ctx=ctx,
        )
        for p in people
    ]


def compare_one(person, *, record, benchmark, evidence, ctx: Context) -> Comparison:
    c = Comparison(
        person=person,
        record=record,
        data_set=ctx.data_set,
        benchmark=benchmark,
        target_percentile=ctx.target_percentile(person.job_family),
        evidence=evidence,
    )
    if record is None:
        c.status, c.reason = "no_pay", "No pay recorded yet."
        return c
    currency = record.currency
    chosen = personal_figure(evidence, ctx.on)
    if chosen is not None:
        figure = maths.convert(chosen.amount, chosen.currency, currency, ctx.on, ctx.rates)
        if isinstance(figure, maths.CannotCompare):
            c.status, c.reason = "cannot_compare", figure.reason
        else:
            c.personal_figure = figure
            c.personal_kind = chosen.get_kind_display().lower()
    if benchmark is None:
        if ctx.data_set is None:
            c.reason = "No market data in force."
        else:
            c.reason = (
                f"No matching benchmark for {person.job_family or 'no job family'}, "
                f"level {person.level or '?'}, {person.location or 'no location'} "
                f"in {ctx.data_set}."
            )
        if c.status == "ok":
            c.status = "no_benchmark"
    else:
        # A benchmark is a row of the data set in force, so there is one.
        assert ctx.data_set is not None
        rate = ctx.rates.rate(ctx.data_set.currency, currency, ctx.on)
        if isinstance(rate, maths.CannotCompare):
            c.status, c.reason = "cannot_compare", rate.reason
        else:
            c.band = tuple(maths.money(v * rate) for v in benchmark.base_band)
            c.market_target = maths.value_at(c.band, c.target_percentile)
            c.position = maths.market_position(record.base_salary, c.band)
    if c.status == "cannot_compare":
        c.position = None
        c.band = None
        c.market_target = None
        return c
    target = c.target
    if target is not None:
        c.ratio = maths.ratio(record.base_salary, target)
        c.gap = maths.gap(record.base_salary, target)
        c.sort_gap = Decimal(1) - c.ratio
        if c.status == "no_benchmark" and c.personal_figure is not None:
            c.status = "ok"
    return c


def sort_by_gap(comparisons: list[Comparison]) -> list[Comparison]:
    """Largest relative gap below target first; people without a comparison last."""
    return sorted(
        comparisons,
        key=lambda c: (c.sort_gap is None, -(c.sort_gap or 0), c.person.name, c.person.pk),
    )


BUCKETS = [
    ("under 0.80", None, Decimal("0.80")),
    ("0.80–0.90", Decimal("0.80"), Decimal("0.90")),
    ("0.90–1.00", Decimal("0.90"), Decimal("1.00")),
    ("1.00–1.10", Decimal("1.00"), Decimal("1.10")),
    ("1.10 and over", Decimal("1.10"), None),
]
MIN_AGGREGATE = 3


def distribution(comparisons: list[Comparison]) -> dict[str, Any] | None:
    """Pay-to-target ratios in buckets, or None when fewer than 3 people are compared
    (aggregates over fewer than 3 people are suppressed)."""
    ratios = [c.ratio for c in comparisons if c.ratio is not None]
    if len(ratios) < MIN_AGGREGATE:
        return None
    buckets: list[dict[str, Any]] = []
    for label, low, high in BUCKETS:
        count = sum(1 for r in ratios if (low is None or r >= low) and (high is None or r < high))
        buckets.append({"label": label, "count": count})
    ordered = sorted(ratios)
    mid = len(ordered) // 2
    median = ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
    return {
        "buckets": buckets,
        "total": len(ratios),
        "below": sum(1 for r in ratios if r < 1),
        "median": Decimal(median).quantize(maths.RATIO_PLACES),
        "max": max(b["count"] for b in buckets),
    }
