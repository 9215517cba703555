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


# An attachment to shared evidence: an offer letter or a recruiter's email, as a PDF or an
# image. Checked by its first bytes, not by the name or the browser's content type.
ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
ATTACHMENT_TYPES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


def sniff_attachment(head: bytes) -> str | None:
    """The content type of an allowed attachment from its first bytes, or None."""
    return next((kind for magic, kind in ATTACHMENT_TYPES if head.startswith(magic)), None)


class ShareEvidenceForm(forms.Form):
    """A person shares their own market evidence with their chain."""

    kind = forms.ChoiceField(
        label="What it is",
        choices=[
            (MarketEvidence.Kind.OUTSIDE_OFFER.value, "An outside offer"),
            (MarketEvidence.Kind.RECRUITER_QUOTE.value, "A recruiter's figure"),
        ],
    )
    amount = money_field("Amount (yearly base)")
    currency = CurrencyField()
    observed_on = forms.DateField(label="Date", widget=DateInput, initial=clock.today)
    note = forms.CharField(
        max_length=500,
        required=False,
        help_text="Where it came from (company, recruiter, role).",
    )
    attachment = forms.FileField(
        required=False,
        label="Attachment (optional)",
        help_text="A PDF, PNG or JPEG of up to 5 MB, e.g. the offer letter. Only you, your "
        "management chain and people admins can open it.",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/png,image/jpeg"}),
    )

    def clean_observed_on(self):
        value = self.cleaned_data["observed_on"]
        if value > clock.today():
            raise forms.ValidationError("The date cannot be in the future.")
        return value

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if not upload:
            return None
        if upload.size > ATTACHMENT_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size:,} bytes; the limit is {ATTACHMENT_MAX_BYTES:,} bytes."
            )
        content = upload.read()
        kind = sniff_attachment(content[:16])
        if kind is None:
            raise forms.ValidationError("Attach a PDF, PNG or JPEG file.")
        return (upload.name or "attachment", kind, content)


MIX_CHOICES = [(p, f"{p}% cash, {100 - p}% stock") for p in range(100, -1, -5)]


class CashMixForm(forms.Form):
    cash_percent = forms.TypedChoiceField(
        label="Cash share", choices=MIX_CHOICES, coerce=int, initial=100
    )


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
    mix_window_start = forms.DateField(
        label="Cash / stock choice opens",
        widget=DateInput,
        required=False,
        help_text="People choose their cash / stock mix for the year between these dates.",
    )
    mix_window_end = forms.DateField(
        label="Cash / stock choice closes", widget=DateInput, required=False
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

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("mix_window_start"), data.get("mix_window_end")
        if (start is None) != (end is None) and not self.has_error("mix_window_start"):
            if not self.has_error("mix_window_end"):
                self.add_error("mix_window_end", "Give both dates of the window, or neither.")
        elif start and end and end < start:
            self.add_error("mix_window_end", "The window closes after it opens.")
        return data


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
