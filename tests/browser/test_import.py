"""A village clerk imports residents from a GBK CSV on a phone: the dry run lists both bad rows
and imports nothing; the corrected file imports, its progress bar reaching 100%.

A real Celery worker runs the dry run and the import, on the live server's database."""

import pytest
from playwright.sync_api import expect

from households.models import House, Household, Resident
from households.tests.importdata import RESIDENT_HEADERS, csv_bytes, family
from huaisi.roles import RoleKind

pytestmark = [pytest.mark.browser, pytest.mark.celery_worker]

WORKER_TIMEOUT_MS = 60_000


def choose_file(page, name: str, data: bytes) -> None:
    page.locator("input[type=file]").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": data}]
    )


def test_clerk_imports_a_gbk_csv_after_a_dry_run_on_a_phone(
    phone_page, url, login, staff, area, celery_worker, screenshot, zh
):
    page = phone_page
    house = House.objects.create(village=area.v1, microgrid=area.m111, address="第1村1号")
    Household.objects.create(number="HS-0001", microgrid=area.m111, house=house)
    rows = family("HS-0001", "王", start=1)
    bad = [row[:] for row in rows]
    bad[1][4] = "1972-02-30"  # row 3: a date that does not exist
    bad[2][3], bad[2][4] = bad[0][3], bad[0][4]  # row 4: the head's ID number again

    login(page, staff[RoleKind.VILLAGE_CLERK])
    page.goto(url("/register/imports/new/"))
    expect(page.locator("h1")).to_have_text(zh("Import the register"))
    expect(page.get_by_label(zh("Roster (one row per person)"))).to_be_checked()
    page.get_by_label(zh("Residents")).check()
    choose_file(page, "人口登记-GBK.csv", csv_bytes(RESIDENT_HEADERS, bad, encoding="gbk"))
    screenshot(page, "import-upload")
    page.get_by_role("button", name=zh("Check the file")).click()

    problems = page.locator("table.problems tbody tr")
    expect(problems).to_have_count(2, timeout=WORKER_TIMEOUT_MS)
    expect(problems.nth(0)).to_contain_text("3")
    expect(problems.nth(0)).to_contain_text("出生日期")
    expect(problems.nth(0)).to_contain_text("1972-02-30")
    expect(problems.nth(1)).to_contain_text("4")
    expect(problems.nth(1)).to_contain_text("身份证号")
    expect(page.locator("#import-status [role=alert]")).to_contain_text("未导入任何数据")
    expect(page.locator("#import-progress")).to_have_count(0)
    screenshot(page, "import-dry-run-problems")
    assert Resident.objects.count() == 0
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390

    page.get_by_role("link", name=zh("Upload a corrected file")).click()
    choose_file(page, "人口登记-GBK-改.csv", csv_bytes(RESIDENT_HEADERS, rows, encoding="gbk"))
    page.get_by_role("button", name=zh("Check the file")).click()

    import_button = page.get_by_role("button", name="导入 3 行")
    expect(import_button).to_be_visible(timeout=WORKER_TIMEOUT_MS)
    expect(page.locator("#import-status")).to_contain_text("3 条均为新增记录")
    screenshot(page, "import-ready")
    assert Resident.objects.count() == 0
    import_button.click()

    progress = page.locator("#import-progress")
    expect(progress).to_have_attribute("value", "100", timeout=WORKER_TIMEOUT_MS)
    expect(page.locator(".progress-percent")).to_have_text("100%")
    expect(page.locator("#import-status")).to_contain_text("新增 3 条，更新 0 条")
    screenshot(page, "import-done")
    assert sorted(Resident.objects.values_list("name", flat=True)) == ["李王芳", "王小明", "王建国"]
    assert Resident.objects.get(name="王建国").relation == "head"
