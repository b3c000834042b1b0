"""The board's bulk actions: the chosen rows dispatched to one unit, or marked duplicates of
one order; each order its own compare-and-set, the ones someone else changed first reported by
number and left as they were."""

import pytest
from django.urls import reverse

from conftest import make_user
from huaisi.roles import RoleKind
from tickets import services as s
from tickets.models import State

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def bulk(client, **data):
    return client.post(reverse("order-bulk"), {"next": "/orders/board/", **data}, follow=True)


def said(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_bulk_dispatch_to_one_unit(client, hotline):
    h = hotline
    orders = [h.new_order(title=f"批量{n}") for n in range(3)]
    client.force_login(h.command)
    response = bulk(client, action="dispatch", lead_unit=h.d2.pk, orders=[o.pk for o in orders])
    text = said(response)
    for o in orders:
        o.refresh_from_db()
        assert o.state == State.DISPATCHED and o.lead_unit == h.d2
        assert o.number in text
    assert "Not changed" not in text


def test_two_dispatchers_at_once_the_loser_is_told_by_number(client, hotline):
    h = hotline
    colleague = make_user("u_command2", kind=RoleKind.COMMAND_CENTRE, scope=h.town)
    first, second, third = (h.new_order(title=f"同时{n}") for n in range(3))
    # The colleague dispatched the second order while this dispatcher was choosing rows.
    s.order_dispatch(actor=colleague, order=second, lead_unit=h.d1)
    client.force_login(h.command)
    response = bulk(
        client, action="dispatch", lead_unit=h.d2.pk, orders=[first.pk, second.pk, third.pk]
    )
    text = said(response)
    assert f"Not changed, someone else acted first or it could not be done: {second.number}" in (
        text
    )
    for o in (first, second, third):
        o.refresh_from_db()
    assert first.lead_unit == h.d2 and third.lead_unit == h.d2
    assert second.lead_unit == h.d1  # as the colleague left it
    assert second.timeline.filter(action="dispatch").count() == 1


def test_bulk_duplicates_of_one_order(client, hotline):
    h = hotline
    original = h.new_order(title="原始工单")
    copies = [h.new_order(title=f"重复{n}") for n in range(2)]
    done = h.new_order(title="已办结")
    s.order_mark_duplicate(actor=h.command, order=done, original=original)
    client.force_login(h.command)
    response = bulk(
        client,
        action="duplicate",
        original=original.number.lower(),
        orders=[c.pk for c in copies] + [done.pk],
    )
    text = said(response)
    for c in copies:
        c.refresh_from_db()
        assert c.state == State.DUPLICATE and c.duplicate_of == original
    assert done.number in text.split("Not changed")[1]


def test_bad_bulk_input_changes_nothing_and_says_why(client, hotline):
    h = hotline
    order = h.new_order()
    client.force_login(h.command)
    text = said(bulk(client, action="dispatch", orders=[order.pk]))
    assert "Nothing was changed" in text and "Choose the unit" in text
    text = said(bulk(client, action="duplicate", original="HS000", orders=[order.pk]))
    assert "No order HS000" in text
    text = said(bulk(client, action="dispatch", lead_unit=h.d1.pk, orders=["x"]))
    assert "Nothing was changed" in text
    text = said(bulk(client, action="dispatch", lead_unit=h.d1.pk))
    assert "Choose at least one order" in text
    order.refresh_from_db()
    assert order.state == State.NEW


def test_bulk_is_for_the_command_centre(client, hotline):
    h = hotline
    order = h.new_order()
    client.force_login(h.handler)
    response = client.post(
        reverse("order-bulk"), {"action": "dispatch", "lead_unit": h.d1.pk, "orders": [order.pk]}
    )
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.state == State.NEW
