"""/orders/hotspots/: the list, the one-click proactive order, and whether complaints came back."""

import datetime
import threading

import pytest
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hotspots.models import Hotspot
from hotspots.services import analyse_town, hotspot_order
from tickets.models import Source, State, WorkOrder
from tickets.services import unit_for


def hotspot_of(spot, *, north=0, category=None, count=3, address="", days_ago=1):
    orders = [
        spot.order(
            category=category,
            north=north + 40 * i if not address else None,
            address=address,
            days_ago=days_ago + i,
        )
        for i in range(count)
    ]
    analyse_town(town=spot.town)
    return Hotspot.objects.get(members__order=orders[0]), orders


@pytest.mark.django_db
def test_the_page_lists_hotspots_newest_first_with_their_orders(client, spot):
    older, older_orders = hotspot_of(spot, north=0)
    for o in older_orders:
        WorkOrder.objects.filter(pk=o.pk).update(
            created_at=o.created_at - datetime.timedelta(days=5)
        )
    newer, newer_orders = hotspot_of(spot, north=5000)
    older.refresh_from_db()
    client.force_login(spot.command)

    page = client.get("/orders/hotspots/").content.decode()

    assert page.index(f'id="hotspot-{newer.pk}"') < page.index(f'id="hotspot-{older.pk}"')
    for o in older_orders + newer_orders:
        assert o.number in page
    assert "Make a proactive order" in page
    assert 'class="hotspot-map" data-points="[{&quot;lat&quot;: 31.5' in page


@pytest.mark.django_db
def test_an_empty_town_says_there_is_nothing(client, spot):
    spot.order(north=0)
    analyse_town(town=spot.town)
    client.force_login(spot.command)

    page = client.get("/orders/hotspots/").content.decode()

    assert "No hotspot: no place has repeated reports of one category." in page
    assert "No category is rising in any village this month." in page


@pytest.mark.django_db
def test_repeat_callers_show_only_the_masked_number(client, spot):
    for d in (1, 2, 3):
        spot.order(phone="13912345678", days_ago=d)
    analyse_town(town=spot.town)
    client.force_login(spot.command)

    page = client.get("/orders/hotspots/").content.decode()

    assert "139****5678" in page
    assert "13912345678" not in page
    assert "王先生" not in page


@pytest.mark.django_db
def test_queries_do_not_grow_with_the_hotspots(client, spot, django_assert_num_queries):
    hotspot_of(spot, north=0)
    client.force_login(spot.command)
    client.get("/orders/hotspots/")
    with CaptureQueriesContext(connection) as few:
        client.get("/orders/hotspots/")
    for north in (3000, 6000, 9000):
        hotspot_of(spot, north=north, count=4)
    for d in (1, 2, 3):
        spot.order(phone="13912345678", days_ago=d)
    analyse_town(town=spot.town)
    assert Hotspot.objects.count() == 4

    with django_assert_num_queries(len(few)):
        client.get("/orders/hotspots/")


@pytest.mark.django_db
def test_one_click_makes_one_proactive_order_even_clicked_twice(client, spot):
    hotspot, orders = hotspot_of(spot)
    client.force_login(spot.command)

    first = client.post(f"/orders/hotspots/{hotspot.pk}/order/", follow=True)
    second = client.post(f"/orders/hotspots/{hotspot.pk}/order/", follow=True)

    order = WorkOrder.objects.get(source=Source.PROACTIVE)
    assert first.redirect_chain[-1][0] == f"/orders/{order.pk}/"
    assert second.redirect_chain[-1][0] == f"/orders/{order.pk}/"
    assert "This hotspot already has order" in second.content.decode()
    assert order.state == State.NEW  # on the board for dispatch like any other
    assert order.category == spot.roads
    assert order.village == spot.area.v1
    assert order.caller_name == "" and order.caller_phone == ""
    for o in orders:
        assert o.number in order.description
    hotspot.refresh_from_db()
    assert hotspot.order == order
    # The proactive order does not feed its own hotspot.
    analyse_town(town=spot.town)
    assert Hotspot.objects.get().count == 3


@pytest.mark.django_db
def test_a_finding_hotspot_asks_for_the_category(client, spot):
    for n in (0, 30, 60):
        spot.finding(north=n)
    analyse_town(town=spot.town)
    hotspot = Hotspot.objects.get()
    client.force_login(spot.command)

    refused = client.post(f"/orders/hotspots/{hotspot.pk}/order/", follow=True)
    assert "Choose the category the new order goes under." in refused.content.decode()
    assert not WorkOrder.objects.filter(source=Source.PROACTIVE).exists()

    client.post(f"/orders/hotspots/{hotspot.pk}/order/", {"category": spot.litter.pk})
    assert WorkOrder.objects.get(source=Source.PROACTIVE).category == spot.litter


@pytest.mark.django_db
def test_other_roles_cannot_make_an_order(client, spot, role_users):
    hotspot, _orders = hotspot_of(spot)
    client.force_login(spot.leader)

    assert client.post(f"/orders/hotspots/{hotspot.pk}/order/").status_code == 403
    assert not WorkOrder.objects.filter(source=Source.PROACTIVE).exists()


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_make_one_order(spot):
    hotspot, _orders = hotspot_of(spot)
    barrier = threading.Barrier(2)
    results = []

    def click():
        try:
            barrier.wait()
            results.append(hotspot_order(actor=spot.command, hotspot_id=hotspot.pk))
        finally:
            close_old_connections()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert WorkOrder.objects.filter(source=Source.PROACTIVE).count() == 1
    assert sorted(created for _order, created in results) == [False, True]
    assert len({order.pk for order, _created in results}) == 1


@pytest.mark.django_db
def test_after_closing_the_hotspot_shows_whether_complaints_came_back(client, spot):
    quiet, _ = hotspot_of(spot, north=0, days_ago=25)
    noisy, _ = hotspot_of(spot, north=6000, days_ago=25)
    closed_at = timezone.now() - datetime.timedelta(days=20)
    for hotspot in (quiet, noisy):
        order, _created = hotspot_order(actor=spot.command, hotspot_id=hotspot.pk)
        WorkOrder.objects.filter(pk=order.pk).update(
            state=State.CLOSED, closed_at=closed_at, lead_unit=unit_for(department=spot.area.d1)
        )
    # One more pothole at the noisy place after closing; one at the quiet place before it.
    spot.order(north=6010, days_ago=5)
    spot.order(north=10, days_ago=22)

    analyse_town(town=spot.town)
    quiet.refresh_from_db()
    noisy.refresh_from_db()

    assert (quiet.came_back, noisy.came_back) == (0, 1)
    client.force_login(spot.command)
    page = client.get("/orders/hotspots/").content.decode()
    assert "No complaint came back since closing" in page
    assert "1 complaint came back within 30 days of closing." in page
