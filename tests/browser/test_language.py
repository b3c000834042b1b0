"""The footer's language switch, and that the choice sticks."""

import pytest
from playwright.sync_api import expect

from huaisi.roles import RoleKind

pytestmark = pytest.mark.browser


def switch_language(page, code: str) -> None:
    page.select_option("#language-select", code)
    page.locator("form.language-switch button[type=submit]").click()


def test_switch_to_english_and_back_persists_across_pages(page, url, login, staff, zh):
    login(page, staff[RoleKind.COMMAND_CENTRE])
    html = page.locator("html")
    log_out = page.locator(".topbar form button[type=submit]")
    expect(html).to_have_attribute("lang", "zh-hans")
    expect(page.locator("#language-select")).to_have_value("zh-hans")
    expect(log_out).to_have_text(zh("Log out"))

    switch_language(page, "en")

    # Back on the page the user switched from, now in English.
    expect(page).to_have_url(url("/"))
    expect(html).to_have_attribute("lang", "en")
    expect(log_out).to_have_text("Log out")
    expect(page.locator("#language-select")).to_have_value("en")
    cookies = {cookie["name"]: cookie["value"] for cookie in page.context.cookies()}
    assert cookies.get("django_language") == "en"

    # A fresh page load keeps English.
    page.goto(url("/areas/grids/"))
    expect(html).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Grids")

    switch_language(page, "zh-hans")

    expect(page).to_have_url(url("/areas/grids/"))
    expect(html).to_have_attribute("lang", "zh-hans")
    expect(log_out).to_have_text(zh("Log out"))
    page.reload()
    expect(html).to_have_attribute("lang", "zh-hans")
    expect(page.locator("#language-select")).to_have_value("zh-hans")


def test_anonymous_visitor_can_read_the_login_page_in_english(page, url):
    page.goto(url("/accounts/login/"))

    switch_language(page, "en")

    expect(page).to_have_url(url("/accounts/login/"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Log in")
