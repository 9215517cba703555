from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from culture import clock
from pay.models import CURRENCY_VALIDATOR, PERCENTILE_CHOICES, MarketEvidence

MONEY_ATTRS = {"inputmode": "decimal", "autocomplete": "off"}


class CurrencyField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("min_length", 3)
        kwargs.setdefault("help_text", "Three-letter ISO code, e.g. EUR.")
        super().__init__(validators=[CURRENCY_VALIDATOR], **kwargs)

    def to_python(self, value):
        return (super().to_python(value) or "").strip().upper()


def money_field(label: str, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=0.01,
        max_digits=14,
        decimal_places=2,
        widget=forms.TextInput(attrs=MONEY_ATTRS),
        **kwargs,
    )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class PayRecordForm(forms.Form):
    effective_date = forms.DateField(widget=DateInput, initial=clock.today)
    base_salary = money_field("Base salary (yearly)")
    currency = CurrencyField()
    cash_percent = forms.IntegerField(
        label="Cash share (%)",
        min_value=0,
        max_value=100,
        initial=100,
        help_text="The person's chosen cash / stock split for the year: the rest is stock.",
    )
    reason = forms.CharField(max_length=300, required=False)


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(label="What it answers", choices=MarketEvidence.Kind.choices)
    amount = money_field("Amount (yearly base)")
    currency = CurrencyField()
    observed_on = forms.DateField(label="Date", widget=DateInput, initial=clock.today)
    note = forms.CharField(
        max_length=500,
        required=False,
        help_text="Where it came from (company, recruiter, role), or how you estimated it.",
    )

    def clean_observed_on(self):
        value = self.cleaned_data["observed_on"]
        if value > clock.today():
            raise forms.ValidationError("The date cannot be in the future.")
        return value


class ProposalForm(forms.Form):
    proposed_salary = money_field("Proposed base salary (yearly)")
    currency = CurrencyField()
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
        help_text="Why: the market position, the evidence, what it would take to keep them.",
    )


class RecordProposalForm(forms.Form):
    effective_date = forms.DateField(widget=DateInput, initial=clock.today)
    cash_percent = forms.IntegerField(
        label="Cash share (%)", min_value=0, max_value=100, initial=100
    )
    reason = forms.CharField(max_length=300, required=False)


class PolicyForm(forms.Form):
    target_percentile = forms.TypedChoiceField(
        label="Default target percentile", choices=PERCENTILE_CHOICES, coerce=int
    )
    employees_see_market_position = forms.BooleanField(
        label="Employees may see their own market position", required=False
    )
    review_month = forms.TypedChoiceField(
        label="Yearly pay review month",
        coerce=int,
        choices=[(m, date(2000, m, 1).strftime("%B")) for m in range(1, 13)],
    )
    overrides = forms.CharField(
        label="Per-job-family targets",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text='One per line, e.g. "Operations: 50". Other job families use the default.',
    )

    def clean_overrides(self):
        result = {}
        allowed = {p for p, _ in PERCENTILE_CHOICES}
        for n, line in enumerate(self.cleaned_data["overrides"].splitlines(), start=1):
            if not line.strip():
                continue
            family, sep, pct = line.rpartition(":")
            family = family.strip()
            pct = pct.strip().upper().removeprefix("P")
            if not sep or not family or not pct.isdigit() or int(pct) not in allowed:
                raise forms.ValidationError(
                    f'Line {n}: write "Job family: 50" with one of 10, 25, 50, 75, 90.'
                )
            if len(family) > 80:
                raise forms.ValidationError(f"Line {n}: job family longer than 80 characters.")
            result[family] = int(pct)
        return result


class ExchangeRateForm(forms.Form):
    from_currency = CurrencyField(label="From", help_text="")
    to_currency = CurrencyField(label="To", help_text="")
    rate = forms.DecimalField(
        min_value=0.00000001,
        max_digits=18,
        decimal_places=8,
        widget=forms.TextInput(attrs=MONEY_ATTRS),
        help_text="Units of the second currency for one unit of the first.",
    )
    effective_date = forms.DateField(widget=DateInput, initial=clock.today)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("from_currency") and data.get("from_currency") == data.get("to_currency"):
            raise forms.ValidationError("Choose two different currencies.")
        return data


def _clean_upload(form):
    """The same size limit as the people import (MAX_IMPORT_BYTES)."""
    from django.conf import settings

    upload = form.cleaned_data["file"]
    if upload.size > settings.MAX_IMPORT_BYTES:
        raise forms.ValidationError(
            f"The file is {upload.size:,} bytes; the limit is {settings.MAX_IMPORT_BYTES:,} bytes."
        )
    return upload


class MarketUploadForm(forms.Form):
    file = forms.FileField(label="CSV file")
    clean_file = _clean_upload
    source = forms.CharField(max_length=120, help_text="Who the data is from, e.g. Radford 2026.")
    effective_date = forms.DateField(widget=DateInput)
    currency = CurrencyField()


class SalaryUploadForm(forms.Form):
    file = forms.FileField(label="CSV file")
    clean_file = _clean_upload
