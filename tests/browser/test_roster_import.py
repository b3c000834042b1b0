"""A village clerk imports the village's roster (花名册) in one sheet: the dry run refuses an
unknown micro-grid name with its row and the candidates and writes nothing; the corrected
workbook shows what it will create per village and the columns it does not read, then imports
with its progress bar reaching 100%. A real Celery worker runs both steps."""

import pytest
from playwright.sync_api import expect

from households.demo_roster import HEADERS, roster_rows, roster_xlsx
from households.models import Household, Resident
from huaisi.roles import RoleKind

pytestmark = [pytest.mark.browser, pytest.mark.celery_worker]

WORKER_TIMEOUT_MS = 60_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def choose_file(page, name: str, data: bytes) -> None:
    page.locator("input[type=file]").set_input_files(
        files=[{"name": name, "mimeType": XLSX, "buffer": data}]
    )


def test_clerk_imports_a_village_roster_in_one_sheet(
    page, url, login, staff, area, celery_worker, screenshot, zh
):
    rows = roster_rows(area.v1, people=60)
    bad = [row[:] for row in rows]
    bad[3][HEADERS.index("网格")] = "第一网格"
    bad[3][HEADERS.index("微网格")] = (
        "第九微网格"  # row 6: the title row and column titles are above
    )

    login(page, staff[RoleKind.VILLAGE_CLERK])
    page.goto(url("/register/imports/new/"))
    expect(page.get_by_label(zh("Roster (one row per person)"))).to_be_checked()
    choose_file(page, "槐泗村花名册.xlsx", roster_xlsx(bad))
    page.get_by_role("button", name=zh("Check the file")).click()

    problems = page.locator("table.problems tbody tr")
    expect(problems).to_have_count(1, timeout=WORKER_TIMEOUT_MS)
    expect(problems.first).to_contain_text("6")
    expect(problems.first).to_contain_text("微网格")
    expect(problems.first).to_contain_text("第九微网格")
    expect(problems.first).to_contain_text("第1村第1网格第2微网格 (V1G1M2)")
    screenshot(page, "roster-import-problem")
    assert (
        page.evaluate("() => document.documentElement.scrollWidth") <= page.viewport_size["width"]
    )
    assert Resident.objects.count() == Household.objects.count() == 0

    page.get_by_role("link", name=zh("Upload a corrected file")).click()
    choose_file(page, "槐泗村花名册-改.xlsx", roster_xlsx(rows))
    page.get_by_role("button", name=zh("Check the file")).click()

    households = len({row[HEADERS.index("户号")] for row in rows})
    import_button = page.get_by_role("button", name=f"导入 {len(rows)} 行")
    expect(import_button).to_be_visible(timeout=WORKER_TIMEOUT_MS)
    village = page.locator("table.villages tbody tr")
    expect(village).to_have_count(1)
    expect(village.first).to_contain_text("第1村")
    expect(village.first.locator("td").nth(1)).to_have_text(str(households))
    expect(page.locator("#unused-columns")).to_contain_text("序号、民族、备注")
    screenshot(page, "roster-import-ready")
    assert (
        page.evaluate("() => document.documentElement.scrollWidth") <= page.viewport_size["width"]
    )
    import_button.click()

    expect(page.locator("#import-progress")).to_have_attribute(
        "value", "100", timeout=WORKER_TIMEOUT_MS
    )
    expect(page.locator("#import-status")).to_contain_text(f"新增 {len(rows)} 条")
    screenshot(page, "roster-import-done")
    assert Resident.objects.count() == len(rows)
    assert Household.objects.count() == households
