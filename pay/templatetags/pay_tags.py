from decimal import Decimal

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def money(amount, currency=""):
    """80000.5, "EUR" -> "EUR 80,000.50" (Decimal, never float)."""
    if amount is None or amount == "":
        return "—"
    text = f"{Decimal(amount):,.2f}"
    if text.endswith(".00"):
        text = text[:-3]
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
    return f"{money(abs(amount), currency)} {word}"


@register.filter
def percent(ratio):
    if ratio is None:
        return "—"
    return f"{(Decimal(ratio) * 100).quantize(Decimal(1))}%"


# (class, text) of the status pill of a comparison (pay.comparison.Comparison).
_STATUS_PILLS = {
    "no_pay": ("pill", "no pay recorded"),
    "no_benchmark": ("pill warn", "no matching benchmark"),
    "cannot_compare": ("pill warn", "cannot compare"),
    "below": ("pill bad", "below target"),
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
