"""Working time: the clock work-order deadlines run on.

Working days are China's: Monday to Friday, minus statutory holidays, plus the make-up working
days (调休) the State Council announces each year, as the `chinese_calendar` package lists them
(2026 National Day: 1–7 October off, Sunday 20 September and Saturday 10 October worked).

Working hours are the town offices' hours, in Asia/Shanghai: 08:30–12:00 and 13:30–17:30,
450 minutes a day. A span of working time starts at once inside those hours, and at the next
opening otherwise (an order dispatched at 20:00 on Friday starts counting on Monday at 08:30).
"N working days" is N × 450 working minutes, so it ends at the same clock time N working days
later (from outside hours: at 17:30 of the Nth working day).

`chinese_calendar` 1.11.0 knows the years 2004–2026 only. For a year it does not know, days
fall back to plain Monday–Friday with no holidays, and a warning is logged once per year:
deadlines then ignore holidays until the package is upgraded with that year's data.
"""

import datetime
import functools
import logging
from zoneinfo import ZoneInfo

import chinese_calendar

logger = logging.getLogger(__name__)

TZ = ZoneInfo("Asia/Shanghai")
PERIODS = (
    (datetime.time(8, 30), datetime.time(12, 0)),
    (datetime.time(13, 30), datetime.time(17, 30)),
)
MINUTES_PER_DAY = sum(
    (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute) for start, end in PERIODS
)
_warned_years: set[int] = set()
# Far enough for any deadline; stops a loop should the calendar ever have no working day.
_MAX_DAYS = 3660


@functools.lru_cache(maxsize=8192)
def is_working_day(day: datetime.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            logger.warning(
                "chinese_calendar has no holiday data for %s: counting Monday to Friday as "
                "working days that year. Upgrade chinesecalendar.",
                day.year,
            )
        return day.weekday() < 5


@functools.lru_cache(maxsize=8192)
def _periods_of(day: datetime.date) -> tuple[tuple[datetime.datetime, datetime.datetime], ...]:
    if not is_working_day(day):
        return ()
    return tuple(
        (datetime.datetime.combine(day, s, TZ), datetime.datetime.combine(day, e, TZ))
        for s, e in PERIODS
    )


def add_working_minutes(start: datetime.datetime, minutes: int) -> datetime.datetime:
    """The moment `minutes` of working time after `start` (an aware datetime)."""
    if minutes < 0:
        raise ValueError("minutes must not be negative")
    moment = start.astimezone(TZ)
    if minutes == 0:
        return moment
    remaining = datetime.timedelta(minutes=minutes)
    day = moment.date()
    for _ in range(_MAX_DAYS):
        for opens, closes in _periods_of(day):
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


def working_minutes_between(start: datetime.datetime, end: datetime.datetime) -> int:
    """Working minutes from `start` to `end` (0 when `end` is not later)."""
    begin, finish = start.astimezone(TZ), end.astimezone(TZ)
    if finish <= begin:
        return 0
    total = datetime.timedelta()
    day = begin.date()
    while day <= finish.date():
        for opens, closes in _periods_of(day):
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
