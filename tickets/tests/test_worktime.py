"""Deadlines in working time: China's holidays and make-up working days (the holiday calendar,
filled from chinese_calendar after migrate), office hours 08:30–12:00 and 13:30–17:30
Asia/Shanghai."""

import datetime
import logging

import pytest

from tickets import worktime
from tickets.services import compute_deadlines
from workcalendar import selectors as calendar_selectors

TZ = worktime.TZ
# The working days come from the holiday calendar's table.
pytestmark = pytest.mark.django_db


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=TZ)


def test_hours_inside_one_morning():
    assert worktime.add_working_hours(at("2026-10-08 09:00"), 2) == at("2026-10-08 11:00")


def test_lunch_break_does_not_count():
    assert worktime.add_working_hours(at("2026-10-08 11:30"), 1) == at("2026-10-08 14:00")


def test_a_deadline_at_closing_time_stays_that_day():
    assert worktime.add_working_days(at("2026-10-08 08:30"), 1) == at("2026-10-08 17:30")


def test_evening_dispatch_starts_counting_next_working_morning():
    assert worktime.add_working_hours(at("2026-10-12 20:00"), 2) == at("2026-10-13 10:30")


def test_national_day_week_is_skipped_and_the_saturday_make_up_day_counts():
    # 30 Sept (Wed) 10:00 + 5 working days: 1–7 October are off, Saturday 10 October is a
    # make-up working day, Sunday 11 October is not.
    assert worktime.is_working_day(datetime.date(2026, 10, 10))
    assert not worktime.is_working_day(datetime.date(2026, 10, 11))
    assert not any(worktime.is_working_day(datetime.date(2026, 10, d)) for d in range(1, 8))
    assert worktime.add_working_days(at("2026-09-30 10:00"), 5) == at("2026-10-13 10:00")


def test_acceptance_hours_run_over_the_national_day_holiday():
    assert worktime.add_working_hours(at("2026-09-30 16:30"), 2) == at("2026-10-08 09:30")


def test_sunday_make_up_day_before_national_day_counts():
    # chinese_calendar 1.11.0: Sunday 20 September 2026 is the make-up day for National Day
    # (27 September is a Mid-Autumn holiday, not a working day).
    assert worktime.is_working_day(datetime.date(2026, 9, 20))
    assert not worktime.is_working_day(datetime.date(2026, 9, 27))
    assert worktime.add_working_hours(at("2026-09-19 10:00"), 2) == at("2026-09-20 10:30")


def test_mid_autumn_long_weekend_is_skipped():
    assert worktime.add_working_hours(at("2026-09-24 17:00"), 1) == at("2026-09-28 09:00")


def test_spring_festival_2026():
    # Saturday 14 February is a make-up working day; 15–23 February are off.
    assert worktime.add_working_days(at("2026-02-13 17:00"), 1) == at("2026-02-14 17:00")
    assert worktime.add_working_days(at("2026-02-13 17:00"), 2) == at("2026-02-24 17:00")
    assert worktime.working_minutes_between(at("2026-02-14 17:30"), at("2026-02-24 08:30")) == 0


def test_working_minutes_between_over_the_holiday():
    assert worktime.working_minutes_between(at("2026-09-30 10:00"), at("2026-10-08 10:00")) == (
        120 + 240 + 90
    )
    assert worktime.working_minutes_between(at("2026-10-08 10:00"), at("2026-09-30 10:00")) == 0


def test_yellow_warning_one_working_day_before_a_five_day_reply():
    start = at("2026-09-30 10:00")
    due = worktime.add_working_days(start, 5)
    assert worktime.warning_time(start, due) == worktime.add_working_days(start, 4)


def test_yellow_warning_for_a_two_hour_acceptance_is_the_last_half_hour():
    start = at("2026-10-08 09:00")
    due = worktime.add_working_hours(start, 2)
    assert worktime.warning_time(start, due) == at("2026-10-08 10:30")


def test_earlier_upstream_deadline_wins():
    start = at("2026-09-30 10:00")
    upstream = at("2026-10-09 12:00")
    deadlines = compute_deadlines(
        start=start, accept_hours=2, reply_days=5, upstream_deadline=upstream
    )
    assert deadlines["reply_due"] == upstream
    assert deadlines["accept_due"] == at("2026-09-30 12:00")
    later = compute_deadlines(
        start=start, accept_hours=2, reply_days=5, upstream_deadline=at("2026-12-01 12:00")
    )
    assert later["reply_due"] == at("2026-10-13 10:00")
    # 督办 one working day after the reply deadline.
    assert later["reply_escalate_at"] == at("2026-10-14 10:00")


def test_years_without_calendar_data_fall_back_to_weekdays_with_one_warning(caplog):
    calendar_selectors.calendar_reset_for_tests()
    with caplog.at_level(logging.WARNING, logger="workcalendar.selectors"):
        assert worktime.add_working_hours(at("2031-01-03 17:00"), 1) == at("2031-01-06 09:00")
        assert worktime.add_working_hours(at("2031-01-06 17:00"), 1) == at("2031-01-07 09:00")
    warnings = [r for r in caplog.records if "2031" in r.getMessage()]
    assert len(warnings) == 1


def test_negative_spans_are_refused():
    with pytest.raises(ValueError):
        worktime.add_working_minutes(at("2026-10-08 09:00"), -1)
