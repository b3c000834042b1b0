"""Open deadlines follow the holiday calendar (tickets.services.calendar_changes): across the
2026 → 2027 year boundary and the 2027 Spring Festival, with the calendar entered on its pages
as the town administrator would, time frozen."""

import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from huaisi.celery import app as celery_app
from tickets.models import Action, Source, State, TimelineEvent, WorkOrder
from tickets.services import calendar_changes, order_accept, order_dispatch, order_reply
from tickets.services.calendar_changes import deadlines_follow_calendar
from workcalendar.models import SpecialDay
from workcalendar.selectors import calendar_invalidate
from workcalendar.services import special_day_create
from workcalendar.signals import DayChange

TZ = datetime.timezone(datetime.timedelta(hours=8))


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=TZ)


@pytest.fixture
def eager_tasks():
    """The recompute runs in the request's on-commit, as a worker would run it."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def admin_client(client, hotline):
    client.force_login(hotline.admin)
    return client


def dispatched(hotline, when: str, **overrides):
    with time_machine.travel(at(when), tick=False):
        order = hotline.new_order(**overrides)
        return order_dispatch(actor=hotline.command, order=order, lead_unit=hotline.d1)


def calendar_events(order):
    return list(TimelineEvent.objects.filter(order=order, action=Action.CALENDAR))


def enter_new_years_day(when: str, capture) -> None:
    with time_machine.travel(at(when), tick=False), capture(execute=True):
        special_day_create(day=datetime.date(2027, 1, 1), kind="holiday", name="元旦")


@pytest.mark.django_db
def test_new_years_day_2027_entered_on_the_page_moves_an_open_reply_deadline(
    hotline, admin_client, eager_tasks, django_capture_on_commit_callbacks
):
    # Dispatched on Tuesday 29 December 2026, 2027 not entered: five working days counted
    # Monday to Friday end on Tuesday 5 January, with New Year's Day worked.
    order = dispatched(hotline, "2026-12-29 10:00")
    assert order.reply_due == at("2027-01-05 10:00")
    assert order.accept_due == at("2026-12-29 12:00")

    with (
        time_machine.travel(at("2026-12-29 11:00"), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = admin_client.post(
            "/calendar/days/new/",
            {"date": "2027-01-01", "kind": "holiday", "name": "元旦", "notice": "国办发明电"},
        )
    assert response.status_code == 302

    order.refresh_from_db()
    assert order.reply_due == at("2027-01-06 10:00")
    assert order.reply_escalate_at == at("2027-01-07 10:00")
    # The acceptance deadline lies before the holiday: unchanged.
    assert order.accept_due == at("2026-12-29 12:00")
    [event] = calendar_events(order)
    assert event.at == at("2026-12-29 11:00")
    assert event.actor is None
    assert event.data["reply_due"] == at("2027-01-06 10:00").isoformat()
    assert "2027-01-05 10:00 → 2027-01-06 10:00" in event.note

    text = admin_client.get(f"/orders/{order.pk}/").content.decode()
    assert "节假日安排调整期限" in text
    assert "2027-01-06 10:00" in text


@pytest.mark.django_db
def test_a_passed_deadline_stays_while_its_escalation_still_ahead_moves(
    hotline, eager_tasks, django_capture_on_commit_callbacks
):
    # Dispatched Thursday 24 December: the reply was due on Thursday 31 December 09:00, the
    # supervision order (督办) comes one working day later, on 1 January 09:00.
    order = dispatched(hotline, "2026-12-24 09:00")
    assert order.reply_due == at("2026-12-31 09:00")
    assert order.reply_escalate_at == at("2027-01-01 09:00")

    enter_new_years_day("2026-12-31 10:00", django_capture_on_commit_callbacks)

    order.refresh_from_db()
    assert order.reply_due == at("2026-12-31 09:00")
    assert order.reply_escalate_at == at("2027-01-04 09:00")
    [event] = calendar_events(order)
    # The same change again (a retried task) moves nothing.
    change = [DayChange(datetime.date(2027, 1, 1), was_working=True, is_working=False)]
    again = deadlines_follow_calendar(
        changes=change, change_id=event.data["calendar_change"], now=at("2026-12-31 10:05")
    )
    assert again == 0
    order.refresh_from_db()
    assert order.reply_escalate_at == at("2027-01-04 09:00")
    assert len(calendar_events(order)) == 1


@pytest.mark.django_db
def test_orders_past_their_clock_keep_their_deadlines(
    hotline, eager_tasks, django_capture_on_commit_callbacks
):
    order = dispatched(hotline, "2026-12-29 10:00")
    with time_machine.travel(at("2026-12-29 10:30"), tick=False):
        order = order_accept(actor=hotline.handler, order=order)
        order = order_reply(actor=hotline.handler, order=order, text="已清理。")
    assert order.state == State.REPLIED

    enter_new_years_day("2026-12-29 11:00", django_capture_on_commit_callbacks)

    order.refresh_from_db()
    assert order.reply_due == at("2027-01-05 10:00")
    assert calendar_events(order) == []


@pytest.mark.django_db
def test_spring_festival_2027_imported_from_a_file_moves_the_deadline_over_the_week_off(
    hotline, admin_client, eager_tasks, django_capture_on_commit_callbacks
):
    # Wednesday 3 February 2027, nothing entered for 2027: the five days run Mon–Fri.
    order = dispatched(hotline, "2027-02-03 10:00")
    assert order.reply_due == at("2027-02-10 10:00")
    notice = "国办发明电〔2026〕X号"
    rows = ["日期,类别,名称,通知"] + [f"2027-02-{d:02d},休,春节,{notice}" for d in range(6, 13)]
    rows.append(f"2027-02-13,班,春节,{notice}")
    upload = SimpleUploadedFile("2027.csv", ("\n".join(rows) + "\n").encode("gbk"))

    with (
        time_machine.travel(at("2027-02-03 11:00"), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = admin_client.post(
            "/calendar/import/", {"file": upload, "mark_years_entered": "on"}
        )
    assert response.status_code == 302, response.content.decode()
    order.refresh_from_db()
    # Thu 4, Fri 5, the worked Saturday 13, Mon 15, Tue 16 February.
    assert order.reply_due == at("2027-02-16 10:00")
    [event] = calendar_events(order)
    assert "2027-02-10 10:00 → 2027-02-16 10:00" in event.note


@pytest.mark.django_db
def test_a_clerk_cannot_change_the_calendar(hotline, client):
    client.force_login(hotline.clerk)
    response = client.post(
        "/calendar/days/new/", {"date": "2027-01-01", "kind": "holiday", "name": "元旦"}
    )
    assert response.status_code == 403
    # The command centre reads the calendar; it does not keep it.
    client.force_login(hotline.command)
    assert client.get("/calendar/").status_code == 200
    response = client.post(
        "/calendar/days/new/", {"date": "2027-01-01", "kind": "holiday", "name": "元旦"}
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_the_city_platforms_deadline_does_not_move(
    hotline, eager_tasks, django_capture_on_commit_callbacks
):
    upstream = at("2027-01-04 17:00")
    order = dispatched(
        hotline,
        "2026-12-29 10:00",
        source=Source.HOTLINE,
        upstream_number="12345-20261229-0001",
        upstream_deadline=upstream,
    )
    assert order.reply_due == upstream  # earlier than five working days

    enter_new_years_day("2026-12-29 11:00", django_capture_on_commit_callbacks)

    order.refresh_from_db()
    assert order.reply_due == upstream
    # Its 督办 point, one working day after it, steps over nothing and stays too.
    assert order.reply_escalate_at == at("2027-01-05 17:00")


@pytest.mark.django_db
def test_a_run_cut_short_and_run_again_moves_each_order_once_and_leaves_a_changed_one(
    hotline, monkeypatch
):
    """Orders move a batch to a transaction (one order a batch here). A crash after the first
    batch keeps that batch's move; the run again moves the rest, not the first again. An
    order whose deadline an action changed between the read and the write is left as the
    action set it."""
    first, second, third = (dispatched(hotline, "2026-12-29 10:00") for _ in range(3))
    with time_machine.travel(at("2026-12-29 11:00"), tick=False):
        SpecialDay.objects.create(date=datetime.date(2027, 1, 1), kind="holiday", name="元旦")
        calendar_invalidate()
    change = [DayChange(datetime.date(2027, 1, 1), was_working=True, is_working=False)]
    monkeypatch.setattr(calendar_changes, "BATCH", 1)
    move = calendar_changes._move_batch

    def crash_on_the_second_batch(batch, **kwargs):
        if batch[0].pk == second.pk:
            raise RuntimeError("worker lost")
        return move(batch, **kwargs)

    monkeypatch.setattr(calendar_changes, "_move_batch", crash_on_the_second_batch)
    with pytest.raises(RuntimeError):
        deadlines_follow_calendar(changes=change, change_id="c1", now=at("2026-12-29 11:00"))

    def extended_meanwhile(batch, **kwargs):
        if batch[0].pk == third.pk:
            WorkOrder.objects.filter(pk=third.pk).update(reply_due=at("2027-01-08 10:00"))
        return move(batch, **kwargs)

    monkeypatch.setattr(calendar_changes, "_move_batch", extended_meanwhile)
    moved = deadlines_follow_calendar(changes=change, change_id="c1", now=at("2026-12-29 11:05"))

    assert moved == 1
    for order, reply_due, events in (
        (first, "2027-01-06 10:00", 1),
        (second, "2027-01-06 10:00", 1),
        (third, "2027-01-08 10:00", 0),
    ):
        order.refresh_from_db()
        assert (order.reply_due, len(calendar_events(order))) == (at(reply_due), events)
