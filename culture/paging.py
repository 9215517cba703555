"""A paginator whose cost does not grow with the table.

Django's Paginator counts every matching row (`SELECT COUNT(*)`) before it shows page 1. Over
an access rule such as "memos visible to me" that is a scan of every memo on every request.
`CappedPaginator` counts at most `cap + 1` rows (a LIMITed subquery without ORDER BY), so the
first pages cost the same at 100 or 100,000 rows. Past the cap the total shows as "1,000+",
pages keep going ("Page 51"), and whether there is a next page is learned by fetching one row
more than a page.
"""

from __future__ import annotations

from typing import cast

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django.utils.formats import number_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _


class CappedPage(Page):
    def __init__(self, object_list, number, paginator, *, more: bool):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more


class CappedPaginator(Paginator):
    def __init__(self, object_list, per_page, *, cap: int = 1000, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        """The exact count up to `cap`; `cap + 1` means "more than cap". A list (rows the
        caller already fetched, at most `cap + 1` of them) is counted as it is."""
        if isinstance(self.object_list, list | tuple):
            return min(len(self.object_list), self.cap + 1)
        return cast(QuerySet, self.object_list).order_by()[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    @property
    def shown_count(self) -> str:
        if self.capped:
            return _("%(count)s+") % {"count": number_format(self.cap, force_grouping=True)}
        return number_format(self.count, force_grouping=True)

    def validate_number(self, number):
        if not self.capped:
            return super().validate_number(number)
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(_("That page number is not an integer"))
        if number < 1:
            raise EmptyPage(_("That page number is less than 1"))
        return number

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage(_("That page contains no results"))
        more = len(rows) > self.per_page
        return CappedPage(rows[: self.per_page], number, self, more=more)

    def get_page(self, number):
        try:
            return self.page(number)
        except PageNotAnInteger:
            return self.page(1)
        except EmptyPage:
            if not self.capped:
                return self.page(self.num_pages)
            return self.page(1)
