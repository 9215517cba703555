from decimal import Decimal

from django import template

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
