"""Supervision: scores against the checklist, each unit's month, the frozen monthly report."""

import datetime
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from tickets import services as s
from tickets.models import Callback, SupervisionReport, WorkOrder
from tickets.selectors import unit_month_rows
from tickets.services import NotPermitted, WrongState, order_score, supervision_report_publish
from tickets.worktime import TZ

pytestmark = pytest.mark.django_db
OCTOBER = datetime.date(2026, 10, 1)
AS_OF = datetime.datetime(2026, 11, 1, 10, 0, tzinfo=TZ)


def t(day: int, hour: int = 9, month: int = 10) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, 0, tzinfo=TZ)


def order_in(h, unit, *, dispatched, accepted=None, accept_due, reply_due, replied=None,
             on_time=None, rework=0, state="in_progress", **extra):  # fmt: skip
    order = h.new_order()
    WorkOrder.objects.filter(pk=order.pk).update(
        state=state,
        lead_unit=unit,
        dispatched_at=dispatched,
        accept_due=accept_due,
        accepted_at=accepted,
        reply_due=reply_due,
        first_replied_at=replied,
        replied_at=replied,
        replied_on_time=on_time,
        rework_count=rework,
        **extra,
    )
    order.refresh_from_db()
    return order


def callback(h, order, result):
    Callback.objects.create(
        order=order, unit=order.lead_unit, result=result, by=h.command, at=t(20)
    )


def points(h, *values):
    return {item.pk: v for item, v in zip(h.items, values, strict=True)}


# October's report is made after the month is over: the tests run as if on 10 November.
AFTER_OCTOBER = datetime.datetime(2026, 11, 10, 10, 0, tzinfo=TZ)


@pytest.fixture
def october(hotline, time_machine):
    time_machine.move_to(AFTER_OCTOBER, tick=False)
    h = hotline
    o1 = order_in(h, h.d1, dispatched=t(8), accepted=t(8, 10), accept_due=t(8, 11),
                  reply_due=t(15), replied=t(12), on_time=True, state="closed")  # fmt: skip
    o2 = order_in(h, h.d1, dispatched=t(9), accepted=t(9, 15), accept_due=t(9, 11),
                  reply_due=t(16), replied=t(13), on_time=True, rework=1, state="closed")  # fmt: skip
    o3 = order_in(h, h.d1, dispatched=t(12), accepted=t(12, 10), accept_due=t(12, 11),
                  reply_due=t(19), replied=t(21), on_time=False, state="called_back")  # fmt: skip
    order_in(h, h.d1, dispatched=t(13), accepted=t(13, 10), accept_due=t(13, 11),
                  reply_due=t(20))  # fmt: skip
    # Dispatched on the last afternoon: nothing decided yet when the report is made.
    order_in(h, h.d1, dispatched=t(31, 16), accept_due=t(2, 10, month=11),
             reply_due=t(9, 10, month=11), state="dispatched")  # fmt: skip
    # Left out of assessment, and outside the month (00:30 on 1 November in Shanghai): ignored.
    late = order_in(h, h.d1, dispatched=t(14), accepted=t(16), accept_due=t(14, 11),
                    reply_due=t(15))  # fmt: skip
    s.order_exclude_from_assessment(actor=h.command, order=late, reason="无理诉求")
    order_in(h, h.d1, dispatched=datetime.datetime(2026, 10, 31, 16, 30, tzinfo=datetime.UTC),
             accepted=t(2, 12, month=11), accept_due=t(2, 10, month=11),
             reply_due=t(9, month=11))  # fmt: skip
    d2 = order_in(h, h.d2, dispatched=t(10), accepted=t(10, 10), accept_due=t(10, 11),
                  reply_due=t(17), replied=t(14), on_time=True, state="closed")  # fmt: skip
    callback(h, o1, "satisfied")
    callback(h, o2, "dissatisfied")
    callback(h, o2, "very_satisfied")
    callback(h, o3, "satisfied")
    callback(h, d2, "very_satisfied")
    order_score(actor=h.supervisor, order=o1, points=points(h, 20, 50, 30))
    order_score(actor=h.supervisor, order=o2, points=points(h, 20, 30, 20))
    order_score(actor=h.supervisor, order=d2, points=points(h, 20, 40, 30))
    return h


def test_month_figures_match_the_hand_computed_ones(october):
    rows = {r.unit: r for r in unit_month_rows(town=october.town, month=OCTOBER, as_of=AS_OF)}
    assert set(rows) == {"第1局", "第2局"}
    d1 = rows["第1局"]
    assert d1.orders == 5
    assert (d1.accepted_on_time, d1.accept_counted, d1.accept_rate) == (3, 4, 75.0)
    assert (d1.replied_on_time, d1.reply_counted, d1.reply_rate) == (2, 4, 50.0)
    assert (d1.scored, d1.standard_score) == (2, 85.0)
    assert (d1.satisfied, d1.callbacks, d1.satisfaction_rate) == (3, 4, 75.0)
    assert (d1.reworked, d1.replied, d1.rework_rate) == (1, 3, 33.33)
    assert d1.overall == 70.33  # (75 + 50 + 85 + 75 + 66.67) / 5
    d2 = rows["第2局"]
    assert (d2.accept_rate, d2.reply_rate, d2.standard_score, d2.satisfaction_rate) == (
        100.0, 100.0, 90.0, 100.0,
    )  # fmt: skip
    assert (d2.rank, d1.rank) == (1, 2)


def test_report_is_frozen_and_published_once(october):
    h = october
    report, created = supervision_report_publish(town=h.town, month=OCTOBER)
    assert created and [r["unit"] for r in report.rows] == ["第2局", "第1局"]
    frozen = report.rows
    callback(h, WorkOrder.objects.filter(lead_unit=h.d1).first(), "dissatisfied")
    again, created_again = supervision_report_publish(town=h.town, month=OCTOBER)
    assert not created_again and again.pk == report.pk and again.rows == frozen


def test_an_unfinished_month_is_not_published(hotline):
    with pytest.raises(ValidationError):
        supervision_report_publish(town=hotline.town, month=datetime.date(2099, 1, 1))
    assert not SupervisionReport.objects.exists()


def test_publish_command(october):
    out = StringIO()
    call_command("publish_supervision", "--month", "2026-10", stdout=out)
    call_command("publish_supervision", "--month", "2026-10", stdout=out)
    assert "T1 2026-10: published, 2 units" in out.getvalue()
    assert "already published" in out.getvalue()
    assert SupervisionReport.objects.count() == 1


def test_only_supervisors_score_replied_orders_fully(hotline):
    h = hotline
    order = s.order_dispatch(actor=h.command, order=h.new_order(), lead_unit=h.d1)
    with pytest.raises(WrongState):
        order_score(actor=h.supervisor, order=order, points=points(h, 20, 50, 30))
    s.order_accept(actor=h.handler, order=order)
    s.order_reply(actor=h.handler, order=order, text="已办")
    with pytest.raises(NotPermitted):
        order_score(actor=h.command, order=order, points=points(h, 20, 50, 30))
    with pytest.raises(ValidationError) as exc:
        order_score(actor=h.supervisor, order=order, points={h.items[0].pk: 25})
    assert set(exc.value.message_dict) == {f"item_{i.pk}" for i in h.items}
    score = order_score(actor=h.supervisor, order=order, points=points(h, 10, 50, 30))
    assert score.score == 90 and score.unit == h.d1
    score = order_score(actor=h.supervisor, order=order, points=points(h, 20, 50, 30))
    assert score.score == 100 and type(score).objects.count() == 1
