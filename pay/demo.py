"""Demo data for the pay practice, called by `manage.py seed_demo`."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from culture import clock
from pay.models import (
    PERCENTILES,
    CashMixChoice,
    EvidenceAttachment,
    ExchangeRate,
    MarketBenchmark,
    MarketDataSet,
    MarketEvidence,
    PayPolicy,
    PayRecord,
    RaiseProposal,
    TargetOverride,
)

# A one-page PDF standing in for a recruiter's email (the demo's shared evidence attachment).
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 144]/Contents 4 0 R"
    b"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
    b"4 0 obj<</Length 58>>stream\n"
    b"BT /F1 12 Tf 20 100 Td (Recruiter: role at a peer, call me) Tj ET\n"
    b"endstream endobj\n5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

FAMILY_FACTOR = {
    "Engineering": Decimal("1.15"),
    "Data Science": Decimal("1.12"),
    "Design": Decimal("1.0"),
    "Marketing": Decimal("0.95"),
    "Finance": Decimal("1.0"),
    "Operations": Decimal("0.8"),
    "People": Decimal("0.9"),
    "Executive": Decimal("1.6"),
}
LOCATION_FACTOR = {"London": Decimal("1.1"), "Amsterdam": Decimal("1.0"), "Berlin": Decimal("0.95")}
SPREAD = (Decimal("0.78"), Decimal("0.88"), Decimal("1"), Decimal("1.14"), Decimal("1.3"))
EUR_TO_GBP = Decimal("0.86")


def _currency(location: str) -> str:
    return "GBP" if location == "London" else "EUR"


def _median_eur(family: str, level: int, location: str) -> Decimal:
    base = Decimal(28000 + level * 11000)
    return (
        base
        * FAMILY_FACTOR.get(family, Decimal(1))
        * LOCATION_FACTOR.get(location, Decimal("0.85"))
    ).quantize(Decimal(100))


def seed(*, people, rng, scale: int = 1) -> str:
    """Add demo data. `people` maps the demo logins' keys (admin, director, manager,
    employee, ceo) and "all" (every active person) to Person objects. Returns a summary."""
    today = clock.today()
    everyone = list(people["all"])
    admin, manager, employee = people["admin"], people["manager"], people["employee"]
    with transaction.atomic():
        policy = PayPolicy.load()
        policy.employees_see_market_position = True
        policy.review_month = today.month
        # The cash / stock choice window is open in the demo: three weeks around today.
        policy.mix_window_start = today - timedelta(days=7)
        policy.mix_window_end = today + timedelta(days=14)
        policy.save()
        TargetOverride.objects.get_or_create(
            job_family="Operations", defaults={"target_percentile": 50}
        )
        ExchangeRate.objects.get_or_create(
            from_currency="EUR",
            to_currency="GBP",
            effective_date=date(today.year - 1, 1, 1),
            defaults={"rate": EUR_TO_GBP, "created_by": admin},
        )
        data_set = MarketDataSet.objects.create(
            source="Demo market survey",
            effective_date=date(today.year, 1, 1),
            currency="EUR",
            created_by=admin,
        )
        keys = sorted(
            {
                (p.job_family or "Engineering", p.level or 4, p.location or "London")
                for p in everyone
            }
        )
        rows = []
        for family, level, location in keys:
            median = _median_eur(family, level, location)
            band = [(median * s).quantize(Decimal(100)) for s in SPREAD]
            rows.append(
                MarketBenchmark(
                    data_set=data_set,
                    job_family=family,
                    level=level,
                    location=location,
                    base_p10=band[0],
                    base_p25=band[1],
                    base_p50=band[2],
                    base_p75=band[3],
                    base_p90=band[4],
                    # Total cash a little above base (allowances), equity as a share of it.
                    **{
                        f"total_cash_p{pct}": (v * Decimal("1.06")).quantize(Decimal(100))
                        for pct, v in zip(PERCENTILES, band, strict=True)
                    },
                    **{
                        f"equity_p{pct}": (v * share).quantize(Decimal(100))
                        for pct, v, share in zip(
                            PERCENTILES,
                            band,
                            [Decimal(x) for x in ("0.05", "0.08", "0.12", "0.18", "0.25")],
                            strict=True,
                        )
                    },
                )
            )
        MarketBenchmark.objects.bulk_create(rows, batch_size=5000)
        data_set.row_count = len(rows)
        data_set.save(update_fields=["row_count"])

        records = []
        last_year = today - timedelta(days=400)
        this_year = date(today.year, 1, 1) if today.month > 1 else today - timedelta(days=20)
        for p in everyone:
            if not (p.job_family and p.level):
                continue
            currency = _currency(p.location)
            rate = EUR_TO_GBP if currency == "GBP" else Decimal(1)
            median = _median_eur(p.job_family, p.level, p.location) * rate
            factor = Decimal(rng.randint(80, 135)) / 100
            if p.pk == employee.pk:
                factor = Decimal("0.92")  # below target: the demo's raise proposal is for them
            current = (median * factor).quantize(Decimal("1E+2"))
            cash = rng.choice([100, 100, 90, 80, 70])
            start = max(p.start_date or last_year, last_year)
            records.append(
                PayRecord(
                    person=p,
                    effective_date=start,
                    base_salary=(current * Decimal("0.94")).quantize(Decimal("1E+2")),
                    currency=currency,
                    cash_percent=cash,
                    recorded_by=admin,
                    reason="Starting salary" if start != last_year else "Imported history",
                )
            )
            records.append(
                PayRecord(
                    person=p,
                    effective_date=max(this_year, start + timedelta(days=1)),
                    base_salary=current,
                    currency=currency,
                    cash_percent=cash,
                    recorded_by=admin,
                    reason="Yearly pay review",
                )
            )
        PayRecord.objects.bulk_create(records, batch_size=5000)

        reports = [p for p in everyone if p.manager_id == manager.pk and p.pk != employee.pk][:3]
        evidence = [
            MarketEvidence(
                person=employee,
                kind=MarketEvidence.Kind.RECRUITER_QUOTE,
                amount=(
                    _median_eur(employee.job_family, employee.level, employee.location)
                    * EUR_TO_GBP
                    * Decimal("1.2")
                ).quantize(Decimal(1000)),
                currency=_currency(employee.location),
                observed_on=today - timedelta(days=30),
                note="Recruiter call for a senior role at a streaming competitor.",
                # Shared by the employee themself, with the recruiter's email attached.
                recorded_by=employee,
                shared_by_person=True,
                attachment_name="recruiter-email.pdf",
                attachment_type="application/pdf",
                attachment_size=len(DEMO_PDF),
            )
        ]
        for p in reports:
            evidence.append(
                MarketEvidence(
                    person=p,
                    kind=MarketEvidence.Kind.REPLACEMENT_COST,
                    amount=Decimal(rng.randint(90, 160) * 1000),
                    currency=_currency(p.location),
                    observed_on=today - timedelta(days=rng.randint(5, 90)),
                    note="Recruiting fee, ramp-up time and lost context.",
                    recorded_by=manager,
                )
            )
        MarketEvidence.objects.bulk_create(evidence)
        EvidenceAttachment.objects.create(evidence=evidence[0], content=DEMO_PDF)
        # A few people have chosen their cash / stock mix in this year's window; their next
        # pay record carries it.
        chooser_ids = [p.pk for p in reports] + [manager.pk]
        CashMixChoice.objects.bulk_create(
            CashMixChoice(
                person_id=pk,
                year=policy.mix_window_start.year,
                cash_percent=pct,
                chosen_by_id=pk,
                chosen_at=timezone.now() - timedelta(days=days),
            )
            for pk, pct, days in zip(chooser_ids, (80, 65, 100, 50), (6, 4, 2, 1), strict=False)
        )
        RaiseProposal.objects.create(
            person=employee,
            proposed_by=manager,
            proposed_salary=evidence[0].amount,
            currency=evidence[0].currency,
            reason="A recruiter quoted well above their pay; we would fight to keep them.",
        )
    return (
        f"{len(rows)} benchmarks, {len(records)} pay records, {len(evidence)} evidence "
        f"(1 shared by the person), {len(chooser_ids[:4])} cash / stock choices, "
        "1 open raise proposal"
    )
