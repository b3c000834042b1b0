"""The village roster (past dates, printing) and the village edit form, in a real browser."""

import datetime
import json
import re

import pytest
from playwright.sync_api import expect

from conftest import make_user
from grids.models import Village
from grids.services import staff_profile_set
from huaisi.roles import RoleKind
from huaisi.services import role_assign

pytestmark = pytest.mark.browser

PHONES = {
    RoleKind.VILLAGE_CLERK: "17000000011",
    RoleKind.ASSESSOR: "17000000012",
    RoleKind.VOLUNTEER_LEADER: "17000000013",
    RoleKind.GRID_LEADER: "17000000014",
    RoleKind.MICROGRID_WORKER: "17000000015",
}
SQUARE = [[119.34, 32.46], [119.355, 32.46], [119.355, 32.472], [119.34, 32.472], [119.34, 32.46]]


@pytest.fixture
def roster_staff(staff, area):
    """The staff with phones, and the first micro-grid handed to a successor on 1 July 2025."""
    for kind, phone in PHONES.items():
        staff_profile_set(
            user=staff[kind], phone=phone, title="村委委员" if kind == "assessor" else ""
        )
    successor = make_user("successor", first_name="陈新来")
    staff_profile_set(user=successor, phone="17100000001")
    role_assign(
        user=successor,
        kind=RoleKind.MICROGRID_WORKER,
        scope=area.m111,
        starts_on=datetime.date(2025, 7, 1),
    )
    staff["successor"] = successor
    return staff


def roster_row(page, area_name: str):
    return page.locator("#roster tbody tr").filter(
        has=page.locator("td.area", has_text=re.compile(f"^{re.escape(area_name)}$"))
    )


def test_roster_shows_phones_and_goes_back_in_time(
    page, url, login, roster_staff, area, screenshot, zh
):
    login(page, roster_staff[RoleKind.VILLAGE_CLERK])
    page.goto(url(f"/areas/villages/{area.v1.pk}/"))
    page.get_by_role("link", name=zh("Roster and phone numbers")).click()
    expect(page).to_have_url(url(f"/areas/villages/{area.v1.pk}/roster/"))
    expect(page.locator("h1")).to_contain_text("第1村")

    leader = roster_row(page, area.g11.name)
    expect(leader).to_contain_text(roster_staff[RoleKind.GRID_LEADER].first_name)
    expect(leader.get_by_role("link", name="17000000014")).to_have_attribute(
        "href", "tel:17000000014"
    )
    expect(roster_row(page, area.m111.name)).to_contain_text("陈新来")
    expect(roster_row(page, area.m112.name)).to_contain_text(zh("vacant"))
    expect(page.locator("#roster")).to_contain_text("村委委员")
    # The print button appears once its script has run.
    expect(page.get_by_role("button", name=zh("Print"))).to_be_visible()
    screenshot(page, "village-roster")

    page.evaluate("() => { window.__noFullReload = true; }")
    page.locator("#roster-on").fill("2025-06-30")
    expect(roster_row(page, area.m111.name)).to_contain_text(
        roster_staff[RoleKind.MICROGRID_WORKER].first_name
    )
    expect(roster_row(page, area.m111.name)).to_contain_text("2025-06-30")
    expect(page.locator("#roster")).not_to_contain_text("陈新来")
    expect(page).to_have_url(re.compile(r"\?on=2025-06-30$"))
    assert page.evaluate("() => window.__noFullReload === true"), "the date reloaded the page"

    page.emulate_media(media="print")
    expect(page.locator(".mainnav")).to_be_hidden()
    expect(page.locator("form.toolbar")).to_be_hidden()
    expect(page.locator(".printed-at")).to_be_visible()
    expect(page.locator("#roster td.row-actions").first).to_be_hidden()
    screenshot(page, "village-roster-print")


def test_town_admin_fixes_a_village_with_live_checks(page, url, login, staff, area, screenshot, zh):
    login(page, staff[RoleKind.TOWN_ADMIN])
    page.goto(url(f"/areas/villages/{area.v1.pk}/"))
    page.get_by_role("link", name=zh("Edit name, centre and boundary")).click()
    expect(page).to_have_url(url(f"/areas/villages/{area.v1.pk}/edit/"))

    latitude = page.get_by_label(zh("Centre latitude"))
    latitude.fill("132.5")
    error = page.locator("#id_centre_lat_error")
    expect(error).to_contain_text("-90")
    latitude.fill("32.466")
    expect(error).to_be_empty()
    page.get_by_label(zh("Centre longitude")).fill("119.3475")

    open_ring = {"type": "Polygon", "coordinates": [SQUARE[:-1]]}
    page.get_by_label(zh("Boundary (GeoJSON)")).fill(json.dumps(open_ring))
    page.get_by_role("button", name=zh("Save")).click()
    expect(page.locator("#id_boundary_text_error")).to_contain_text("闭合")
    expect(page.locator(".form-errors")).to_be_visible()
    screenshot(page, "village-edit-error")
    assert Village.objects.get(pk=area.v1.pk).boundary is None

    page.get_by_label(zh("Boundary (GeoJSON)")).fill(
        json.dumps({"type": "Polygon", "coordinates": [SQUARE]})
    )
    page.get_by_role("button", name=zh("Save")).click()
    expect(page).to_have_url(url(f"/areas/villages/{area.v1.pk}/"))
    expect(page.locator(".message.success")).to_contain_text("第1村")
    village = Village.objects.get(pk=area.v1.pk)
    assert village.boundary == {"type": "Polygon", "coordinates": [SQUARE]}
    assert str(village.centre_lat) == "32.466000"

    page.goto(url(f"/areas/villages/{area.v1.pk}/edit/"))
    screenshot(page, "village-edit")


def test_town_admin_hands_a_grid_to_a_new_leader(page, url, login, staff, area, screenshot, zh):
    login(page, staff[RoleKind.TOWN_ADMIN])
    page.goto(url(f"/areas/villages/{area.v1.pk}/roster/"))
    roster_row(page, area.g11.name).get_by_role("link", name=zh("Assign")).click()
    expect(page.get_by_label(zh("Role"))).to_have_value(f"grid_leader:{area.g11.pk}")

    page.get_by_label(zh("From")).fill("2025-09-01")
    page.locator("summary").click()
    page.get_by_label(zh("User name"), exact=True).fill("zhang_san")
    page.get_by_label(zh("Full name")).fill("张三")
    page.get_by_label(zh("Work phone")).fill("1710000")
    expect(page.locator("#id_phone_error")).to_contain_text("11")
    page.get_by_label(zh("Work phone")).fill("17100000003")
    expect(page.locator("#id_phone_error")).to_be_empty()
    page.get_by_label(zh("Initial password")).fill("槐泗-新同事-2025")
    screenshot(page, "roster-assign")
    page.get_by_role("button", name=zh("Assign"), exact=True).click()

    expect(page).to_have_url(url(f"/areas/villages/{area.v1.pk}/roster/?on=2025-09-01"))
    expect(page.locator(".messages")).to_contain_text("张三")
    expect(page.locator(".messages")).to_contain_text("2025-08-31")
    expect(roster_row(page, area.g11.name)).to_contain_text("17100000003")
