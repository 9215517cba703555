"""`{{ value|when:"weekday_datetime_zone" }}`: a date in one of the product's formats that
Django has no named format for, in the reader's language and zone.

Django's named formats (DATE_FORMAT, DATETIME_FORMAT, MONTH_DAY_FORMAT, TIME_FORMAT) come from
each language's format module. A literal format ("l j F Y, H:i T") would translate the day and
month names but keep the English order ("月曜日 9 12月 2026"); these are translatable format
strings instead, so each catalogue gives its language's order ("2026年12月9日（月曜日）").
A builtin library (settings TEMPLATES "builtins"): no {% load %} needed.
"""

from __future__ import annotations

from django import template
from django.template.defaultfilters import date
from django.utils.translation import pgettext_lazy

register = template.Library()

FORMATS = {
    # Monday 9 December 2026, 14:00 GMT (a circle's time, in invitations and its pages)
    "weekday_datetime_zone": pgettext_lazy(
        "date format: weekday, day, month, year, time, zone (Django date letters)",
        "l j F Y, H:i T",
    ),
    # Mon 9 Dec, 14:00 GMT (a list of coming circles: each reader's zone, named)
    "weekday_day_time_zone": pgettext_lazy(
        "date format: short weekday, day, short month, time, zone (Django date letters)",
        "D j M, H:i T",
    ),
    # Mon 9 Dec
    "weekday_day": pgettext_lazy(
        "date format: short weekday, day, short month (Django date letters)", "D j M"
    ),
    # Mon 9 Dec 2026
    "weekday_date": pgettext_lazy(
        "date format: short weekday, day, short month, year (Django date letters)", "D j M Y"
    ),
    # 9 Dec 2026, 14:00:05 (the audit log, delivery records)
    "datetime_seconds": pgettext_lazy(
        "date format: day, short month, year, time with seconds (Django date letters)",
        "j M Y, H:i:s",
    ),
    # 14:00 GMT
    "time_zone": pgettext_lazy("date format: time, zone (Django date letters)", "H:i T"),
}


@register.filter(expects_localtime=True, is_safe=False)
def when(value, name: str) -> str:
    """`value` (already in the reader's zone: expects_localtime) in the named format."""
    return date(value, str(FORMATS[name]))
