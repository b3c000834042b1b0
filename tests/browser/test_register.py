"""The register in the field: a micro-grid worker finds a resident by pinyin initials on a phone,
corrects the phone number (checked as they type) and sees the change in the record's history."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from households.models import Resident
from households.tests.factories import HouseholdFactory, ResidentFactory, id_number_for
from huaisi.roles import RoleKind

pytestmark = pytest.mark.browser

OLD_PHONE = "13812345678"
NEW_PHONE = "13900001111"


@pytest.fixture
def zsf(area):
    """张三丰, head of household H-111 in micro-grid V1G1M1, with his wife and a grandson."""
    home = HouseholdFactory(microgrid=area.m111, number="H-111", house__address="槐泗路1号")
    born = datetime.date(1960, 3, 8)
    head = ResidentFactory(
        household=home,
        name="张三丰",
        head=True,
        gender="M",
        birth_date=born,
        id_number=id_number_for(born, "M"),
        phone=OLD_PHONE,
        care_tags=["veteran"],
    )
    ResidentFactory(
        household=home,
        name="李秀英",
        relation="spouse",
        gender="F",
        birth_date=datetime.date(1962, 5, 1),
        care_tags=["elderly_alone"],
    )
    ResidentFactory(
        household=home, name="张小明", relation="grandchild", birth_date=datetime.date(2012, 9, 1)
    )
    # A namesake in the other village: the worker must never see him.
    ResidentFactory(household__microgrid=area.m211, name="张三丰", head=True)
    return head


def journey(page, *, url, login, staff, zh, screenshot, zsf) -> None:
    worker = staff[RoleKind.MICROGRID_WORKER]
    login(page, worker)

    page.get_by_role("navigation", name=zh("Main navigation")).get_by_role(
        "link", name=zh("Residents")
    ).click()
    expect(page).to_have_url(url("/register/residents/"))
    expect(page.locator("h1")).to_have_text(zh("Residents"))

    # A full page load would wipe this; an htmx swap keeps it.
    page.evaluate("() => { window.__noFullReload = true; }")
    search = page.locator("#resident-search")
    search.click()
    search.press_sequentially("zsf", delay=60)

    results = page.locator("#resident-results .result")
    # The address follows the search, so it can be shared or reloaded.
    expect(page).to_have_url(re.compile(r"/register/residents/\?q=zsf(&tag=)?$"))
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("张三丰")
    expect(results.first).to_contain_text("H-111")
    expect(results.first).to_contain_text("3210**********")
    assert page.evaluate("() => window.__noFullReload === true"), "the search reloaded the page"
    expect(search).to_be_focused()
    screenshot(page, "register-search")

    results.first.click()
    expect(page).to_have_url(url(f"/register/residents/{zsf.pk}/"))
    expect(page.locator("h1")).to_contain_text("张三丰")
    expect(page.locator("#reveal-phone")).to_have_text("138****5678")
    page.get_by_role("link", name=zh("Edit"), exact=True).click()

    expect(page).to_have_url(url(f"/register/residents/{zsf.pk}/edit/"))
    phone = page.locator("#id_phone")
    expect(phone).to_have_value(OLD_PHONE)
    phone.fill("")
    phone.press_sequentially("1391234", delay=40)
    # The check runs as the worker types, before anything is submitted.
    error = page.locator("#err-phone")
    expect(error).to_contain_text("手机号为11位数字")
    expect(page.locator("#err-name")).to_be_empty()
    expect(page).to_have_url(url(f"/register/residents/{zsf.pk}/edit/"))
    zsf.refresh_from_db()
    assert zsf.phone == OLD_PHONE, "the as-you-type check saved something"
    phone.scroll_into_view_if_needed()
    screenshot(page, "register-edit-error")

    phone.fill("")
    phone.press_sequentially("139 0000 1111", delay=40)
    expect(error).to_be_empty()
    page.get_by_role("button", name=zh("Save")).click()

    expect(page).to_have_url(url(f"/register/residents/{zsf.pk}/"))
    expect(page.locator(".message.success")).to_have_text("张三丰的修改已保存。")
    expect(page.locator("#reveal-phone")).to_have_text("139****1111")
    latest = page.locator("#history .history-list > li").first
    expect(latest).to_contain_text(worker.first_name)
    expect(latest).to_contain_text(zh("changed"))
    expect(latest.locator(".changes li")).to_have_text(
        re.compile(r"手机号:\s*138\*\*\*\*5678\s*→\s*139\*\*\*\*1111")
    )
    assert NEW_PHONE not in page.content() and OLD_PHONE not in page.content()
    screenshot(page, "register-resident")

    assert Resident.objects.get(pk=zsf.pk).phone == NEW_PHONE

    # On to his household: the family is listed, masked, without sideways scrolling on a phone.
    page.locator("nav.breadcrumbs").get_by_role("link", name="H-111").click()
    expect(page).to_have_url(url(f"/register/{zsf.household_id}/"))
    members = page.locator("main table tbody tr")
    expect(members).to_have_count(3)
    for index, name in enumerate(["张三丰", "李秀英", "张小明"]):  # the head first
        expect(members.nth(index)).to_contain_text(name)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the household page is {width}px wide"
    screenshot(page, "register-household")


def test_worker_finds_a_resident_by_initials_and_corrects_the_phone_on_a_phone(
    phone_page, url, login, staff, zh, screenshot, zsf
):
    journey(phone_page, url=url, login=login, staff=staff, zh=zh, screenshot=screenshot, zsf=zsf)


def test_the_same_journey_on_a_desktop(desktop_page, url, login, staff, zh, screenshot, zsf):
    journey(desktop_page, url=url, login=login, staff=staff, zh=zh, screenshot=screenshot, zsf=zsf)
