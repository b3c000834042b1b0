"""The area map: a grid drawn with its houses, a marker opening its household, all offline."""

import base64
import re

import pytest
from playwright.sync_api import expect

from grids.models import MicroGrid
from households.models import CareTag
from households.tests.test_map import (
    draw_boundaries,
    in_m111,
    make_house,
    make_household,
    make_resident,
)
from huaisi.roles import RoleKind

pytestmark = pytest.mark.browser

# A 1x1 transparent PNG, served for the tiles of a configured tile server.
BLANK_TILE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)

# (address, micro-grid attribute of `area`, care tags of the one resident or None: no household)
V1G1_HOUSES = [
    ("槐泗村一组1号", "m111", [CareTag.ELDERLY_ALONE]),
    ("槐泗村一组2号", "m111", [CareTag.DISABLED, CareTag.LOW_INCOME]),
    ("槐泗村一组3号", "m111", [CareTag.LOW_INCOME]),
    ("槐泗村一组4号", "m111", [CareTag.LEFT_BEHIND_CHILD]),
    ("槐泗村一组5号", "m111", [CareTag.VETERAN]),
    ("槐泗村一组6号", "m111", []),
    ("槐泗村二组7号", "m112", [CareTag.SERIOUS_ILLNESS]),
    ("槐泗村二组8号", "m112", None),
]


@pytest.fixture
def houses(area):
    """Eight houses in grid V1G1, one in V1G2 and one in village V2; {address: Household}."""
    draw_boundaries(area)
    households = {}
    for n, (address, micro, tags) in enumerate(V1G1_HOUSES):
        # The second micro-grid lies north of the first (see draw_boundaries).
        lat, lng = in_m111(n)
        if micro == "m112":
            lat += 0.005
        house = make_house(getattr(area, micro), address, position=(lat, lng))
        if tags is not None:
            household = make_household(house, f"HH-{n:03d}")
            make_resident(household, f"居民{n}", tags)
            households[address] = household
    beyond = [
        (MicroGrid.objects.get(code="V1G2M1"), "槐泗村五组1号", (32.455, 119.415)),
        (area.m211, "第2村一组1号", (32.5, 119.5)),
    ]
    for micro, address, position in beyond:
        make_house(micro, address, position=position)
    return households


def offline_guard(page, url):
    """Every request the page makes, to prove none leaves the live server."""
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))

    def outside() -> list[str]:
        return [u for u in requests if not (u.startswith(url("/")) or u.startswith("data:"))]

    return outside


def wait_for_map(page):
    expect(page.locator("#map[data-ready]")).to_have_count(1)


# Resolves once the map has stopped moving (a popup pans the map into view, over ~0.25 s).
SETTLED = """() => new Promise(resolve => {
  const pane = document.querySelector('.leaflet-map-pane');
  let last = null, tries = 0;
  const check = () => {
    const now = pane.style.transform;
    if (now === last || ++tries > 30) return resolve(true);
    last = now;
    setTimeout(check, 150);
  };
  check();
})"""


def test_grid_map_draws_the_grid_and_its_houses_and_a_marker_opens_the_household(
    page, url, login, staff, area, houses, zh, screenshot, settings
):
    settings.MAP_TILE_URL = ""
    outside = offline_guard(page, url)
    login(page, staff[RoleKind.GRID_LEADER])

    page.goto(url(f"/areas/grids/{area.g11.pk}/"))
    page.get_by_role("link", name=zh("Map"), exact=True).click()

    expect(page).to_have_url(url(f"/register/map/grid/{area.g11.pk}/"))
    wait_for_map(page)
    expect(page.locator("path.area-boundary")).to_have_count(1)
    expect(page.locator("path.child-boundary")).to_have_count(2)
    # Labelled without the grid's name, which the page's title carries.
    expect(page.locator(".map-label")).to_have_text(["第1微网格", "第2微网格"])
    markers = page.locator("path.house-marker")
    expect(markers).to_have_count(len(V1G1_HOUSES))
    for category, count in [
        ("elderly_alone", 1),
        ("disabled", 1),
        ("low_income", 1),
        ("left_behind_child", 1),
        ("other", 2),
        ("none", 2),
    ]:
        expect(page.locator(f"path.house-{category}")).to_have_count(count)
    # Each colour is the legend's colour for its category.
    colours = page.evaluate(
        """() => [...document.querySelectorAll('#map-legend [data-category]')].map(li =>
            [li.dataset.category, li.dataset.colour,
             (document.querySelector('path.house-' + li.dataset.category) || {}).getAttribute?.('fill')])"""
    )
    for category, legend_colour, marker_colour in colours:
        assert marker_colour == legend_colour, (category, legend_colour, marker_colour)
    legend = page.locator("#map-legend")
    for label in (CareTag.ELDERLY_ALONE.label, CareTag.LEFT_BEHIND_CHILD.label, "No care tag"):
        expect(legend).to_contain_text(zh(label))
    expect(page.locator("#map-status")).to_contain_text(str(len(V1G1_HOUSES)))
    # No tile layer without a tile URL: the plain background shows.
    expect(page.locator(".leaflet-tile")).to_have_count(0)

    # The map fills the window below the page's header, edge to edge.
    box = page.locator("#map").bounding_box()
    viewport = page.viewport_size
    assert abs(box["y"] + box["height"] - viewport["height"]) <= 2, (box, viewport)
    assert box["width"] == pytest.approx(viewport["width"], abs=1), (box, viewport)
    assert box["height"] >= viewport["height"] * 0.6, (box, viewport)
    # Every house is inside the visible map, and no control covers it.
    for index in range(markers.count()):
        marker = markers.nth(index).bounding_box()
        assert box["x"] <= marker["x"] and marker["x"] + marker["width"] <= box["x"] + box["width"]
        assert (
            box["y"] <= marker["y"] and marker["y"] + marker["height"] <= box["y"] + box["height"]
        )
    covered = page.evaluate(
        """() => [...document.querySelectorAll('path.house-marker')].filter(marker => {
            const r = marker.getBoundingClientRect();
            return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2) !== marker;
        }).length"""
    )
    assert covered == 0, f"{covered} house markers are covered by something else"
    screenshot(page, "map-grid")

    alone = page.locator("path.house-elderly_alone")
    if page.viewport_size["width"] < 600:
        alone.tap()
    else:
        alone.click()
    popup = page.locator(".leaflet-popup")
    expect(popup).to_be_visible()
    expect(popup).to_have_css("opacity", "1")
    page.evaluate(SETTLED)
    expect(popup).to_contain_text("槐泗村一组1号")
    expect(popup).to_contain_text(zh(CareTag.ELDERLY_ALONE.label))
    household = houses["槐泗村一组1号"]
    link = popup.get_by_role("link", name=zh("Open household"))
    expect(link).to_have_attribute("href", f"/register/{household.pk}/")
    screenshot(page, "map-grid-popup")

    link.click()
    expect(page).to_have_url(url(f"/register/{household.pk}/"))
    expect(page.locator("h1")).to_contain_text(household.number)
    assert outside() == [], f"the map reached outside the server: {outside()}"


def test_village_map_of_a_grid_leader_draws_only_their_grid(
    page, url, login, staff, area, houses, zh, settings
):
    settings.MAP_TILE_URL = ""
    outside = offline_guard(page, url)
    login(page, staff[RoleKind.GRID_LEADER])

    page.goto(url(f"/areas/villages/{area.v1.pk}/"))
    page.get_by_role("link", name=zh("Map"), exact=True).click()

    expect(page).to_have_url(url(f"/register/map/village/{area.v1.pk}/"))
    wait_for_map(page)
    expect(page.locator("path.area-boundary")).to_have_count(1)
    expect(page.locator("path.child-boundary")).to_have_count(1)
    expect(page.locator(".map-label")).to_have_text(["第1网格"])
    expect(page.locator("path.house-marker")).to_have_count(len(V1G1_HOUSES))

    # A grid's outline on the village map leads to that grid's map.
    page.locator("path.child-boundary").click(position={"x": 12, "y": 12})
    popup = page.locator(".leaflet-popup")
    expect(popup).to_have_css("opacity", "1")
    page.evaluate(SETTLED)
    expect(popup).to_contain_text(area.g11.name)
    popup.get_by_role("link", name=zh("Open the map of this grid")).click()
    expect(page).to_have_url(url(f"/register/map/grid/{area.g11.pk}/"))
    wait_for_map(page)
    assert outside() == [], f"the map reached outside the server: {outside()}"


def test_village_clerk_sees_the_whole_village_on_a_configured_tile_layer(
    desktop_page, url, login, staff, area, houses, settings, screenshot
):
    page = desktop_page
    settings.MAP_TILE_URL = "https://tiles.example.test/{z}/{x}/{y}.png"
    tiles: list[str] = []

    def serve_tile(route):
        tiles.append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=BLANK_TILE)

    page.route("https://tiles.example.test/**", serve_tile)
    login(page, staff[RoleKind.VILLAGE_CLERK])

    page.goto(url(f"/register/map/village/{area.v1.pk}/"))

    wait_for_map(page)
    expect(page.locator("path.child-boundary")).to_have_count(2)
    expect(page.locator("path.house-marker")).to_have_count(len(V1G1_HOUSES) + 1)
    expect(page.locator(".leaflet-tile").first).to_be_attached()
    # V1G2's only house sits at the grid's centre, where its name is: the house is drawn on top.
    z_index = page.evaluate(
        """() => ['path.house-marker', '.map-label'].map(selector =>
            Number(getComputedStyle(document.querySelector(selector).closest('.leaflet-pane')).zIndex))"""
    )
    assert z_index[0] > z_index[1], f"house markers below the area labels: {z_index}"
    assert tiles and all(
        re.match(r"https://tiles\.example\.test/\d+/\d+/\d+\.png$", t) for t in tiles
    )
    screenshot(page, "map-village-tiles")
