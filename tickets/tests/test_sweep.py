"""The five-minute deadline sweep: flags, 催办 then 督办 once per deadline, notifications."""

import datetime

import pytest
from django.utils import timezone

from huaisi.roles import RoleKind
from tickets import services as s
from tickets.models import Action, NoticeKind, Notification, State, UrgingNotice, WorkOrder
from tickets.services.sweep import deadline_sweep, overdue_flags_reference

HOUR = datetime.timedelta(hours=1)


def dispatched(h, unit=None, **deadlines):
    order = s.order_dispatch(actor=h.command, order=h.new_order(), lead_unit=unit or h.d1)
    if deadlines:
        WorkOrder.objects.filter(pk=order.pk).update(**deadlines)
    order.refresh_from_db()
    return order


def notes(user, kind):
    return Notification.objects.filter(user=user, kind=kind).count()


@pytest.mark.django_db
def test_overdue_acceptance_is_urged_once_then_supervised_once(hotline):
    h = hotline
    now = timezone.now()
    order = dispatched(
        h, accept_due=now - HOUR, accept_warn_at=now - 2 * HOUR, accept_escalate_at=now + HOUR
    )
    # Its deadline is set, not computed from the wall clock: dispatched at 09:30 on a working
    # day, a computed one (two working hours) was itself overdue by the third sweep.
    calm = dispatched(
        h, unit=h.d2, accept_due=now + 24 * HOUR, accept_warn_at=now + 20 * HOUR,
        accept_escalate_at=now + 48 * HOUR,
    )  # fmt: skip

    result = deadline_sweep(now=now)
    order.refresh_from_db()
    assert order.overdue and order.urge_count == 1 and order.supervise_count == 0
    assert (result.urged, result.supervised) == (1, 0)
    assert notes(h.handler, "urge") == 1 and notes(h.other_handler, "urge") == 0
    notice = UrgingNotice.objects.get()
    assert (notice.kind, notice.phase, notice.unit) == (NoticeKind.URGE, "accept", h.d1)
    event = order.timeline.get(action=Action.URGE)
    assert event.actor is None and event.to_state == State.DISPATCHED

    again = deadline_sweep(now=now + datetime.timedelta(minutes=5))
    assert (again.flags_changed, again.urged, again.supervised, again.notifications) == (0, 0, 0, 0)
    order.refresh_from_db()
    assert order.urge_count == 1 and notes(h.handler, "urge") == 1

    later = deadline_sweep(now=now + 2 * HOUR)
    order.refresh_from_db()
    assert (later.urged, later.supervised) == (0, 1)
    assert order.supervise_count == 1
    assert notes(h.handler, "supervise") == 1
    assert notes(h.supervisor, "supervise") == 1  # the supervision team hears of 督办
    assert deadline_sweep(now=now + 3 * HOUR).supervised == 0
    calm.refresh_from_db()
    assert not calm.overdue and calm.urge_count == 0


@pytest.mark.django_db
def test_due_soon_is_yellow_and_issues_nothing(hotline):
    h = hotline
    now = timezone.now()
    order = dispatched(h, accept_warn_at=now - HOUR, accept_due=now + HOUR)
    result = deadline_sweep(now=now)
    order.refresh_from_db()
    assert order.due_soon and not order.overdue and order.deadline_colour == "yellow"
    assert result.urged == 0 and not UrgingNotice.objects.exists()


@pytest.mark.django_db
def test_acceptance_moves_the_clock_to_the_reply(hotline):
    h = hotline
    now = timezone.now()
    order = dispatched(h, accept_due=now - HOUR, accept_warn_at=now - 2 * HOUR)
    deadline_sweep(now=now)
    order = s.order_accept(actor=h.handler, order=order)
    # Accepted late: the acceptance stays late on record, but the reply clock is not overdue.
    assert not order.overdue
    deadline_sweep(now=timezone.now())
    order.refresh_from_db()
    assert not order.overdue and order.accepted_at > order.accept_due


@pytest.mark.django_db
def test_a_moved_deadline_gets_its_own_notice(hotline):
    h = hotline
    now = timezone.now()
    order = dispatched(h)
    s.order_accept(actor=h.handler, order=order)
    WorkOrder.objects.filter(pk=order.pk).update(
        reply_due=now - HOUR, reply_warn_at=now - 2 * HOUR, reply_escalate_at=now + 10 * HOUR
    )
    deadline_sweep(now=now)
    request = s.order_extension_request(actor=h.handler, order=order, working_days=1, reason="等待")
    s.order_extension_decide(actor=h.command, request=request, approve=True)
    order.refresh_from_db()
    assert not order.overdue
    deadline_sweep(now=now)
    assert UrgingNotice.objects.filter(order=order).count() == 1
    result = deadline_sweep(now=order.reply_due + HOUR)
    assert result.urged == 1
    assert UrgingNotice.objects.filter(order=order, kind="urge", phase="reply").count() == 2
    order.refresh_from_db()
    assert order.urge_count == 2


@pytest.mark.django_db
def test_replied_orders_leave_the_clock(hotline):
    h = hotline
    now = timezone.now()
    order = dispatched(h)
    s.order_accept(actor=h.handler, order=order)
    WorkOrder.objects.filter(pk=order.pk).update(reply_due=now - HOUR, reply_warn_at=now - 2 * HOUR)
    deadline_sweep(now=now)
    order = s.order_reply(actor=h.handler, order=order, text="已办")
    assert not order.overdue and order.replied_on_time is False
    assert deadline_sweep(now=now + 48 * HOUR).urged == 0


@pytest.mark.django_db
def test_reference_update_marks_the_same_rows(hotline):
    h = hotline
    now = timezone.now()
    order = dispatched(h, accept_due=now - HOUR, accept_warn_at=now - 2 * HOUR)
    assert overdue_flags_reference(now=now) == 1
    order.refresh_from_db()
    assert order.overdue and not UrgingNotice.objects.exists()


@pytest.mark.celery_worker
def test_sweep_runs_on_a_real_worker(hotline, celery_worker):
    from tickets.tasks import deadline_sweep_task

    h = hotline
    now = timezone.now()
    order = dispatched(
        h, accept_due=now - HOUR, accept_warn_at=now - 2 * HOUR, accept_escalate_at=now - HOUR / 2
    )
    result = deadline_sweep_task.delay().get(timeout=60)
    assert result["urged"] == 1 and result["supervised"] == 1
    order.refresh_from_db()
    assert order.overdue and order.urge_count == 1 and order.supervise_count == 1
    assert notes(h.handler, "urge") == 1
    assert deadline_sweep_task.delay().get(timeout=60)["urged"] == 0


@pytest.mark.django_db
def test_a_village_unit_s_clerks_are_urged(hotline):
    """The notices reach the clerks of a village unit, not another village's, not an inactive
    account's, and not the supervision team for a mere 催办."""
    from conftest import make_user

    h = hotline
    now = timezone.now()
    order = dispatched(
        h, unit=h.v1, accept_due=now - HOUR, accept_warn_at=now - 2 * HOUR,
        accept_escalate_at=now + HOUR,
    )  # fmt: skip
    away = make_user("away-clerk", kind=RoleKind.VILLAGE_CLERK, scope=h.area.v1, is_active=False)

    result = deadline_sweep(now=now)

    assert result.urged == 1
    assert notes(h.clerk, "urge") == 1
    assert notes(h.other_clerk, "urge") == 0 and notes(away, "urge") == 0
    assert notes(h.handler, "urge") == 0 and notes(h.supervisor, "urge") == 0
    assert result.notifications == Notification.objects.filter(order=order, kind="urge").count()
