"""Months and half years, the one definition every app uses.

Month and half-year boundaries are Asia/Shanghai's (the design's time rule), whatever the
server's zone. Dates stand for periods by their first day (2026-05-01 is May 2026). A
function named `next_…` gives the first day of the following period (an exclusive end, for
`< next` filters); `month_end` gives the last day of the month (an inclusive end, as the
statements and the SQL `<= month_end` read).
"""

import datetime
import re
from zoneinfo import ZoneInfo

from django.utils import timezone

TZ = ZoneInfo("Asia/Shanghai")

MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(month: datetime.date) -> datetime.date:
    """The first day of the month after `month`'s."""
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def month_end(month: datetime.date) -> datetime.date:
    """The last day of `month`'s month."""
    return next_month(month) - datetime.timedelta(days=1)


def previous_month(today: datetime.date | None = None) -> datetime.date:
    """The first day of the month before today's (Asia/Shanghai when not given)."""
    today = today or timezone.localdate(timezone=TZ)
    return month_start(month_start(today) - datetime.timedelta(days=1))


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The first moment of `month`'s month and of the next one, Asia/Shanghai."""
    start = month_start(month)
    return (
        datetime.datetime.combine(start, datetime.time.min, tzinfo=TZ),
        datetime.datetime.combine(next_month(start), datetime.time.min, tzinfo=TZ),
    )


def parse_month(text: str | None) -> datetime.date | None:
    """`YYYY-MM` (or `YYYY-M`), years 2000–2100, as the month's first day; None otherwise."""
    match = MONTH_RE.match((text or "").strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if 2000 <= year <= 2100 and 1 <= month <= 12:
        return datetime.date(year, month, 1)
    return None


def half_start(day: datetime.date) -> datetime.date:
    """The first day of `day`'s half year (1 January or 1 July)."""
    return datetime.date(day.year, 1 if day.month <= 6 else 7, 1)


def next_half(start: datetime.date) -> datetime.date:
    """The first day of the half year after `start`'s."""
    start = half_start(start)
    return (
        datetime.date(start.year, 7, 1) if start.month == 1 else datetime.date(start.year + 1, 1, 1)
    )


def previous_half(today: datetime.date | None = None) -> datetime.date:
    """The first day of the half year before today's (Asia/Shanghai when not given)."""
    today = today or timezone.localdate(timezone=TZ)
    return half_start(half_start(today) - datetime.timedelta(days=1))


def days_bounds(first: datetime.date, last: datetime.date) -> tuple[datetime.datetime, ...]:
    """The first moment of day `first` and of the day after `last`, Asia/Shanghai: the days
    `first`…`last` as a `>= start, < end` range of aware datetimes."""
    return (
        datetime.datetime.combine(first, datetime.time.min, tzinfo=TZ),
        datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min, tzinfo=TZ),
    )
