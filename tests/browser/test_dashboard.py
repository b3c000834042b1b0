"""The command centre's big screen at 1920x1080 on the demo town, and a grid leader's phone."""

import datetime
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from dashboard.services import town_report_publish
from grids.models import Town
from hotspots.models import Hotspot
from hotspots.services import analyse_town, hotspot_order
from tickets.models import Source, State, WorkOrder
from tickets.selectors import board_counts

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "huaisi-demo"


@pytest.fixture
def demo_town(transactional_db):
    cache.clear()
    call_command("seed_demo", "--households", "300", stdout=io.StringIO(), stderr=io.StringIO())
    yield Town.objects.get(code="HS-DEMO")
    cache.clear()


@pytest.fixture
def big_screen(browser):
    context = browser.new_context(
        viewport={"width": 1920, "height": 1080}, locale="en-US", timezone_id="Asia/Shanghai"
    )
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
    page.on(
        "console",
        lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.on(
        "response",
        lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    yield page
    context.close()
    assert not problems, problems


def _a_hotspot_in(town) -> tuple[int, Hotspot]:
    """Three reports of a demo order's kind at the centre of its grid make a hotspot there; the
    hourly 未诉先办 job finds it (and any others in the demo). Returns how many placed hotspots
    the town has, and the new one."""
    spot = WorkOrder.objects.filter(town=town, grid__centre_lat__isnull=False).first()
    for i in range(3):
        WorkOrder.objects.create(
            town=town,
            number=f"HS{990_000_000_001 + i}",
            source=Source.HOTLINE,
            category=spot.category,
            title=spot.title,
            description=spot.description,
            village=spot.village,
            address="西桥路口",
            lat=spot.grid.centre_lat,
            lng=spot.grid.centre_lng,
            state=State.NEW,
            created_at=timezone.now() - datetime.timedelta(minutes=i),
        )
    analyse_town(town=town)
    placed = Hotspot.objects.filter(town=town, active=True, lat__isnull=False)
    new = placed.filter(category=spot.category, village=spot.village).order_by("-last_at").first()
    assert new is not None and new.count >= 3
    return placed.count(), new


def test_the_town_screen_draws_the_map_and_charts_with_the_boards_numbers(
    big_screen, url, login, demo_town, screenshot
):
    page = big_screen
    placed, _ = _a_hotspot_in(demo_town)
    login(page, get_user_model().objects.get(username="command"), password=DEMO_PASSWORD)
    page.goto(url("/dashboard/"))
    expect(page.locator("h1")).to_contain_text(demo_town.name)
    # 33 grids drawn from their boundaries, every chart drawn on a canvas.
    grids = page.locator("#dash-map path.leaflet-interactive:not(.hotspot-marker)")
    expect(grids).to_have_count(33)
    # The hotspots layer over them, which the legend's checkbox hides and shows again.
    markers = page.locator("#dash-map path.hotspot-marker")
    expect(markers).to_have_count(placed)
    expect(page.locator("#hotspots-count")).to_have_text(str(placed))
    page.locator("#hotspots-toggle").uncheck()
    expect(markers).to_have_count(0)
    page.locator("#hotspots-toggle").check()
    expect(markers).to_have_count(placed)
    charts = page.locator("[data-chart]")
    expect(charts.first.locator("canvas")).to_have_count(1)
    for i in range(charts.count()):
        expect(charts.nth(i).locator("canvas")).to_have_count(1)
    counts = board_counts(town=demo_town)
    expect(page.locator('[data-kpi="orders-open"]')).to_have_text(str(counts["open"]))
    expect(page.locator('[data-kpi="orders-overdue"]')).to_have_text(str(counts["overdue"]))
    screenshot(page, "dashboard-town")
    # The whole screen fits 1920x1080: no scrolling on the big screen.
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height <= 1080, height

    # The 30-second refresh swaps the figures in: the charts are drawn again, the map kept.
    with page.expect_response(
        lambda r: (
            r.url.endswith("/dashboard/")
            and r.request.headers.get("hx-target") == "dash-live"
            and "<html" not in r.text()
        )
    ):
        # What the panel's `every 30s` trigger sends, without waiting half a minute.
        page.evaluate(
            "() => htmx.ajax('GET', location.pathname,"
            " {source: '#dash-live', target: '#dash-live', swap: 'outerHTML'})"
        )
    expect(page.locator('[data-kpi="orders-open"]')).to_have_count(1)
    expect(grids).to_have_count(33)
    expect(markers).to_have_count(placed)
    for i in range(charts.count()):
        expect(charts.nth(i).locator("canvas")).to_have_count(1)

    # The overdue number opens the dispatch board's overdue view.
    page.locator('[data-kpi="orders-overdue"]').click()
    expect(page).to_have_url(url("/orders/board/?view=overdue"))


def test_a_grid_leader_sees_their_grid_on_the_phone(phone_page, url, login, demo_town, screenshot):
    page = phone_page
    login(page, get_user_model().objects.get(username="leader01"), password=DEMO_PASSWORD)
    page.goto(url("/dashboard/"))
    expect(page).to_have_url(re.compile(r"/dashboard/grid/\d+/$"))
    expect(page.locator("#dash-map path.leaflet-interactive")).to_have_count(1)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, width
    screenshot(page, "dashboard-grid")


def test_the_monthly_report_shows_its_hotspots_section(page, url, login, demo_town, screenshot):
    """未诉先办 in the month's report, read on a phone and at a desk: the hotspot at 西桥路口 with
    its proactive order, no sideways scrolling."""
    _, hotspot = _a_hotspot_in(demo_town)
    command = get_user_model().objects.get(username="command")
    proactive, _ = hotspot_order(actor=command, hotspot_id=hotspot.pk)
    report, _ = town_report_publish(town_id=demo_town.pk, month=timezone.localdate().replace(day=1))
    login(page, command, password=DEMO_PASSWORD)
    page.goto(url(f"/dashboard/reports/{report.pk}/"))
    section = page.locator('[data-report-section="hotspots"]')
    expect(section.locator("h2")).to_contain_text("未诉先办")
    row = section.locator(f'tr[data-hotspot="{hotspot.pk}"]')
    expect(row).to_contain_text(proactive.number)
    expect(row).to_contain_text("办理中")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width
    section.scroll_into_view_if_needed()
    screenshot(page, "town-report-hotspots")
