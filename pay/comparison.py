"""Each person against the market and their personal market, in a fixed number of queries.

`compare_people(people, on=date)` reads the policy, the newest market data set in force, the
matching benchmarks, everyone's current pay, their evidence and the exchange rates: seven
queries whatever the number of people or the size of the market data. No access checks here:
views obtain the people through pay/access.py first, and audit the read.

One target per person (`Comparison.target`): their personal market when there is evidence,
else the market figure at their target percentile. The ratio, the gap, the band picture's
target mark and the page's "Target" all use it. Who is below target is decided once, by
`Comparison.below_target`, and counted once, by `count_below`: the chart, the table and the
home section cannot disagree. Market figures are whole currency units (`maths.whole`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from culture.aggregates import MIN_GROUP, GroupCount, group_count
from culture.models import Person
from pay import maths
from pay.models import (
    PERCENTILES,
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
    # The evidence the personal figure is (the amount in its own currency, its date).
    personal_evidence: MarketEvidence | None = None
    # Why the personal figure is what it is, in words for the page (see personal_figure()).
    personal_source: str = ""
    # Total cash and equity percentiles of the benchmark, in the pay currency, when the
    # market data carries them (all five values) and the currencies convert.
    total_cash_band: tuple | None = None
    equity_band: tuple | None = None
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
    def total_cash_at_target(self) -> Decimal | None:
        """Market total cash at this person's target percentile, when the data carries it."""
        return _at(self.total_cash_band, self.target_percentile)

    @property
    def equity_at_target(self) -> Decimal | None:
        """Market equity at this person's target percentile, when the data carries it."""
        return _at(self.equity_band, self.target_percentile)

    @property
    def measured_against(self) -> str:
        if self.personal_figure is not None:
            return _("personal market (%(kind)s)") % {"kind": self.personal_kind}
        return _("market P%(percentile)s") % {"percentile": self.target_percentile}

    @property
    def below_target(self) -> bool:
        """The one definition of "below target": pay under the target by any amount. The
        ratio rounds down (maths.ratio), so it is under 1 for exactly these people."""
        return self.gap is not None and self.gap > 0

    @property
    def personal_converted(self) -> bool:
        """The personal figure came from evidence in another currency (company rate)."""
        e = self.personal_evidence
        return e is not None and e.currency != self.currency

    @property
    def ok(self) -> bool:
        return self.status == "ok"


OUTSIDE_KINDS = (MarketEvidence.Kind.OUTSIDE_OFFER, MarketEvidence.Kind.RECRUITER_QUOTE)


@dataclass
class PersonalFigure:
    """The evidence the personal figure comes from, and why."""

    evidence: MarketEvidence
    source: str


def _at(band: tuple | None, percentile: int) -> Decimal | None:
    """The band's value at `percentile`, or None without a band or for a band value_at
    refuses (equity may start at 0)."""
    if band is None:
        return None
    try:
        return maths.whole(maths.value_at(band, percentile))
    except ValueError:
        return None


def personal_figure(
    evidence: list[MarketEvidence], on: date, convert=None
) -> PersonalFigure | None:
    """What the gap is measured against when evidence exists, answering PRACTICES.md's three
    questions: the newest "what we would pay to keep them" when someone has answered it (it
    already weighs the other two); otherwise the higher of what they could get elsewhere (the
    highest offer or recruiter quote of the past year, shared by the chain or by the person
    themself alike) and what it would cost to replace them (the newest estimate of the past
    year), because keeping them is worth at least the cheaper of losing them.

    `convert(evidence)` gives an amount comparable across currencies (None when it cannot be
    converted); without it amounts are compared as they are."""
    keep = [e for e in evidence if e.kind == MarketEvidence.Kind.KEEP_AT and e.observed_on <= on]
    if keep:
        chosen = max(keep, key=lambda e: (e.observed_on, e.pk))
        return PersonalFigure(chosen, _("what we would pay to keep them"))
    recent = [e for e in evidence if on - EVIDENCE_WINDOW <= e.observed_on <= on]
    outside = [e for e in recent if e.kind in OUTSIDE_KINDS]
    replace = [e for e in recent if e.kind == MarketEvidence.Kind.REPLACEMENT_COST]
    value = convert or (lambda e: e.amount)

    def comparable(e: MarketEvidence) -> Decimal:
        v = value(e)
        return v if v is not None else e.amount

    best_outside = max(outside, key=lambda e: (comparable(e), e.pk)) if outside else None
    newest_replace = max(replace, key=lambda e: (e.observed_on, e.pk)) if replace else None
    if best_outside is not None and newest_replace is not None:
        if comparable(newest_replace) > comparable(best_outside):
            return PersonalFigure(
                newest_replace,
                _("the cost to replace them, higher than their best outside offer or quote"),
            )
        return PersonalFigure(
            best_outside,
            _("their highest %(kind)s of the past year, at least the cost to replace them")
            % {"kind": best_outside.get_kind_display().lower()},
        )
    if best_outside is not None:
        kind = best_outside.get_kind_display().lower()
        if best_outside.shared_by_person:
            source = _("their highest %(kind)s of the past year (shared by them)") % {"kind": kind}
        else:
            source = _("their highest %(kind)s of the past year") % {"kind": kind}
        return PersonalFigure(best_outside, source)
    if newest_replace is not None:
        return PersonalFigure(newest_replace, _("the newest estimate of the cost to replace them"))
    return None


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
        c.status, c.reason = "no_pay", _("No pay recorded yet.")
        return c
    currency = record.currency

    def in_pay_currency(e: MarketEvidence) -> Decimal | None:
        v = maths.convert(e.amount, e.currency, currency, ctx.on, ctx.rates)
        return None if isinstance(v, maths.CannotCompare) else v

    picked = personal_figure(evidence, ctx.on, convert=in_pay_currency)
    if picked is not None:
        chosen = picked.evidence
        figure = maths.convert(chosen.amount, chosen.currency, currency, ctx.on, ctx.rates)
        if isinstance(figure, maths.CannotCompare):
            c.status, c.reason = "cannot_compare", figure.reason
        else:
            c.personal_figure = maths.whole(figure)
            c.personal_evidence = chosen
            c.personal_kind = chosen.get_kind_display().lower()
            c.personal_source = picked.source
    if benchmark is None:
        if ctx.data_set is None:
            c.reason = _("No market data in force.")
        else:
            c.reason = _(
                "No matching benchmark for %(family)s, level %(level)s, %(location)s "
                "in %(data_set)s."
            ) % {
                "family": person.job_family or _("no job family"),
                "level": person.level or "?",
                "location": person.location or _("no location"),
                "data_set": ctx.data_set,
            }
        if c.status == "ok":
            c.status = "no_benchmark"
    else:
        # A benchmark is a row of the data set in force, so there is one.
        assert ctx.data_set is not None
        rate = ctx.rates.rate(ctx.data_set.currency, currency, ctx.on)
        if isinstance(rate, maths.CannotCompare):
            c.status, c.reason = "cannot_compare", rate.reason
        else:
            c.band = tuple(maths.whole(v * rate) for v in benchmark.base_band)
            c.total_cash_band = _converted(benchmark, "total_cash", rate)
            c.equity_band = _converted(benchmark, "equity", rate)
            c.market_target = maths.whole(maths.value_at(c.band, c.target_percentile))
            c.position = maths.market_position(record.base_salary, c.band)
    if c.status == "cannot_compare":
        c.position = None
        c.band = None
        c.total_cash_band = None
        c.equity_band = None
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


def _converted(benchmark: MarketBenchmark, prefix: str, rate: Decimal) -> tuple | None:
    """The benchmark's `prefix`_p10..p90 in the pay currency, or None unless all five exist."""
    values = [getattr(benchmark, f"{prefix}_p{p}") for p in PERCENTILES]
    if any(v is None for v in values):
        return None
    return tuple(maths.whole(v * rate) for v in values)


def count_below(comparisons: list[Comparison]) -> GroupCount:
    """How many of these people are below target: the one count every pay page shows (the
    chart's, the table's and the overview's), suppressed under 3 like every aggregate."""
    return group_count(sum(1 for c in comparisons if c.below_target))


def by_currency(comparisons: list[Comparison]) -> list[tuple[str, list[Comparison]]]:
    """The comparisons grouped by pay currency (in the order given within each group): amounts
    in different currencies are never sorted or totalled together. Groups in currency order;
    people without pay (no currency) last."""
    groups: dict[str, list[Comparison]] = {}
    for c in comparisons:
        groups.setdefault(c.currency, []).append(c)
    return sorted(groups.items(), key=lambda item: (item[0] == "", item[0]))


def sort_by_gap(comparisons: list[Comparison]) -> list[Comparison]:
    """Largest relative gap below target first; people without a comparison last."""
    return sorted(
        comparisons,
        key=lambda c: (c.sort_gap is None, -(c.sort_gap or 0), c.person.name, c.person.pk),
    )


BUCKETS = [
    (None, Decimal("0.80")),
    (Decimal("0.80"), Decimal("0.90")),
    (Decimal("0.90"), Decimal("1.00")),
    (Decimal("1.00"), Decimal("1.10")),
    (Decimal("1.10"), None),
]


def bucket_label(low: Decimal | None, high: Decimal | None) -> str:
    """ "under 0.80", "0.80–0.90", "1.10 and over", with the reader's decimal mark."""

    def n(value: Decimal) -> str:
        return number_format(value, decimal_pos=2, use_l10n=True)

    if low is None:
        assert high is not None
        return _("under %(ratio)s") % {"ratio": n(high)}
    if high is None:
        return _("%(ratio)s and over") % {"ratio": n(low)}
    return _("%(low)s–%(high)s") % {"low": n(low), "high": n(high)}


MIN_AGGREGATE = MIN_GROUP


def distribution(comparisons: list[Comparison]) -> dict[str, Any] | None:
    """Pay-to-target ratios in buckets, or None when fewer than 3 people are compared
    (aggregates over fewer than 3 people are suppressed). Each bucket's count and the
    number below target are GroupCounts: a bucket of 1 or 2 people shows "fewer than 3",
    and the tallest bar is the tallest shown, so a bar's height never gives one away."""
    compared = [c for c in comparisons if c.ratio is not None]
    ratios = [c.ratio for c in compared if c.ratio is not None]
    if len(ratios) < MIN_AGGREGATE:
        return None
    buckets: list[dict[str, Any]] = []
    for low, high in BUCKETS:
        count = sum(1 for r in ratios if (low is None or r >= low) and (high is None or r < high))
        buckets.append({"label": bucket_label(low, high), "count": group_count(count)})
    ordered = sorted(ratios)
    mid = len(ordered) // 2
    median = ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
    return {
        "buckets": buckets,
        "total": len(ratios),
        "below": count_below(compared),
        "median": Decimal(median).quantize(maths.RATIO_PLACES),
        "max": max(b["count"].value or 0 for b in buckets),
    }
