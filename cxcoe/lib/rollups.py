"""Figures recounted every few minutes instead of on every page view.

Some counts grow with the organization: the reminder ledger's totals over half a million rows, each standard's
acknowledgement progress over tens of thousands. Counting them on each view makes the page slow in proportion.
Such a figure is registered here with the function that counts it; beat recounts every registered figure every
CXCOE_ROLLUP_EVERY_MINUTES (`cxcoe.tasks.recount_rollups`), and a page reads the last count with `read` and says
how old it is (templates/partials/_counted_at.html). A figure never counted yet is counted on its first read.

A counting function returns what it counted as a JSON-able dict, kept in the Rollup row; one that fills a table
of its own (standards' acknowledgement tallies) returns a small summary, and the row then only says when.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.paginator import Paginator
from django.utils import timezone
from django.utils.functional import cached_property

from ..models import Rollup

_COUNTERS: dict[str, Callable[[], dict]] = {}


def register(name: str, count: Callable[[], dict]) -> None:
    """Called from an AppConfig.ready(): `count()` recounts the figure `name`."""
    _COUNTERS[name] = count


def recount(name: str) -> Rollup:
    counted_at = timezone.now()
    value = _COUNTERS[name]()
    row, _created = Rollup.objects.update_or_create(name=name, defaults={"value": value, "counted_at": counted_at})
    return row


def read(name: str) -> Rollup:
    """The last count of `name`, counting it now if it never was."""
    return Rollup.objects.filter(name=name).first() or recount(name)


def recount_all() -> int:
    """Recount every registered figure (beat's task); returns how many."""
    for name in _COUNTERS:
        recount(name)
    return len(_COUNTERS)


class CountedPaginator(Paginator):
    """A paginator told its length (a rolled-up total) instead of counting every row of a big table."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self.known_count = count

    @cached_property
    def count(self) -> int:
        return self.known_count

    def page(self, number):
        # A full page even where the count is behind the table: rows added since it was counted still show.
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(self.object_list[bottom:bottom + self.per_page], number, self)
