"""Reads of the working-time calendar, cached in two layers.

The whole calendar is small (some forty special days a year), so it is read whole: one query
for the special days and one for the entered years, into a `Calendar` kept in the process and,
for other processes, in the Django cache under a version token.

Invalidation: every change to the calendar takes a new random token after its transaction
commits (`calendar_invalidate`, on commit), stored in the Django cache without expiry. The
process that made the change drops its copy at once; every other process compares its token
with the cache's at most once every `CHECK_SECONDS`, so a change reaches all web and worker
processes within that time. Work that must see a change at once (recomputing deadlines after
it) calls `calendar_refresh()` first. A cached calendar also expires after `CACHE_SECONDS`, so
a token lost with an unreachable Redis cannot keep an old calendar for long; while the cache
does not answer, each process reads the database again every `CHECK_SECONDS`.

A year with no `CalendarYear` row is counted Monday to Friday with no holidays (any special days
already entered for it still count), logged once per process and year, and named by
`missing_years()` so /healthz and the command centre's banner report it.
"""

import datetime
import logging
import threading
import time
import uuid
from dataclasses import dataclass

from django.apps import apps
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone

from huaisi.access import user_can
from huaisi.roles import Capability

from .models import CalendarYear, DayKind, SpecialDay

logger = logging.getLogger(__name__)

VERSION_KEY = "workcalendar:version"
CHECK_SECONDS = 1.0
CACHE_SECONDS = 600
# From this month on, next year's schedule is expected (the State Council publishes it in
# October to December); before it, only the current year must be entered.
WARN_FROM_MONTH = 11


@dataclass(frozen=True)
class Calendar:
    entered_years: frozenset[int]
    holidays: frozenset[datetime.date]
    workdays: frozenset[datetime.date]

    def is_working_day(self, day: datetime.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5


class _State:
    def __init__(self):
        self.lock = threading.Lock()
        self.version: str | None = None
        self.checked_at = 0.0
        self.calendar: Calendar | None = None
        self.warned_years: set[int] = set()
        # Set when this process changed the calendar (tests reset the caches after it).
        self.changed = False


_state = _State()


def _data_key(version: str) -> str:
    return f"workcalendar:data:{version}"


def _read_version() -> str:
    """The cache's token, made if there is none; a fresh local one if the cache fails."""
    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
            version = cache.get(VERSION_KEY)
    except Exception:
        logger.warning("Cache unreachable: the holiday calendar is read from the database.")
        version = None
    return version or f"local-{uuid.uuid4().hex}"


def calendar_version() -> str:
    """The token of the calendar this process uses (checked with the cache every second)."""
    now = time.monotonic()
    if _state.version is not None and now - _state.checked_at < CHECK_SECONDS:
        return _state.version
    version = _read_version()
    with _state.lock:
        if version != _state.version:
            _state.version = version
            _state.calendar = None
        _state.checked_at = now
    return version


def calendar_refresh() -> str:
    """Check the cache's token now rather than within the next second."""
    _state.checked_at = 0.0
    return calendar_version()


def _load() -> Calendar:
    holidays, workdays = set(), set()
    for day, kind in SpecialDay.objects.values_list("date", "kind"):
        (workdays if kind == DayKind.WORKDAY else holidays).add(day)
    return Calendar(
        entered_years=frozenset(CalendarYear.objects.values_list("year", flat=True)),
        holidays=frozenset(holidays),
        workdays=frozenset(workdays),
    )


def calendar_current() -> Calendar:
    """The whole calendar: from this process, else the Django cache, else the database."""
    version = calendar_version()
    calendar = _state.calendar
    if calendar is not None:
        return calendar
    key = _data_key(version)
    try:
        calendar = cache.get(key)
    except Exception:
        calendar = None
    if calendar is None:
        calendar = _load()
        try:
            cache.set(key, calendar, timeout=CACHE_SECONDS)
        except Exception:
            logger.warning("Cache unreachable: the holiday calendar is not shared.")
    with _state.lock:
        if _state.version == version:
            _state.calendar = calendar
    return calendar


def calendar_invalidate() -> str:
    """A new token for everyone, and this process's copy dropped: run after a change commits."""
    version = uuid.uuid4().hex
    try:
        cache.set(VERSION_KEY, version, timeout=None)
    except Exception:
        logger.warning("Cache unreachable: other processes see the calendar change within %ss.",
                       CACHE_SECONDS)  # fmt: skip
        version = f"local-{version}"
    with _state.lock:
        _state.version = version
        _state.checked_at = time.monotonic()
        _state.calendar = None
        _state.warned_years.clear()
        _state.changed = True
    return version


def calendar_reset_for_tests(*, test_ended: bool = False) -> None:
    """Forget everything cached: for tests that change the calendar inside a transaction that
    is rolled back. The test fixture resets again when the test ends (`test_ended`)."""
    calendar_invalidate()
    if test_ended:
        _state.changed = False


def calendar_changed_in_process() -> bool:
    return _state.changed


def is_working_day(day: datetime.date) -> bool:
    """Whether `day` is a working day. A year not entered counts Monday to Friday (logged)."""
    calendar = calendar_current()
    if day.year not in calendar.entered_years and day.year not in _state.warned_years:
        _state.warned_years.add(day.year)
        logger.warning(
            "The holiday calendar for %s has not been entered: counting Monday to Friday as "
            "working days that year. Enter it on the calendar page (/calendar/).",
            day.year,
        )
    return calendar.is_working_day(day)


def year_is_entered(year: int) -> bool:
    return year in calendar_current().entered_years


def missing_years(*, today: datetime.date | None = None) -> list[int]:
    """The years that should be entered and are not: this year, and from 1 November
    (Asia/Shanghai) the next one."""
    today = today or timezone.localdate()
    wanted = [today.year] + ([today.year + 1] if today.month >= WARN_FROM_MONTH else [])
    entered = calendar_current().entered_years
    return [year for year in wanted if year not in entered]


def special_days_of_year(*, year: int) -> QuerySet[SpecialDay]:
    return SpecialDay.objects.filter(date__year=year).order_by("date")


def calendar_year_get(*, year: int) -> CalendarYear | None:
    return CalendarYear.objects.select_related("entered_by").filter(year=year).first()


def calendar_years_known() -> list[int]:
    """Every year with an entry or a special day, for the year switcher."""
    calendar = calendar_current()
    return sorted(calendar.entered_years | {d.year for d in calendar.holidays | calendar.workdays})


def calendar_may_change(*, user) -> bool:
    """Whether `user` may change the calendar. Every town of the install shares it, so on an
    install of one town its administrator (MANAGE_CALENDAR) keeps it; with several towns one
    town's administrator would move every other town's deadlines, and only a superuser may
    change it (the town administrators read it)."""
    if not user_can(user, Capability.MANAGE_CALENDAR):
        return False
    if user.is_superuser:
        return True
    # Read by name: grids sits above this app and may not be imported from here.
    return apps.get_model("grids", "Town").objects.count() <= 1
