"""The holiday calendar: the town administrator follows the banner to next year's missing
calendar, enters New Year's Day on the page, meets a refused CSV file, and marks the year."""

import datetime

import pytest
import time_machine
from playwright.sync_api import expect

from huaisi.roles import RoleKind
from workcalendar.models import CalendarYear, SpecialDay

pytestmark = pytest.mark.browser

# After 1 November of a year whose next year the package does not know: the banner shows.
IN_NOVEMBER_2026 = datetime.datetime(
    2026, 11, 20, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8))
)


@pytest.fixture
def server_in_november_2026(settings):
    """The live server runs in this process: its clock is frozen (ticking) at 20 November
    2026, so the banner is tested on any date. The session cookie carries no expiry, since
    one the server dates from that day would be in the browser's past on a later real date."""
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    with time_machine.travel(IN_NOVEMBER_2026, tick=True):
        yield


def test_town_administrator_enters_next_years_calendar(
    page, url, login, staff, screenshot, tmp_path, server_in_november_2026
):
    if page.viewport_size["width"] > 1000:
        page.set_viewport_size({"width": 1366, "height": 900})
    login(page, staff[RoleKind.TOWN_ADMIN])
    page.goto(url("/"))
    banner = page.locator(".calendar-missing")
    expect(banner).to_contain_text("2027")
    screenshot(page, "calendar-banner")
    banner.get_by_role("link").click()
    expect(page.locator("#calendar-year h2")).to_have_text("2027")
    screenshot(page, "calendar-year-missing")

    page.get_by_role("link", name="添加日期").click()
    page.fill("#id_date", "2027-01-01")
    page.get_by_label("节假日").check()
    page.fill("#id_name", "元旦")
    page.fill("#id_notice", "国办发明电〔2026〕X号")
    screenshot(page, "calendar-day-form")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#calendar-year tbody tr")).to_have_count(1)
    expect(page.locator("#calendar-year tbody")).to_contain_text("元旦")
    assert SpecialDay.objects.filter(date="2027-01-01", name="元旦").exists()

    bad = tmp_path / "2027.csv"
    bad.write_text("2027-02-06,休,春节,\n2027-02-30,休,春节,\n", encoding="utf-8")
    page.goto(url("/calendar/import/"))
    page.set_input_files("#id_file", str(bad))
    page.get_by_role("button", name="导入").click()
    expect(page.locator(".form-errors")).to_contain_text("第2行")
    screenshot(page, "calendar-import-refused")
    assert not SpecialDay.objects.filter(date="2027-02-06").exists()

    page.goto(url("/calendar/?year=2027"))
    page.get_by_role("button", name="将2027年标记为已录入").click()
    expect(page.locator("#calendar-year")).to_contain_text("已录入")
    assert CalendarYear.objects.filter(year=2027).exists()
    screenshot(page, "calendar-year-entered")
