"""Filters several list pages share, read from the query string: a month, a day, a village and
a grid; and the count of rows a list shows above them.

The dashboards link to the lists with these filters, so that each number on a screen opens the
rows it counts. A value that cannot be used (not a month, a grid outside the user's areas) is
dropped and the page says so above its results, then shows what it would without that filter:
a link kept from an old page or typed by hand still leads somewhere, and nobody takes the
unfiltered list for the filtered one. The areas offered are the user's own (`AreaChoices`,
read by `grids.selectors.area_choices_for_user`), so a filter never widens what a user sees.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from huaisi.periods import parse_month

# Counting stops here: a COUNT over every order of a town costs more than the page it heads,
# and beyond this nobody reads the exact number.
COUNT_CAP = 10_000


def _clip(raw: str) -> str:
    return raw.strip()[:20]


def read_month(raw: str | None, notices: list[str]) -> datetime.date | None:
    """The first day of the month `YYYY-MM`; None when absent, or unreadable (with a notice)."""
    text = (raw or "").strip()
    if not text:
        return None
    month = parse_month(text)
    if month is None:
        notices.append(
            _("“%(value)s” is not a month like 2026-05: showing every month.")
            % {"value": _clip(text)}
        )
    return month


def read_day(raw: str | None, notices: list[str]) -> datetime.date | None:
    """The day `YYYY-MM-DD`; None when absent, or unreadable (with a notice)."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        day = None
    if day is None or len(text) != 10 or not 2000 <= day.year <= 2100:
        notices.append(
            _("“%(value)s” is not a date like 2026-05-31: showing every day.")
            % {"value": _clip(text)}
        )
        return None
    return day


class AreaChoices:
    """The villages and grids a user may filter a list by (their own areas), by code. Read
    when first asked for: an htmx request for a list's rows, with no area in its query,
    shows no select and checks no id, so it costs no query for them."""

    def __init__(self, grids: Iterable = ()):
        self._grids = grids

    @cached_property
    def grids(self) -> list:
        return list(self._grids)

    @cached_property
    def villages(self) -> list:
        return list({grid.village_id: grid.village for grid in self.grids}.values())


@dataclass(frozen=True)
class AreaFilter:
    village: object | None = None
    grid: object | None = None

    @property
    def village_id(self) -> int | None:
        return self.village.pk if self.village is not None else None

    @property
    def grid_id(self) -> int | None:
        return self.grid.pk if self.grid is not None else None


def _pick(raw: str | None, rows: Callable[[], list], notices: list[str], message: str):
    text = (raw or "").strip()
    if not text:
        return None
    row = next((row for row in rows() if str(row.pk) == text), None)
    if row is None:
        notices.append(message)
    return row


def read_area(params, choices: AreaChoices, notices: list[str]) -> AreaFilter:
    """`?village=<id>&grid=<id>`, each one of the user's own; a grid outside the chosen
    village is dropped (the village stays)."""
    village = _pick(
        params.get("village"),
        lambda: choices.villages,
        notices,
        _("The village or community asked for is not among your areas: showing all of yours."),
    )
    grid = _pick(
        params.get("grid"),
        lambda: choices.grids,
        notices,
        _("The grid asked for is not among your areas: showing all of yours."),
    )
    if grid is not None and village is not None and grid.village_id != village.pk:
        notices.append(
            _("The grid asked for is not in %(village)s: showing the whole village.")
            % {"village": village.name}
        )
        grid = None
    return AreaFilter(village=village, grid=grid)


@dataclass(frozen=True)
class ResultCount:
    """How many rows a list holds: `n`, or more than `n` when `more`."""

    n: int
    more: bool = False


@dataclass(frozen=True)
class FirstRows:
    """The first `limit` rows of a list, whether more follow, and how many there are."""

    rows: list
    more: bool
    count: ResultCount


def first_rows(queryset: QuerySet, limit: int) -> FirstRows:
    """Read `limit` + 1 rows: the extra one tells that more follow. A list that ends within
    them is counted by them; a longer one costs one COUNT (`count_rows`)."""
    fetched = list(queryset[: limit + 1])
    known = len(fetched) if len(fetched) <= limit else None
    return FirstRows(
        rows=fetched[:limit], more=known is None, count=count_rows(queryset, known=known)
    )


def count_rows(
    queryset: QuerySet, cap: int = COUNT_CAP, *, known: int | None = None
) -> ResultCount:
    """How many rows `queryset` holds, up to `cap`. `known`: the number, when the page the list
    read already shows it (the list ended on that page), which costs no query. Otherwise one
    query, `COUNT(*)` over at most `cap` + 1 rows."""
    if known is not None and known <= cap:
        return ResultCount(n=known)
    n = queryset.order_by()[: cap + 1].count()
    return ResultCount(n=min(n, cap), more=n > cap)
