"""{{ count|group_count }}: culture.aggregates.group_count for counts built elsewhere (a
queryset's annotate), so a template never prints a count of 1 or 2 people."""

from __future__ import annotations

from django import template

from culture.aggregates import GroupCount
from culture.aggregates import group_count as _group_count

register = template.Library()


@register.filter
def group_count(value) -> GroupCount | str:
    if value is None or value == "":
        return ""
    if isinstance(value, GroupCount):
        return value
    return _group_count(int(value))
