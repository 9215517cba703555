from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pay.maths import PERCENTILES, format_money
from pay.models import DEFAULT_REASONS

register = template.Library()


@register.filter
def money(amount, currency=""):
    """80000.5, "EUR" -> "€80,001" (in English; "80 001 €" in French): salaries and market
    figures are whole currency units (Decimal, never float), in the reader's language
    (pay.maths.format_money). Table cells and facts that hold one do not wrap (pay.css)."""
    if amount is None or amount == "":
        return "—"
    return format_money(amount, currency)


@register.filter
def pay_reason(reason):
    """A pay record's reason: one the product wrote ("Imported", "Raise proposal") in the
    reader's language, one a person wrote as they wrote it."""
    return DEFAULT_REASONS.get(reason, reason)


@register.filter
def signed_gap(amount, currency=""):
    """A gap as "£12,000 below" / "£3,000 above" the target."""
    if amount is None:
        return "—"
    amount = Decimal(amount)
    if amount == 0:
        return _("on target")
    if abs(amount) < Decimal("0.5"):  # would read "0 below"
        if amount > 0:
            return _("less than %(amount)s below") % {"amount": money(1, currency)}
        return _("less than %(amount)s above") % {"amount": money(1, currency)}
    if amount > 0:
        return _("%(amount)s below") % {"amount": money(abs(amount), currency)}
    return _("%(amount)s above") % {"amount": money(abs(amount), currency)}


@register.filter
def number(value):
    """A count that is not money (rows, people) in the reader's language: 12,500 / 12 500."""
    if value is None or value == "":
        return "—"
    return number_format(value, use_l10n=True, force_grouping=True)


def _percent(value: Decimal, places: int = 0) -> str:
    return _("%(percent)s%%") % {
        "percent": number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)
    }


@register.filter
def percent(ratio):
    if ratio is None:
        return "—"
    return _percent((Decimal(ratio) * 100).quantize(Decimal(1)))


@register.filter
def pay_to_target(c):
    """A comparison's pay as a percentage of its target, with the precision its flag needs:
    whole percent, unless that would read 100% for someone not exactly on target; then two
    decimals, rounded toward 100 never past it (99.96%, 100.04%), so nobody flagged below
    target is shown at 100%."""
    if c.ratio is None or c.salary is None or not c.target:
        return "—"
    exact = Decimal(c.salary) * 100 / Decimal(c.target)
    shown = exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if shown == 100 and exact != 100:
        return _percent(exact.quantize(Decimal("0.01"), rounding=ROUND_DOWN), 2)
    return _percent(shown)


# (class, text) of the status pill of a comparison (pay.comparison.Comparison).
_STATUS_PILLS = {
    "no_pay": ("pill", gettext_lazy("no pay recorded")),
    "no_benchmark": ("pill warn", gettext_lazy("no matching benchmark")),
    "cannot_compare": ("pill warn", gettext_lazy("cannot compare")),
    # A neutral warning, not the brand's red: below target is a prompt to act, not a fault.
    "below": ("pill warn", gettext_lazy("below target")),
    "ok": ("pill good", gettext_lazy("at or above target")),
}


@register.filter
def status_pill(c):
    """A comparison's status as a pill. A filter rather than an included template: the
    team and overview tables draw one per row."""
    if c.status in ("no_pay", "no_benchmark", "cannot_compare"):
        key = c.status
    else:
        key = "below" if c.below_target else "ok"
    css, text = _STATUS_PILLS[key]
    return format_html('<span class="{}">{}</span>', css, text)


@register.filter
def percentile_name(index):
    """0..4 -> "P10".."P90": the label of a band value by its place in the band."""
    return f"P{PERCENTILES[int(index)]}"
