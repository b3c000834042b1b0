"""A calendar change moves an open deadline on a real Celery worker (the task is registered
in the worker through tickets.apps, and runs after the change commits)."""

import datetime
import time

import pytest
from django.utils import timezone

from tickets.models import Action, TimelineEvent
from tickets.services import order_dispatch
from workcalendar import selectors
from workcalendar.models import SpecialDay
from workcalendar.services import special_day_create

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def test_a_new_holiday_moves_an_open_deadline_on_the_worker(celery_worker, hotline):
    order = order_dispatch(actor=hotline.command, order=hotline.new_order(), lead_unit=hotline.d1)
    # The first ordinary working day after today (a weekday with no row: a make-up working
    # day already has one, and a second row for its date is refused); it lies inside the
    # five-day reply span.
    day = timezone.localdate() + datetime.timedelta(days=1)
    while not selectors.is_working_day(day) or SpecialDay.objects.filter(date=day).exists():
        day += datetime.timedelta(days=1)
    assert day < timezone.localtime(order.reply_due).date()

    special_day_create(day=day, kind="holiday", name="测试假日")

    deadline = time.monotonic() + 60
    while not TimelineEvent.objects.filter(order=order, action=Action.CALENDAR).exists():
        assert time.monotonic() < deadline, celery_worker.log()
        time.sleep(0.2)
    old_due = order.reply_due
    order.refresh_from_db()
    assert order.reply_due > old_due
    assert "deadlines_follow_calendar_task" in celery_worker.log()
