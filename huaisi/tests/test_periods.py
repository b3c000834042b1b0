"""Months and half years (huaisi.periods): Asia/Shanghai boundaries, one reading of `YYYY-MM`."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from huaisi import periods

D = datetime.date
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("day", "start", "following", "last"),
    [
        (D(2026, 1, 31), D(2026, 1, 1), D(2026, 2, 1), D(2026, 1, 31)),
        (D(2028, 2, 10), D(2028, 2, 1), D(2028, 3, 1), D(2028, 2, 29)),
        (D(2026, 12, 1), D(2026, 12, 1), D(2027, 1, 1), D(2026, 12, 31)),
    ],
)
def test_month_start_next_and_last_day(day, start, following, last):
    assert periods.month_start(day) == start
    assert periods.next_month(day) == following
    assert periods.month_end(day) == last


def test_a_month_runs_from_midnight_to_midnight_in_shanghai():
    start, end = periods.month_bounds(D(2026, 12, 15))
    assert start == datetime.datetime(2026, 12, 1, tzinfo=SHANGHAI)
    assert end == datetime.datetime(2027, 1, 1, tzinfo=SHANGHAI)
    assert end - start == datetime.timedelta(days=31)
    first, after = periods.days_bounds(D(2026, 5, 1), D(2026, 5, 31))
    assert (first, after) == (start.replace(month=5), start.replace(month=6))


def test_last_month_and_half_are_shanghais_even_when_the_server_clock_is_utc():
    # 2026-06-30 16:30 UTC is already 1 July, 00:30 in Shanghai: last month is June, last
    # half year the first one of 2026.
    moment = datetime.datetime(2026, 6, 30, 16, 30, tzinfo=datetime.UTC)
    with time_machine.travel(moment, tick=False), timezone.override("UTC"):
        assert periods.previous_month() == D(2026, 6, 1)
        assert periods.previous_half() == D(2026, 1, 1)
    assert periods.previous_month(D(2026, 1, 15)) == D(2025, 12, 1)
    assert periods.previous_half(D(2026, 3, 1)) == D(2025, 7, 1)


@pytest.mark.parametrize(
    ("day", "start", "following"),
    [(D(2026, 6, 30), D(2026, 1, 1), D(2026, 7, 1)), (D(2026, 7, 1), D(2026, 7, 1), D(2027, 1, 1))],
)
def test_half_years(day, start, following):
    assert periods.half_start(day) == start
    assert periods.next_half(day) == following


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("2026-05", D(2026, 5, 1)),
        (" 2026-5 ", D(2026, 5, 1)),
        ("2026-13", None),
        ("2026-00", None),
        ("1999-12", None),
        ("2026/05", None),
        ("2026-05-01", None),
        ("", None),
        (None, None),
    ],
)
def test_one_reading_of_a_month_for_every_page_and_command(text, month):
    assert periods.parse_month(text) == month
