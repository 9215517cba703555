from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django import template
from django.utils.html import format_html

from pay.maths import PERCENTILES

register = template.Library()


@register.filter
def money(amount, currency=""):
    """80000.5, "EUR" -> "EUR 80,001": salaries and market figures are whole currency units
    (Decimal, never float). Table cells and facts that hold one do not wrap (pay.css)."""
    if amount is None or amount == "":
        return "—"
    text = f"{Decimal(amount).quantize(Decimal(1), rounding=ROUND_HALF_UP):,}"
    return f"{currency} {text}".strip()


@register.filter
def signed_gap(amount, currency=""):
    """A gap as "12,000 below" / "3,000 above" the target."""
    if amount is None:
        return "—"
    amount = Decimal(amount)
    if amount == 0:
        return "on target"
    word = "below" if amount > 0 else "above"
    if abs(amount) < Decimal("0.5"):  # would read "0 below"
        return f"less than {money(1, currency)} {word}"
    return f"{money(abs(amount), currency)} {word}"


@register.filter
def percent(ratio):
    if ratio is None:
        return "—"
    return f"{(Decimal(ratio) * 100).quantize(Decimal(1))}%"


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
        shown = exact.quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    return f"{shown}%"


# (class, text) of the status pill of a comparison (pay.comparison.Comparison).
_STATUS_PILLS = {
    "no_pay": ("pill", "no pay recorded"),
    "no_benchmark": ("pill warn", "no matching benchmark"),
    "cannot_compare": ("pill warn", "cannot compare"),
    # A neutral warning, not the brand's red: below target is a prompt to act, not a fault.
    "below": ("pill warn", "below target"),
    "ok": ("pill good", "at or above target"),
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
