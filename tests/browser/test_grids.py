"""The grid list: scope, live search, and opening a grid."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from huaisi.roles import RoleKind

pytestmark = pytest.mark.browser

ALL_GRIDS = ["第1村第1网格", "第1村第2网格", "第2村第1网格", "第2村第2网格"]


def grid_rows(page):
    return page.locator("#grid-results tbody tr")


def test_grid_leader_sees_only_their_own_grid(page, url, login, staff, area):
    login(page, staff[RoleKind.GRID_LEADER])

    page.goto(url("/areas/grids/"))

    expect(grid_rows(page)).to_have_count(1)
    expect(grid_rows(page).first).to_contain_text(area.g11.name)
    expect(grid_rows(page).first).to_contain_text(area.g11.code)
    for other in ALL_GRIDS[1:]:
        expect(page.locator("#grid-results")).not_to_contain_text(other)


def test_command_centre_narrows_grids_by_live_search_and_opens_one(
    page, url, login, staff, area, screenshot
):
    login(page, staff[RoleKind.COMMAND_CENTRE])
    page.goto(url("/areas/grids/"))
    rows = grid_rows(page)
    expect(rows).to_have_count(4)
    for index, name in enumerate(ALL_GRIDS):
        expect(rows.nth(index)).to_contain_text(name)
    # The grid leader of V1G1 is on the roster, by name.
    expect(rows.first).to_contain_text(staff[RoleKind.GRID_LEADER].first_name)
    screenshot(page, "grid-list")

    # A full page load would wipe this; an htmx swap keeps it.
    page.evaluate("() => { window.__noFullReload = true; }")
    search = page.locator("#grid-search")
    search.click()
    search.press_sequentially("第2村", delay=40)

    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("第2村第1网格")
    expect(rows.nth(1)).to_contain_text("第2村第2网格")
    expect(page).to_have_url(re.compile(r"/areas/grids/\?q="))
    assert parse_qs(urlsplit(page.url).query) == {"q": ["第2村"]}
    assert page.evaluate("() => window.__noFullReload === true"), "the search reloaded the page"
    expect(search).to_have_value("第2村")
    expect(search).to_be_focused()

    search.fill("V1G2")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("第1村第2网格")
    expect(page).to_have_url(url("/areas/grids/?q=V1G2"))

    search.fill("没有这个网格")
    expect(rows).to_have_count(0)
    expect(page.locator("#grid-results .empty")).to_be_visible()
    assert page.evaluate("() => window.__noFullReload === true"), "the search reloaded the page"

    search.fill("V1G2")
    expect(rows).to_have_count(1)
    rows.first.get_by_role("link", name="第1村第2网格").click()

    expect(page).to_have_url(url(f"/areas/grids/{area.g12.pk}/"))
    expect(page.locator("h1")).to_contain_text("第1村第2网格")
    micro_rows = page.locator("main table tbody tr")
    expect(micro_rows).to_have_count(2)
    expect(micro_rows.nth(0)).to_contain_text("第1村第2网格第1微网格")
    expect(micro_rows.nth(1)).to_contain_text("第1村第2网格第2微网格")


def test_grid_leader_opens_their_grid_and_sees_its_micro_grids(page, url, login, staff, area):
    login(page, staff[RoleKind.GRID_LEADER])
    page.goto(url("/areas/grids/"))

    page.locator("#grid-results").get_by_role("link", name=area.g11.name).click()

    expect(page).to_have_url(url(f"/areas/grids/{area.g11.pk}/"))
    expect(page.locator("h1")).to_contain_text(area.g11.name)
    expect(page.locator("dl.facts")).to_contain_text(staff[RoleKind.GRID_LEADER].first_name)
    micro_rows = page.locator("main table tbody tr")
    expect(micro_rows).to_have_count(2)
    expect(micro_rows.nth(0)).to_contain_text(area.m111.name)
    expect(micro_rows.nth(0)).to_contain_text(staff[RoleKind.MICROGRID_WORKER].first_name)
    expect(micro_rows.nth(1)).to_contain_text(area.m112.name)
