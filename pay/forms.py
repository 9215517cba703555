from __future__ import annotations

from typing import Any

from django import forms
from django.utils.dates import MONTHS
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from culture import clock
from pay.models import CURRENCY_VALIDATOR, PERCENTILE_CHOICES, MarketEvidence

MONEY_ATTRS = {"inputmode": "decimal", "autocomplete": "off"}


class CurrencyField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("min_length", 3)
        kwargs.setdefault("help_text", gettext_lazy("Three-letter ISO code, e.g. EUR."))
        super().__init__(validators=[CURRENCY_VALIDATOR], **kwargs)

    def to_python(self, value):
        return (super().to_python(value) or "").strip().upper()


def money_field(label: Any, **kwargs) -> forms.DecimalField:
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
    effective_date = forms.DateField(
        label=gettext_lazy("Effective date"), widget=DateInput, initial=clock.today
    )
    base_salary = money_field(gettext_lazy("Base salary (yearly)"))
    currency = CurrencyField(label=gettext_lazy("Currency"))
    cash_percent = forms.IntegerField(
        label=gettext_lazy("Cash share (%)"),
        min_value=0,
        max_value=100,
        initial=100,
        help_text=gettext_lazy(
            "The person's chosen cash / stock split for the year: the rest is stock."
        ),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300, required=False)


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What it answers"), choices=MarketEvidence.Kind.choices
    )
    amount = money_field(gettext_lazy("Amount (yearly base)"))
    currency = CurrencyField(label=gettext_lazy("Currency"))
    observed_on = forms.DateField(label=gettext_lazy("Date"), widget=DateInput, initial=clock.today)
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=500,
        required=False,
        help_text=gettext_lazy(
            "Where it came from (company, recruiter, role), or how you estimated it."
        ),
    )

    def clean_observed_on(self):
        value = self.cleaned_data["observed_on"]
        if value > clock.today():
            raise forms.ValidationError(_("The date cannot be in the future."))
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
        label=gettext_lazy("What it is"),
        choices=[
            (MarketEvidence.Kind.OUTSIDE_OFFER.value, gettext_lazy("An outside offer")),
            (MarketEvidence.Kind.RECRUITER_QUOTE.value, gettext_lazy("A recruiter's figure")),
        ],
    )
    amount = money_field(gettext_lazy("Amount (yearly base)"))
    currency = CurrencyField(label=gettext_lazy("Currency"))
    observed_on = forms.DateField(label=gettext_lazy("Date"), widget=DateInput, initial=clock.today)
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=500,
        required=False,
        help_text=gettext_lazy("Where it came from (company, recruiter, role)."),
    )
    attachment = forms.FileField(
        required=False,
        label=gettext_lazy("Attachment (optional)"),
        help_text=gettext_lazy(
            "A PDF, PNG or JPEG of up to 5 MB, e.g. the offer letter. Only you, your "
            "management chain and people admins can open it."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/png,image/jpeg"}),
    )

    def clean_observed_on(self):
        value = self.cleaned_data["observed_on"]
        if value > clock.today():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return value

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if not upload:
            return None
        if upload.size > ATTACHMENT_MAX_BYTES:
            raise forms.ValidationError(_too_large(upload.size, ATTACHMENT_MAX_BYTES))
        content = upload.read()
        kind = sniff_attachment(content[:16])
        if kind is None:
            raise forms.ValidationError(_("Attach a PDF, PNG or JPEG file."))
        return (upload.name or "attachment", kind, content)


def _too_large(size: int, limit: int) -> str:
    return _("The file is %(size)s bytes; the limit is %(limit)s bytes.") % {
        "size": number_format(size, use_l10n=True, force_grouping=True),
        "limit": number_format(limit, use_l10n=True, force_grouping=True),
    }


MIX_STEPS = range(100, -1, -5)


def mix_choices() -> list[tuple[int, str]]:
    """The cash shares one may choose, labelled in the reader's language (a callable: the
    labels are built per form, not once at import)."""
    return [
        (p, _("%(cash)s%% cash, %(stock)s%% stock") % {"cash": p, "stock": 100 - p})
        for p in MIX_STEPS
    ]


class CashMixForm(forms.Form):
    cash_percent = forms.TypedChoiceField(
        label=gettext_lazy("Cash share"), choices=mix_choices, coerce=int, initial=100
    )


class ProposalForm(forms.Form):
    proposed_salary = money_field(gettext_lazy("Proposed base salary (yearly)"))
    currency = CurrencyField(label=gettext_lazy("Currency"))
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
        help_text=gettext_lazy(
            "Why: the market position, the evidence, what it would take to keep them."
        ),
    )


class RecordProposalForm(forms.Form):
    effective_date = forms.DateField(
        label=gettext_lazy("Effective date"), widget=DateInput, initial=clock.today
    )
    cash_percent = forms.IntegerField(
        label=gettext_lazy("Cash share (%)"), min_value=0, max_value=100, initial=100
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300, required=False)


class PolicyForm(forms.Form):
    target_percentile = forms.TypedChoiceField(
        label=gettext_lazy("Default target percentile"), choices=PERCENTILE_CHOICES, coerce=int
    )
    employees_see_market_position = forms.BooleanField(
        label=gettext_lazy("Employees may see their own market position"), required=False
    )
    review_month = forms.TypedChoiceField(
        label=gettext_lazy("Yearly pay review month"),
        coerce=int,
        # The month's name in the reader's language (MONTHS' names are lazy).
        choices=list(MONTHS.items()),
    )
    mix_window_start = forms.DateField(
        label=gettext_lazy("Cash / stock choice opens"),
        widget=DateInput,
        required=False,
        help_text=gettext_lazy(
            "People choose their cash / stock mix for the year between these dates."
        ),
    )
    mix_window_end = forms.DateField(
        label=gettext_lazy("Cash / stock choice closes"), widget=DateInput, required=False
    )
    overrides = forms.CharField(
        label=gettext_lazy("Per-job-family targets"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=gettext_lazy(
            'One per line, e.g. "Operations: 50". Other job families use the default.'
        ),
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
                    _('Line %(line)s: write "Job family: 50" with one of 10, 25, 50, 75, 90.')
                    % {"line": n}
                )
            if len(family) > 80:
                raise forms.ValidationError(
                    _("Line %(line)s: job family longer than 80 characters.") % {"line": n}
                )
            result[family] = int(pct)
        return result

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("mix_window_start"), data.get("mix_window_end")
        if (start is None) != (end is None) and not self.has_error("mix_window_start"):
            if not self.has_error("mix_window_end"):
                self.add_error("mix_window_end", _("Give both dates of the window, or neither."))
        elif start and end and end < start:
            self.add_error("mix_window_end", _("The window closes after it opens."))
        return data


class ExchangeRateForm(forms.Form):
    from_currency = CurrencyField(label=gettext_lazy("From"), help_text="")
    to_currency = CurrencyField(label=gettext_lazy("To"), help_text="")
    rate = forms.DecimalField(
        label=gettext_lazy("Rate"),
        min_value=0.00000001,
        max_digits=18,
        decimal_places=8,
        widget=forms.TextInput(attrs=MONEY_ATTRS),
        help_text=gettext_lazy("Units of the second currency for one unit of the first."),
    )
    effective_date = forms.DateField(
        label=gettext_lazy("Effective date"), widget=DateInput, initial=clock.today
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("from_currency") and data.get("from_currency") == data.get("to_currency"):
            raise forms.ValidationError(_("Choose two different currencies."))
        return data


def _clean_upload(form):
    """The same size limit as the people import (MAX_IMPORT_BYTES)."""
    from django.conf import settings

    upload = form.cleaned_data["file"]
    if upload.size > settings.MAX_IMPORT_BYTES:
        raise forms.ValidationError(_too_large(upload.size, settings.MAX_IMPORT_BYTES))
    return upload


class MarketUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"))
    clean_file = _clean_upload
    source = forms.CharField(
        label=gettext_lazy("Source"),
        max_length=120,
        help_text=gettext_lazy("Who the data is from, e.g. Radford 2026."),
    )
    effective_date = forms.DateField(label=gettext_lazy("Effective date"), widget=DateInput)
    currency = CurrencyField(label=gettext_lazy("Currency"))


class SalaryUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"))
    clean_file = _clean_upload
