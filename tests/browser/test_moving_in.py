"""A town moves in, in the browser: from an install with only the town and its administrator to
a working village. Areas and boundaries from files (a KML with a self-crossing polygon refused
first), staff from a sheet (an unknown scope refused first), a new account's first log-in
with its password change, the village's one-sheet roster (花名册) imported on a real Celery
worker, and the moving-in checklist turning green.

The rulebook, the store's goods, the passbooks, the missing pact dates and next year's
holiday calendar are entered on their own pages, which their own journeys cover; here they
are written directly so the journey stays on what issue 18 adds.
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import make_user
from grids.models import Department, Grid, MicroGrid, Town, Village
from households.demo_roster import roster_rows, roster_xlsx
from households.models import Household
from huaisi.roles import RoleKind
from points.models import Good, PointsAccount, Rule, Store
from tests.browser.conftest import VIEWPORTS
from workcalendar.models import CalendarYear

pytestmark = [pytest.mark.browser, pytest.mark.celery_worker]

WORKER_TIMEOUT_MS = 60_000


def square(x0, y0, size):
    return [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]


def kml(*placemarks) -> bytes:
    marks = "".join(
        f"<Placemark><name>{name}</name><Polygon><outerBoundaryIs><LinearRing><coordinates>"
        + " ".join(f"{x},{y},0" for x, y in ring)
        + "</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>"
        for name, ring in placemarks
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2">'
        f"<Document><name>槐泗镇边界</name>{marks}</Document></kml>"
    ).encode()


AREAS = (
    "村,类型,村编码,网格,网格编码,微网格,微网格编码\n"
    "新庄村,村,XZ,新庄村第1网格,XZG1,第1微网格,XZG1M1\n"
    "新庄村,村,XZ,新庄村第1网格,XZG1,第2微网格,XZG1M2\n"
    "新庄村,村,XZ,新庄村第2网格,XZG2,第1微网格,XZG2M1\n"
).encode("gbk")
VILLAGE = square(119.30, 32.40, 0.02)
GRID_1 = square(119.30, 32.40, 0.01)
GRID_2 = square(119.31, 32.40, 0.01)
BOW_TIE = [[119.30, 32.40], [119.32, 32.42], [119.32, 32.40], [119.30, 32.42], [119.30, 32.40]]

STAFF_HEADER = "姓名,工作电话,角色,范围,开始日期,用户名\n"
STAFF = [
    "王建国,13900002001,网格长,新庄村第1网格,,wangjg",
    "李秀英,13900002002,网格长,XZG2,,lixy",
    "张伟,13900002003,微网格员,新庄村/新庄村第1网格/第1微网格,,zhangw",
    "刘洋,13900002004,微网格员,XZG1M2,,liuy",
    "陈静,13900002005,微网格员,新庄村第2网格/第1微网格,,chenj",
    "孙丽,13900002006,村文书,新庄村,,sunl",
    "赵敏,13900002007,部门经办人,综合行政执法局,,zhaom",
]


def choose(page, selector: str, name: str, data: bytes) -> None:
    page.locator(selector).set_input_files(
        files=[{"name": name, "mimeType": "application/octet-stream", "buffer": data}]
    )


def no_sideways_scroll(page) -> None:
    assert (
        page.evaluate("() => document.documentElement.scrollWidth") <= page.viewport_size["width"]
    )


def test_a_town_moves_in_from_files_to_a_green_checklist(
    browser, desktop_page, url, login, celery_worker, screenshot, zh
):
    page = desktop_page
    town = Town.objects.create(code="HS", name="槐泗镇")
    Department.objects.create(town=town, code="D01", name="综合行政执法局")
    admin = make_user("zhoulx", kind=RoleKind.TOWN_ADMIN, scope=town, first_name="周立新")

    login(page, admin)
    page.goto(url("/areas/onboarding/"))
    expect(page.locator("li.todo").first).to_contain_text(zh("No village or community yet."))

    # Areas and boundaries: a bow tie is refused with its reason and nothing is written.
    page.get_by_role("link", name=re.compile(zh("Areas and boundaries from files"))).first.click()
    choose(page, "#id_sheet", "区域.csv", AREAS)
    choose(page, "#id_boundaries", "边界.kml", kml(("新庄村", BOW_TIE)))
    page.get_by_role("button", name=zh("Check"), exact=True).click()
    expect(page.locator("table.row-errors")).to_contain_text("自相交")
    assert not Village.objects.filter(town=town).exists()
    screenshot(page, "moving-in-areas-refused")

    choose(page, "#id_sheet", "区域.csv", AREAS)
    choose(
        page,
        "#id_boundaries",
        "边界.kml",
        kml(("新庄村", VILLAGE), ("新庄村第1网格", GRID_1), ("XZG2", GRID_2)),
    )
    page.get_by_role("button", name=zh("Check"), exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("3")
    page.get_by_role("button", name=zh("Import"), exact=True).click()
    expect(page).to_have_url(url("/areas/villages/"))
    village = Village.objects.get(town=town, code="XZ")
    assert village.boundary["coordinates"] == [VILLAGE]
    assert Grid.objects.filter(village=village).count() == 2
    assert MicroGrid.objects.filter(grid__village=village).count() == 3

    # Staff from a sheet: an unknown scope is refused with its row; then the whole sheet.
    page.goto(url("/areas/staff/import/"))
    bad = STAFF_HEADER + "\n".join([*STAFF, "钱多,13900002008,网格长,老庄村第9网格,,qiand"])
    choose(page, "#id_file", "人员.csv", bad.encode("gbk"))
    page.get_by_role("button", name=zh("Check"), exact=True).click()
    refused = page.locator("table.row-errors tbody tr")
    expect(refused).to_have_count(1)
    expect(refused.first).to_contain_text("9")
    expect(refused.first).to_contain_text("老庄村第9网格")
    screenshot(page, "moving-in-staff-refused")

    choose(page, "#id_file", "人员.csv", (STAFF_HEADER + "\n".join(STAFF)).encode("gbk"))
    page.get_by_role("button", name=zh("Check"), exact=True).click()
    page.get_by_role("button", name=zh("Import and print the account slips")).click()
    slips = page.locator("section.slip")
    expect(slips).to_have_count(len(STAFF))
    screenshot(page, "moving-in-slips")
    first = slips.filter(has_text="王建国")
    password = first.locator("dd.mono").nth(2).inner_text()

    # The grid leader's first log-in leads to the password page and nowhere else.
    phone = browser.new_context(**VIEWPORTS["phone"], locale="en-US")
    leader = phone.new_page()
    leader.goto(url("/accounts/login/"))
    leader.fill("#id_username", "wangjg")
    leader.fill("#id_password", password)
    leader.locator("form:has(#id_password) button[type=submit]").click()
    expect(leader).to_have_url(url("/accounts/password/"))
    leader.goto(url(f"/areas/grids/{Grid.objects.get(code='XZG1').pk}/"))
    expect(leader).to_have_url(url("/accounts/password/"))
    no_sideways_scroll(leader)
    screenshot(leader, "moving-in-first-login")
    leader.fill("#id_old_password", password)
    leader.fill("#id_new_password1", "Xinzhuang-2026-wjg")
    leader.fill("#id_new_password2", "Xinzhuang-2026-wjg")
    leader.get_by_role("button", name=zh("Save my password")).click()
    expect(leader).to_have_url(url("/"))
    expect(leader.locator("body")).to_contain_text("新庄村第1网格")
    phone.close()

    # The village's roster in one sheet, on the Celery worker.
    rows = roster_rows(village, people=40)
    page.goto(url("/register/imports/new/"))
    page.locator("input[type=file]").set_input_files(
        files=[
            {
                "name": "新庄村花名册.xlsx",
                "mimeType": "application/octet-stream",
                "buffer": roster_xlsx(rows),
            }
        ]
    )
    page.get_by_role("button", name=zh("Check the file")).click()
    import_button = page.get_by_role("button", name=f"导入 {len(rows)} 行")
    expect(import_button).to_be_visible(timeout=WORKER_TIMEOUT_MS)
    import_button.click()
    expect(page.locator("#import-progress")).to_have_attribute(
        "value", "100", timeout=WORKER_TIMEOUT_MS
    )

    page.goto(url("/areas/onboarding/"))
    expect(page.locator("li.todo")).not_to_have_count(0)
    screenshot(page, "moving-in-checklist-partly")

    # What other pages enter (see the module's docstring).
    households = Household.objects.filter(microgrid__grid__village=village)
    households.filter(pact_signed_on__isnull=True).update(pact_signed_on=datetime.date(2026, 1, 5))
    for serial, household in enumerate(households.order_by("pk"), start=1):
        PointsAccount.objects.create(
            household=household, village=village, serial=serial,
            passbook_number=f"XZ{serial:05d}", card_token=f"moving-in-{serial}",
        )  # fmt: skip
    Rule.objects.create(
        town=town, code="R01", group="key_work", category="矛盾调处", title="调解邻里纠纷",
        points=5, valid_from=datetime.date(2026, 1, 1),
    )  # fmt: skip
    store = Store.objects.create(village=village, name="新庄村满满加油站")
    Good.objects.create(store=store, name="大米", unit="袋", price_points=50)
    CalendarYear.objects.get_or_create(
        year=timezone.localdate().year + 1,
        defaults={"source": "entered", "entered_at": timezone.now()},
    )

    page.reload()
    expect(page.locator("li.todo")).to_have_count(0)
    total = page.locator("li.ok").count()
    expect(page.get_by_role("status").first).to_contain_text(f"{total}")
    screenshot(page, "moving-in-checklist-green")
    for phone_check in ("/areas/onboarding/", "/areas/staff/import/", "/areas/import/"):
        context = browser.new_context(**VIEWPORTS["phone"], locale="en-US")
        small = context.new_page()
        login(small, admin)
        small.goto(url(phone_check))
        no_sideways_scroll(small)
        screenshot(small, "moving-in" + phone_check.replace("/", "-").rstrip("-"))
        context.close()
