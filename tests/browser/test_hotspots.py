"""未诉先办 in Chromium: the hotspots page at phone and desktop width, its small maps, and one
click turning a hotspot into a proactive order."""

import pytest
from playwright.sync_api import expect

from hotspots.models import Hotspot
from hotspots.services import analyse_town
from hotspots.tests.conftest import spot  # noqa: F401 - the fixture
from tickets.models import Source, WorkOrder

pytestmark = pytest.mark.browser


def test_a_hotspot_becomes_a_proactive_order(page, url, login, spot, zh, screenshot):  # noqa: F811
    potholes = [spot.order(north=n, east=n / 2, days_ago=n / 20 + 1) for n in (0, 60, 120)]
    for _ in range(3):
        spot.finding(place="村东河道")
    for d in (1, 2, 3):
        spot.order(phone="13912345678", days_ago=d, north=4000 + 900 * d)
    analyse_town(town=spot.town)
    hotspot = Hotspot.objects.get(category=spot.roads)
    login(page, spot.command)

    page.goto(url("/orders/hotspots/"))

    card = page.locator(f"#hotspot-{hotspot.pk}")
    expect(card.locator(".leaflet-interactive")).to_have_count(3)
    for order in potholes:
        expect(card).to_contain_text(order.number)
    expect(page.locator(".callers-table")).to_contain_text("139****5678")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width
    screenshot(page, "hotspots")

    card.get_by_role("button", name=zh("Make a proactive order")).click()

    order = WorkOrder.objects.get(source=Source.PROACTIVE)
    expect(page).to_have_url(url(f"/orders/{order.pk}/"))
    page.goto(url("/orders/hotspots/"))
    expect(page.locator(f"#hotspot-{hotspot.pk} .hotspot-order")).to_contain_text(order.number)
