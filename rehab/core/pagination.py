"""A paginator that stops counting: a list of a large office has hundreds of thousands of rows, and
counting them all for the page numbers costs more than the page itself."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.utils.functional import cached_property

# Lists count at most this many rows and say "more than" beyond it: nobody pages past it, they search.
COUNT_CAP = 2000


class CappedPaginator(Paginator):
    """Counts at most ``cap`` + 1 rows (``SELECT COUNT(*) FROM (... LIMIT cap + 1)``): ``capped`` tells
    the page to say "more than ``cap``" and to offer a search instead of the pages past it."""

    def __init__(self, object_list: Any, per_page: int, *, cap: int | None = None, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.cap = COUNT_CAP if cap is None else cap

    @cached_property
    def count(self) -> int:
        # COUNT(*) of a LIMIT subquery, unordered: any cap + 1 rows tell whether there are more.
        head: Any = self.object_list.order_by()[: self.cap + 1]  # type: ignore[attr-defined]
        return min(head.count(), self.cap + 1)

    @property
    def capped(self) -> bool:
        return self.count > self.cap


class CountedPaginator(Paginator):
    """A paginator told its count by a page that has counted already (the inbox's tab counts), so
    the list is not counted a second time."""

    capped = False

    def __init__(self, object_list: Any, per_page: int, *, count: int, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.__dict__["count"] = count  # Paginator.count is a cached_property: this is its value
