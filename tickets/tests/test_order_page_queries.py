"""The order page's queries, counted: the command centre opens every new order before
dispatching it (it ran 16 queries, the town's units read once per unit list)."""

import pytest
from django.urls import reverse

from tickets import services as s

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def test_a_new_orders_page_reads_the_units_once(client, hotline, django_assert_num_queries):
    h = hotline
    order = h.new_order()
    client.force_login(h.command)
    # Session user, grants, the order, its timeline and files, the units, repeat callers, phone
    # reveals, the timeline's actors' roles.
    with django_assert_num_queries(9):
        response = client.get(reverse("order-detail", args=[order.pk]))
    body = response.content.decode()
    # Every unit list offers every unit: dispatch (lead, co-handling), joint handling (units, lead).
    for unit in (h.d1, h.d2, h.v1):
        assert body.count(f'value="{unit.pk}"') >= 4, unit
    assert 'id="act-dispatch"' in body and 'id="act-meeting"' in body


def test_a_dispatched_orders_page_shows_what_the_dispatch_brought(client, hotline):
    h = hotline
    order = h.new_order()
    s.order_dispatch(actor=h.command, order=order, lead_unit=h.d1, co_units=[h.d2])
    s.order_accept(actor=h.handler, order=order)
    s.order_extension_request(actor=h.handler, order=order, working_days=3, reason="需协调")
    client.force_login(h.command)
    body = client.get(reverse("order-detail", args=[order.pk])).content.decode()
    assert f"with {h.d2}" in body
    assert "需协调" in body
