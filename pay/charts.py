"""Server-rendered SVG geometry for the pay pictures (no style attributes: CSP).

Coordinates are whole numbers computed from Decimals; the templates draw them with
presentation attributes and CSS classes, and say the same thing in text alongside.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

WIDTH = 600
PAD = 30


def _x(value: Decimal, low: Decimal, high: Decimal) -> int:
    span = high - low
    x = PAD + (Decimal(value) - low) * (WIDTH - 2 * PAD) / span
    return int(x.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def band(c) -> dict:
    """The P10..P90 band with P25..P75 shaded, P50 and the target marked and pay as a dot."""
    points = list(c.band) + [c.salary]
    if c.target is not None:
        points.append(c.target)
    low, high = min(points), max(points)
    margin = (high - low) * Decimal("0.08") or Decimal(1)
    low, high = max(Decimal(0), low - margin), high + margin
    p10, p25, p50, p75, p90 = (_x(v, low, high) for v in c.band)
    return {
        "width": WIDTH,
        "p10": p10,
        "p25": p25,
        "p50": p50,
        "p75": p75,
        "p90": p90,
        "band_width": max(p90 - p10, 1),
        "mid_width": max(p75 - p25, 1),
        "target": _x(c.target, low, high) if c.target is not None else None,
        "pay": _x(c.salary, low, high),
    }


def distribution(dist: dict) -> dict:
    """Bars for the pay-to-target ratio buckets; a suppressed bucket (1 or 2 people) has no
    bar, only its "fewer than 3" label."""
    height, bar_w, gap = 120, 80, 24
    top = max(dist["max"], 1)
    bars = []
    for i, bucket in enumerate(dist["buckets"]):
        h = int(Decimal((bucket["count"].value or 0) * (height - 20)) / top)
        x = 20 + i * (bar_w + gap)
        bars.append(
            {
                **bucket,
                "x": x,
                "y": height - h,
                "h": h,
                "w": bar_w,
                "mid": x + bar_w // 2,
                "below": i < 3,
            }
        )
    return {"bars": bars, "width": 20 + len(bars) * (bar_w + gap), "height": height}


MINI_WIDTH = 120
MINI_PAD = 8


def mini_band(c) -> dict | None:
    """A row's small band bar (as Pave draws one per person): the P10..P90 band with
    P25..P75 shaded, the target as a tick and pay as a dot. None without a band."""
    if not c.band or c.salary is None:
        return None
    points = list(c.band) + [c.salary]
    if c.target is not None:
        points.append(c.target)
    low, high = min(points), max(points)
    span = (high - low) or Decimal(1)

    def x(value: Decimal) -> int:
        v = MINI_PAD + (Decimal(value) - low) * (MINI_WIDTH - 2 * MINI_PAD) / span
        return int(v.quantize(Decimal(1), rounding=ROUND_HALF_UP))

    p10, p25, _, p75, p90 = (x(v) for v in c.band)
    return {
        "width": MINI_WIDTH,
        "p10": p10,
        "p25": p25,
        "band_width": max(p90 - p10, 1),
        "mid_width": max(p75 - p25, 1),
        "target": x(c.target) if c.target is not None else None,
        "pay": x(c.salary),
    }
