"""Who sees which orders, the unit inbox, the board, repeat callers, the demo seed."""

import pytest
from django.db.models import F
from django.http import Http404

from grids.demo import seed as seed_areas
from grids.models import Town
from tickets import services as s
from tickets.models import Action, Source, State, TimelineEvent, WorkOrder
from tickets.selectors import (
    board_counts,
    dispatch_board,
    order_get_for_user,
    orders_for_user,
    repeat_orders,
    unit_inbox,
)

pytestmark = pytest.mark.django_db


def test_visibility_by_role(hotline):
    h = hotline
    in_v1 = s.order_dispatch(actor=h.command, order=h.new_order(), lead_unit=h.d1, co_units=[h.d2])
    in_v2 = s.order_dispatch(
        actor=h.command, order=h.new_order(village=h.area.v2, address="第2村"), lead_unit=h.v1
    )
    undispatched = h.new_order(village=h.area.v2, grid=h.area.g21)

    def seen(user):
        return set(orders_for_user(user=user).values_list("pk", flat=True))

    everything = {in_v1.pk, in_v2.pk, undispatched.pk}
    assert seen(h.command) == seen(h.supervisor) == seen(h.admin) == everything
    assert seen(h.handler) == {in_v1.pk}  # leads it
    assert seen(h.other_handler) == {in_v1.pk}  # co-handles it
    # The V1 clerk: located in V1, and the order V1 leads as a unit although it lies in V2.
    assert seen(h.clerk) == {in_v1.pk, in_v2.pk}
    assert seen(h.other_clerk) == {in_v2.pk, undispatched.pk}
    assert seen(h.other_leader) == {undispatched.pk}
    with pytest.raises(Http404):
        order_get_for_user(user=h.other_leader, pk=in_v1.pk)


def test_unit_inbox_with_constant_queries(hotline, django_assert_num_queries):
    h = hotline
    for _ in range(3):
        s.order_dispatch(actor=h.command, order=h.new_order(), lead_unit=h.d1)
    s.order_dispatch(actor=h.command, order=h.new_order(), lead_unit=h.d2, co_units=[h.d1])
    s.order_dispatch(actor=h.command, order=h.new_order(), lead_unit=h.d2)
    h.handler = type(h.handler).objects.get(pk=h.handler.pk)
    # The roles, the user's units, the inbox, then its rows' lead units and villages.
    with django_assert_num_queries(5):
        rows = [(o.number, str(o.lead_unit), o.category.name) for o in unit_inbox(user=h.handler)]
    assert len(rows) == 4


def test_dispatch_board_views_and_counts(hotline, django_assert_num_queries):
    h = hotline
    waiting = [h.new_order() for _ in range(3)]
    s.order_dispatch(actor=h.command, order=waiting[0], lead_unit=h.d1)
    WorkOrder.objects.filter(pk=waiting[0].pk).update(overdue=True)
    command = type(h.command).objects.get(pk=h.command.pk)
    # The roles, the orders, their villages (no lead units yet: none is dispatched).
    with django_assert_num_queries(3):
        new = [(o.number, o.category.parent) for o in dispatch_board(user=command, town=h.town)]
    assert len(new) == 2
    overdue = dispatch_board(user=command, town=h.town, view="overdue")
    assert [o.pk for o in overdue] == [waiting[0].pk]
    counts = board_counts(town=h.town)
    assert (counts["new"], counts["overdue"], counts["open"]) == (2, 1, 3)


def test_repeat_callers_are_earlier_orders_by_phone_or_address(hotline):
    h = hotline
    first = h.new_order(caller_phone="13900000001", address="第1村1号")
    second = h.new_order(caller_phone="13900000002", address="第1村1号")
    h.new_order(caller_phone="13900000003", address="别处")
    third = h.new_order(caller_phone="13900000001", address="第1村9号")
    assert [o.pk for o in repeat_orders(user=h.command, order=third)] == [first.pk]
    assert [o.pk for o in repeat_orders(user=h.command, order=second)] == [first.pk]
    assert list(repeat_orders(user=h.command, order=first)) == []
    # Scoped: the D2 handler sees none of them.
    assert list(repeat_orders(user=h.other_handler, order=third)) == []


def test_demo_seed_builds_a_year_across_states(db):
    town = Town.objects.create(code="HS-DEMO", name="演示镇", is_demo=True)
    seed_areas(town=town, options={}, progress=lambda *a: None)
    from tickets.demo import seed

    summary = seed(town=town, options={"households": 400}, progress=lambda *a: None)
    assert summary["orders"] == 400
    states = set(WorkOrder.objects.values_list("state", flat=True))
    assert State.CLOSED in states and len(states) >= 4
    assert WorkOrder.objects.filter(handled_on_spot=True, source=Source.GRID).exists()
    assert WorkOrder.objects.filter(rework_count__gt=0).exists()
    # Every order has a timeline starting with its receipt.
    assert not WorkOrder.objects.filter(timeline__isnull=True).exists()
    # Some orders have a co-handling unit, named on their dispatch, and some of those units
    # sent their opinion; a co-handling unit is never the order's lead unit.
    helped = WorkOrder.objects.filter(co_handlings__isnull=False).distinct()
    assert helped.exists()
    assert not helped.filter(co_handlings__unit=F("lead_unit")).exists()
    dispatch = TimelineEvent.objects.filter(order__in=helped, action=Action.DISPATCH).last()
    assert dispatch.data["co_units"]
    opinion = TimelineEvent.objects.filter(action=Action.CO_OPINION).first()
    assert opinion is not None and opinion.order.co_handlings.filter(unit=opinion.unit).exists()
    assert seed(town=town, options={"households": 400}, progress=lambda *a: None)["orders"] == 400
