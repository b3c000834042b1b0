"""Logging in and out, at phone and desktop sizes."""

import re

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from huaisi.roles import RoleKind

pytestmark = pytest.mark.browser

CJK = re.compile(r"[\u4e00-\u9fff]")


def submit_login(page, username: str, password: str) -> None:
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("form:has(#id_password) button[type=submit]").click()


def test_anonymous_visitor_lands_on_the_chinese_login_page(page, url, zh, screenshot):
    page.goto(url("/"))

    expect(page).to_have_url(url("/accounts/login/?next=/"))
    # The browser asks for English; the town works in Chinese.
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    log_in = zh("Log in")
    assert CJK.search(log_in), f"no Chinese for 'Log in' in the catalogues: {log_in!r}"
    expect(page.locator("h1")).to_have_text(log_in)
    expect(page).to_have_title(re.compile(f"^{re.escape(log_in)} · "))
    expect(page.locator("#id_username")).to_be_visible()
    expect(page.locator("#id_password")).to_be_visible()
    # Nobody is logged in: no user box, no navigation.
    expect(page.locator(".user-box")).to_have_count(0)
    expect(page.locator("nav.mainnav")).to_have_count(0)
    screenshot(page, "login")


def test_wrong_password_shows_an_error_and_stays_on_the_login_page(page, url, staff):
    leader = staff[RoleKind.GRID_LEADER]
    page.goto(url("/"))

    submit_login(page, leader.username, "not-the-password")

    expect(page.get_by_role("alert")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/accounts/login/(\?.*)?$"))
    expect(page.locator("#id_username")).to_have_value(leader.username)
    expect(page.locator("#id_password")).to_have_value("")
    expect(page.locator(".user-box")).to_have_count(0)
    # Still not logged in: the home page sends the visitor back to the form.
    page.goto(url("/"))
    expect(page).to_have_url(url("/accounts/login/?next=/"))


def test_grid_leader_logs_in_sees_role_and_grid_then_logs_out(
    page, url, staff, area, zh, screenshot
):
    leader = staff[RoleKind.GRID_LEADER]
    page.goto(url("/"))

    submit_login(page, leader.username, PASSWORD)

    expect(page).to_have_url(url("/"))
    expect(page.locator("h1")).to_contain_text(leader.first_name)
    roles = page.locator(".role-list li")
    expect(roles).to_have_count(1)
    expect(roles.first).to_contain_text(zh(RoleKind.GRID_LEADER.label))
    expect(roles.first).to_contain_text(area.g11.name)
    expect(roles.first).to_contain_text("2025-01-01")
    # The grid leader may open the area pages: they are offered as navigation.
    expect(page.locator("nav.mainnav a[href='/areas/grids/']")).to_be_visible()
    if page.viewport_size["width"] > 640:
        expect(page.locator(".topbar .user-name")).to_have_text(leader.first_name)
    screenshot(page, "home")

    log_out = page.locator(".topbar form button[type=submit]")
    expect(log_out).to_be_visible()
    expect(log_out).to_have_text(zh("Log out"))
    log_out.click()

    expect(page).to_have_url(url("/accounts/login/"))
    expect(page.locator("#id_password")).to_be_visible()
    expect(page.locator(".user-box")).to_have_count(0)
    # The session is really gone, not just the page changed.
    page.goto(url("/"))
    expect(page).to_have_url(url("/accounts/login/?next=/"))
