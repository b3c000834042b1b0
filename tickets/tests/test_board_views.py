"""The dispatch board, a unit's inbox, the list of orders and notifications: full pages, htmx
fragments, who may not see them, and queries that do not grow with the orders."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tickets import services as s
from tickets.models import State, WorkOrder
from tickets.views._common import PAGE_SIZE

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def text(response) -> str:
    return response.content.decode()


def queries(client, url, **extra) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, **extra).status_code == 200
    return len(ctx.captured_queries)


# --- The board ---------------------------------------------------------------------------


def test_board_shows_counts_new_orders_and_dispatch_forms(client, hotline):
    h = hotline
    new = h.new_order(title="新来的工单")
    s.order_dispatch(actor=h.command, order=h.new_order(title="已派的工单"), lead_unit=h.d2)
    client.force_login(h.command)
    body = text(client.get(reverse("order-board")))
    assert "新来的工单" in body and "已派的工单" not in body  # the default view: to dispatch
    # The row is marked for dispatch; its form is the page's one shared form (board.js).
    assert f'data-pk="{new.pk}" data-dispatch>' in body
    assert reverse("order-dispatch", args=[0]) in body
    assert "<strong>1</strong> new" in body and "<strong>2</strong> open" in body
    assert 'hx-trigger="every 30s"' in body
    # By unit: D2 holds one open order.
    assert '<a href="?view=open&amp;unit=' in body
    body = text(client.get(reverse("order-board") + "?view=open"))
    assert "已派的工单" in body and "新来的工单" in body


def test_board_filters(client, hotline):
    h = hotline
    h.new_order(title="河道垃圾", village=h.area.v1, category=h.straw)
    h.new_order(title="路灯不亮", village=h.area.v2, category=h.roads)
    client.force_login(h.command)
    url = reverse("order-board")
    body = text(client.get(url, {"village": h.area.v2.pk}))
    assert "路灯不亮" in body and "河道垃圾" not in body
    body = text(client.get(url, {"category": h.env.pk}))  # the parent finds its children
    assert "河道垃圾" in body and "路灯不亮" not in body
    body = text(client.get(url, {"q": "路灯"}))
    assert "路灯不亮" in body and "河道垃圾" not in body
    body = text(client.get(url, {"state": State.RETURNED}))
    assert "No order here." in body
    # Nonsense filters are ignored, not errors.
    assert client.get(url, {"village": "x", "unit": "99999", "view": "nope"}).status_code == 200


def shown(response) -> int:
    """The count line above a list's rows (none when the list says it is empty)."""
    assert response.status_code == 200
    found = re.search(r'data-result-count="(\d+)"', text(response))
    return int(found.group(1)) if found else 0


def test_board_filters_by_grid_and_counts_what_it_lists(client, hotline):
    h = hotline
    h.new_order(title="一网格的事", village=h.area.v1, grid=h.area.g11)
    h.new_order(title="二网格的事", village=h.area.v1, grid=h.area.g12)
    h.new_order(title="二村的事", village=h.area.v2, grid=h.area.g21)
    client.force_login(h.command)
    url = reverse("order-board")
    assert shown(client.get(url, {"view": "new"})) == 3
    r = client.get(url, {"view": "new", "grid": h.area.g11.pk})
    assert shown(r) == 1 and "一网格的事" in text(r) and "二网格的事" not in text(r)
    assert f'<option value="{h.area.g11.pk}" selected>' in text(r)
    assert shown(client.get(url, {"view": "new", "village": h.area.v1.pk})) == 2
    r = client.get(url, {"view": "new", "village": h.area.v1.pk, "grid": h.area.g21.pk})
    assert shown(r) == 2 and "is not in 第1村" in text(r)
    r = client.get(url, {"grid": "99999"})
    assert shown(r) == 3 and "The grid asked for is not among your areas" in text(r)
    # The live part polls with its filters: the count is part of what it shows.
    r = client.get(url, {"view": "new", "grid": h.area.g11.pk}, HTTP_HX_TARGET="board-live", **HTMX)
    assert shown(r) == 1 and "<html" not in text(r)


def test_order_list_filters_by_view_village_and_grid(client, hotline):
    h = hotline
    h.new_order(title="待派一网格", village=h.area.v1, grid=h.area.g11)
    sent = h.new_order(title="已派一网格", village=h.area.v1, grid=h.area.g11)
    s.order_dispatch(actor=h.command, order=sent, lead_unit=h.d1)
    WorkOrder.objects.filter(pk=sent.pk).update(overdue=True)
    h.new_order(title="二村的事", village=h.area.v2, grid=h.area.g21)
    url = reverse("order-list")
    client.force_login(h.command)
    assert shown(client.get(url)) == 3
    assert shown(client.get(url, {"view": "new"})) == 2
    assert shown(client.get(url, {"view": "new", "village": h.area.v1.pk})) == 1
    r = client.get(url, {"view": "overdue", "grid": h.area.g11.pk})
    assert shown(r) == 1 and "已派一网格" in text(r)
    assert 'value="overdue" selected' in text(r)
    assert shown(client.get(url, {"view": "due_soon"})) == 0
    assert "No work order within your areas matches." in text(client.get(url, {"view": "closed"}))
    r = client.get(url, {"view": "everything"})
    assert shown(r) == 3 and "is not one of the choices" in text(r)
    r = client.get(
        url, {"view": "open", "grid": h.area.g11.pk}, HTTP_HX_TARGET="order-results", **HTMX
    )
    assert "<html" not in text(r) and shown(r) == 2
    # The grid leader: their grid's orders, and no other grid to ask for.
    client.force_login(h.leader)
    assert shown(client.get(url, {"grid": h.area.g11.pk})) == 2
    r = client.get(url, {"grid": h.area.g21.pk})
    assert shown(r) == 2 and "not among your areas" in text(r) and "二村的事" not in text(r)
    # A village clerk: the orders located in the village (not those their unit handles
    # elsewhere), as the village's dashboard counts them.
    s.order_dispatch(actor=h.command, order=WorkOrder.objects.get(title="二村的事"), lead_unit=h.v1)
    client.force_login(h.clerk)
    assert shown(client.get(url)) == 3
    assert shown(client.get(url, {"village": h.area.v1.pk})) == 2


def test_board_fragment_and_polling(client, hotline):
    h = hotline
    h.new_order(title="第一单")
    client.force_login(h.command)
    url = reverse("order-board")
    r = client.get(url, {"view": "new"}, HTTP_HX_TARGET="board-live", **HTMX)
    body = text(r)
    assert (
        r.status_code == 200
        and "<html" not in body
        and body.lstrip().startswith('<div id="board-live"')
    )
    assert "第一单" in body
    seen = body.split("seen=", 1)[1].split('"', 1)[0]
    # Nothing changed: 204, htmx leaves the page (and a half-chosen unit) alone.
    r = client.get(url, {"view": "new", "seen": seen}, HTTP_HX_TARGET="board-live", **HTMX)
    assert r.status_code == 204
    h.new_order(title="第二单")
    r = client.get(url, {"view": "new", "seen": seen}, HTTP_HX_TARGET="board-live", **HTMX)
    assert r.status_code == 200 and "第二单" in text(r)
    assert r["Vary"] and "HX-Request" in r["Vary"]


def test_board_is_for_the_command_centre(client, hotline, user_without_role):
    url = reverse("order-board")
    for user in (
        hotline.handler,
        hotline.supervisor,
        hotline.admin,
        hotline.leader,
        user_without_role,
    ):
        client.force_login(user)
        assert client.get(url).status_code == 403, user.username
    client.logout()
    assert "/accounts/login/" in client.get(url)["Location"]


def test_board_queries_do_not_grow_with_orders(client, hotline):
    h = hotline
    client.force_login(h.command)
    for i in range(2):
        s.order_dispatch(actor=h.command, order=h.new_order(), lead_unit=h.d1 if i else h.v1)
        h.new_order()
    url = reverse("order-board")
    few = queries(client, url)
    few_open = queries(client, url + "?view=open")
    for i in range(6):
        s.order_dispatch(actor=h.command, order=h.new_order(), lead_unit=[h.d1, h.d2, h.v1][i % 3])
        h.new_order(category=h.straw)
    assert queries(client, url) == few
    assert queries(client, url + "?view=open") == few_open
    assert few <= 14


# --- The inbox ---------------------------------------------------------------------------


def test_inbox_lists_the_units_orders_only(client, hotline):
    h = hotline
    mine = s.order_dispatch(actor=h.command, order=h.new_order(title="本局工单"), lead_unit=h.d1)
    s.order_dispatch(actor=h.command, order=h.new_order(title="别局工单"), lead_unit=h.d2)
    helping = s.order_dispatch(
        actor=h.command, order=h.new_order(title="协办工单"), lead_unit=h.d2, co_units=[h.d1]
    )
    client.force_login(h.handler)
    body = text(client.get(reverse("order-inbox")))
    assert "本局工单" in body and "协办工单" in body and "别局工单" not in body
    assert "co-handling" in body
    assert reverse("order-accept", args=[mine.pk]) in body
    assert reverse("order-accept", args=[helping.pk]) not in body  # not theirs to accept
    # Theirs to help with: the row leads to the opinion form on the order's page.
    assert reverse("order-detail", args=[helping.pk]) + "#act-opinion" in body
    assert reverse("order-detail", args=[mine.pk]) + "#act-opinion" not in body
    # The village clerk handles the village's unit.
    s.order_dispatch(actor=h.command, order=h.new_order(title="村里工单"), lead_unit=h.v1)
    client.force_login(h.clerk)
    body = text(client.get(reverse("order-inbox")))
    assert "村里工单" in body and "本局工单" not in body


def test_inbox_tabs_fragment_and_accept_in_the_row(client, hotline):
    h = hotline
    order = s.order_dispatch(actor=h.command, order=h.new_order(title="待签收"), lead_unit=h.d1)
    client.force_login(h.handler)
    r = client.get(
        reverse("order-inbox"), {"tab": "in_hand"}, HTTP_HX_TARGET="inbox-results", **HTMX
    )
    assert "<html" not in text(r) and "待签收" not in text(r)
    r = client.post(reverse("order-accept", args=[order.pk]), {"_row": "inbox"}, **HTMX)
    assert f"{order.number} was accepted." in text(r)
    assert WorkOrder.objects.get(pk=order.pk).state == State.ACCEPTED
    body = text(client.get(reverse("order-inbox"), {"tab": "in_hand"}))
    assert "待签收" in body


def test_inbox_shows_deadline_colours(client, hotline):
    h = hotline
    late = s.order_dispatch(actor=h.command, order=h.new_order(title="超期"), lead_unit=h.d1)
    WorkOrder.objects.filter(pk=late.pk).update(overdue=True)
    soon = s.order_dispatch(actor=h.command, order=h.new_order(title="将到期"), lead_unit=h.d1)
    WorkOrder.objects.filter(pk=soon.pk).update(due_soon=True, overdue=False)
    client.force_login(h.handler)
    body = text(client.get(reverse("order-inbox")))
    assert body.index("超期") < body.index("将到期")  # overdue first
    assert "order-row row-red" in body and "order-row row-yellow" in body
    assert "Overdue ·" in body and "Due soon ·" in body


def test_inbox_is_for_handlers(client, hotline):
    for user in (hotline.command, hotline.supervisor, hotline.leader):
        client.force_login(user)
        assert client.get(reverse("order-inbox")).status_code == 403


def test_inbox_queries_do_not_grow_with_orders(client, hotline):
    h = hotline
    client.force_login(h.handler)
    s.order_dispatch(actor=h.command, order=h.new_order(), lead_unit=h.d1)
    few = queries(client, reverse("order-inbox"))
    for i in range(6):
        s.order_dispatch(
            actor=h.command, order=h.new_order(), lead_unit=h.d1 if i % 2 else h.d2, co_units=[h.d1]
        )
    assert queries(client, reverse("order-inbox")) == few
    assert few <= 8


# --- The list of orders and notifications ----------------------------------------------------


def test_order_list_is_scoped(client, hotline):
    h = hotline
    h.new_order(title="一网格的事", grid=h.area.g11, village=h.area.v1)
    h.new_order(title="二村的事", village=h.area.v2)
    client.force_login(h.leader)
    body = text(client.get(reverse("order-list")))
    assert "一网格的事" in body and "二村的事" not in body
    client.force_login(h.command)
    r = client.get(reverse("order-list"), {"q": "二村"}, HTTP_HX_TARGET="order-results", **HTMX)
    assert "<html" not in text(r) and "二村的事" in text(r) and "一网格的事" not in text(r)


def test_order_list_queries_do_not_grow(client, hotline):
    client.force_login(hotline.command)
    hotline.new_order()
    filtered = f"{reverse('order-list')}?view=open&village={hotline.area.v1.pk}"
    few = queries(client, reverse("order-list"))
    few_filtered = queries(client, filtered)
    for _ in range(5):
        s.order_dispatch(actor=hotline.command, order=hotline.new_order(), lead_unit=hotline.d1)
    assert queries(client, reverse("order-list")) == few
    assert queries(client, filtered) == few_filtered


def test_notifications_list_and_mark_read(client, hotline):
    h = hotline
    order = s.order_dispatch(actor=h.command, order=h.new_order(title="新派单"), lead_unit=h.d1)
    client.force_login(h.handler)
    body = text(client.get(reverse("notification-list")))
    assert "An order was dispatched to your unit" in body and order.number in body
    r = client.get(
        reverse("notification-list"), {"all": "1"}, HTTP_HX_TARGET="notification-results", **HTMX
    )
    assert "<html" not in text(r) and order.number in text(r)
    assert client.get(reverse("notification-read")).status_code == 405
    client.post(reverse("notification-read"))
    body = text(client.get(reverse("notification-list")))
    assert "No unread notifications." in body
    # Someone else's notifications are not theirs to see.
    client.force_login(h.other_handler)
    assert order.number not in text(client.get(reverse("notification-list", query={"all": "1"})))


def test_inbox_closed_tab_lists_led_and_co_handled_orders_newest_first(client, hotline):
    h = hotline
    led = s.order_dispatch(actor=h.command, order=h.new_order(title="本局旧单"), lead_unit=h.d1)
    helped = s.order_dispatch(
        actor=h.command, order=h.new_order(title="协办新单"), lead_unit=h.d2, co_units=[h.d1]
    )
    other = s.order_dispatch(actor=h.command, order=h.new_order(title="别局的单"), lead_unit=h.d2)
    s.order_dispatch(actor=h.command, order=h.new_order(title="本局在办"), lead_unit=h.d1)
    now = timezone.now()
    for order, days_ago in ((led, 3), (helped, 1), (other, 2)):
        WorkOrder.objects.filter(pk=order.pk).update(
            state=State.CLOSED, closed_at=now - datetime.timedelta(days=days_ago)
        )
    client.force_login(h.handler)
    body = text(client.get(reverse("order-inbox"), {"tab": "closed"}))
    assert "本局在办" not in body and "别局的单" not in body
    assert body.index("协办新单") < body.index("本局旧单")


def test_the_count_is_right_on_every_page_whether_read_or_counted(client, hotline):
    # A list that ends on the page shown takes its count from the page (no COUNT query);
    # a first page with more after it, and a page past the end, count.
    h = hotline
    for n in range(PAGE_SIZE + 2):
        h.new_order(title=f"第{n}件", village=h.area.v1)
    client.force_login(h.command)
    url = reverse("order-board")
    client.get(url)  # warm the session
    assert shown(client.get(url, {"view": "new"})) == PAGE_SIZE + 2
    assert shown(client.get(url, {"view": "new", "page": 2})) == PAGE_SIZE + 2
    assert shown(client.get(url, {"view": "new", "page": 3})) == PAGE_SIZE + 2
    with CaptureQueriesContext(connection) as first:
        client.get(url, {"view": "new"})
    with CaptureQueriesContext(connection) as last:
        client.get(url, {"view": "new", "page": 2})
    assert len(last) == len(first) - 1
