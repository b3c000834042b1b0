"""Refusals a person can meet in the browser, at phone and desktop widths: an address whose
query string no page can use (NUL, overlong) is a readable 400 page naming the parameter with
a way back; an over-size register upload says only that it is too large."""

import pytest
from playwright.sync_api import expect

from households.services import importing
from huaisi.roles import RoleKind

pytestmark = pytest.mark.browser


def _fits(page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"scrolls sideways: {width}px"


def test_an_unusable_address_is_a_page_with_the_way_back(page, url, login, staff, screenshot, zh):
    login(page, staff[RoleKind.VILLAGE_CLERK])
    response = page.goto(url("/register/residents/?q=%E7%8E%8B%00"))
    assert response.status == 400
    expect(page.locator("h1")).to_contain_text(zh("The address cannot be read"))
    expect(page.locator("main")).to_contain_text("“q”")
    _fits(page)
    screenshot(page, "bad-query")
    page.get_by_role("link", name=zh("Open the page without it")).click()
    expect(page).to_have_url(url("/register/residents/"))


def test_an_oversize_upload_says_only_that_it_is_too_large(
    phone_page, url, login, staff, screenshot, zh, monkeypatch
):
    monkeypatch.setattr(importing, "MAX_FILE_BYTES", 1024)
    page = phone_page
    login(page, staff[RoleKind.VILLAGE_CLERK])
    page.goto(url("/register/imports/new/"))
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "big.csv", "mimeType": "text/csv", "buffer": b"a" * 5000}]
    )
    page.locator("form:has(input[type=file]) button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("MB")
    expect(page.locator("main")).not_to_contain_text(zh("Choose the file to import."))
    _fits(page)
    screenshot(page, "import-too-large")
