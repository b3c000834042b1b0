"""The command centre's big screen at 1920x1080 on the demo town, and a grid leader's phone."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from playwright.sync_api import expect

from grids.models import Town
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


def test_the_town_screen_draws_the_map_and_charts_with_the_boards_numbers(
    big_screen, url, login, demo_town, screenshot
):
    page = big_screen
    login(page, get_user_model().objects.get(username="command"), password=DEMO_PASSWORD)
    page.goto(url("/dashboard/"))
    expect(page.locator("h1")).to_contain_text(demo_town.name)
    # 33 grids drawn from their boundaries, every chart drawn on a canvas.
    expect(page.locator("#dash-map path.leaflet-interactive")).to_have_count(33)
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
    expect(page.locator("#dash-map path.leaflet-interactive")).to_have_count(33)
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
