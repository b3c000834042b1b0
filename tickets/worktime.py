"""Working time: the clock work-order deadlines run on.

Working days are China's: Monday to Friday, minus statutory holidays, plus the make-up working
days (调休) the State Council announces each year, as the holiday calendar (the `workcalendar`
app, a table the town administrator keeps) lists them (2026 National Day: 1–7 October off,
Sunday 20 September and Saturday 10 October worked). A year nobody has entered counts plain
Monday–Friday; the calendar logs it and names it on /healthz and in the command centre's
banner (`workcalendar.selectors`).

Working hours are the town offices' hours, in Asia/Shanghai: 08:30–12:00 and 13:30–17:30,
450 minutes a day. A span of working time starts at once inside those hours, and at the next
opening otherwise (an order dispatched at 20:00 on Friday starts counting on Monday at 08:30).
"N working days" is N × 450 working minutes, so it ends at the same clock time N working days
later (from outside hours: at 17:30 of the Nth working day).

A day's opening hours are cached per calendar version (`calendar_version()`, which changes
with every change to the calendar), so a changed calendar is never answered from the cache.
`add_working_minutes` and `working_minutes_between` also take another calendar
(`is_working`): moving deadlines after a change counts the remaining time on the calendar as
it was before the change.
"""

import datetime
import functools
from collections.abc import Callable
from zoneinfo import ZoneInfo

from workcalendar import selectors as calendar

TZ = ZoneInfo("Asia/Shanghai")
PERIODS = (
    (datetime.time(8, 30), datetime.time(12, 0)),
    (datetime.time(13, 30), datetime.time(17, 30)),
)
MINUTES_PER_DAY = sum(
    (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute) for start, end in PERIODS
)
# Far enough for any deadline; stops a loop should the calendar ever have no working day.
_MAX_DAYS = 3660

Periods = tuple[tuple[datetime.datetime, datetime.datetime], ...]


def is_working_day(day: datetime.date) -> bool:
    return calendar.is_working_day(day)


def _day_periods(day: datetime.date, working: bool) -> Periods:
    if not working:
        return ()
    return tuple(
        (datetime.datetime.combine(day, s, TZ), datetime.datetime.combine(day, e, TZ))
        for s, e in PERIODS
    )


@functools.lru_cache(maxsize=8192)
def _cached_periods(day: datetime.date, version: str) -> Periods:
    return _day_periods(day, calendar.is_working_day(day))


def _periods_getter(
    is_working: Callable[[datetime.date], bool] | None,
) -> Callable[[datetime.date], Periods]:
    if is_working is not None:
        return lambda day: _day_periods(day, is_working(day))
    version = calendar.calendar_version()
    return lambda day: _cached_periods(day, version)


def add_working_minutes(
    start: datetime.datetime,
    minutes: int,
    *,
    is_working: Callable[[datetime.date], bool] | None = None,
) -> datetime.datetime:
    """The moment `minutes` of working time after `start` (an aware datetime), on the holiday
    calendar (or on `is_working`'s)."""
    if minutes < 0:
        raise ValueError("minutes must not be negative")
    moment = start.astimezone(TZ)
    if minutes == 0:
        return moment
    periods_of = _periods_getter(is_working)
    remaining = datetime.timedelta(minutes=minutes)
    day = moment.date()
    for _ in range(_MAX_DAYS):
        for opens, closes in periods_of(day):
            if closes <= moment:
                continue
            begin = max(opens, moment)
            available = closes - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
        day += datetime.timedelta(days=1)
    raise ValueError("no working time found within ten years")


def add_working_hours(start: datetime.datetime, hours: int) -> datetime.datetime:
    return add_working_minutes(start, hours * 60)


def add_working_days(start: datetime.datetime, days: int) -> datetime.datetime:
    return add_working_minutes(start, days * MINUTES_PER_DAY)


def working_minutes_between(
    start: datetime.datetime,
    end: datetime.datetime,
    *,
    is_working: Callable[[datetime.date], bool] | None = None,
) -> int:
    """Working minutes from `start` to `end` (0 when `end` is not later)."""
    begin, finish = start.astimezone(TZ), end.astimezone(TZ)
    if finish <= begin:
        return 0
    periods_of = _periods_getter(is_working)
    total = datetime.timedelta()
    day = begin.date()
    while day <= finish.date():
        for opens, closes in periods_of(day):
            lo, hi = max(opens, begin), min(closes, finish)
            if hi > lo:
                total += hi - lo
        day += datetime.timedelta(days=1)
    return int(total.total_seconds() // 60)


def warning_time(start: datetime.datetime, due: datetime.datetime) -> datetime.datetime:
    """When a deadline turns yellow ("due soon"): when a quarter of its working time is left,
    but never more than one working day before it (a 5-day reply warns on the last day, a
    2-hour acceptance 30 minutes before). A due already reached warns at once."""
    span = working_minutes_between(start, due)
    if span == 0:
        return min(start, due)
    left = min(span // 4, MINUTES_PER_DAY)
    return add_working_minutes(start, span - left)
