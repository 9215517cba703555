"""Small-group suppression: any count or bucket covering 1 or 2 people is not shown.

PRACTICES.md: "Aggregates over fewer than 3 people are suppressed." Read to the letter, that
is every count a page shows about a group (a bucket of a distribution, "below target", an
answer tally), not only whole distributions: a bucket of one is that person. Every such count
goes through `group_count`, one function for the whole product; a template prints the
result as it is ("fewer than 3" when suppressed) or asks `.suppressed` / `.value`.

Zero is shown: it covers nobody.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext

MIN_GROUP = 3


@dataclass(frozen=True)
class GroupCount:
    """A count of people, as a page may show it."""

    count: int

    @property
    def suppressed(self) -> bool:
        return 0 < self.count < MIN_GROUP

    @property
    def value(self) -> int | None:
        """The count, or None when it is suppressed (never the hidden number)."""
        return None if self.suppressed else self.count

    @property
    def is_zero(self) -> bool:
        return self.count == 0

    def __str__(self) -> str:
        if self.suppressed:
            return gettext("fewer than %(n)d") % {"n": MIN_GROUP}
        return str(self.count)


def group_count(count: int) -> GroupCount:
    """The one helper: wrap every count of people a page shows about a group."""
    return GroupCount(int(count))
