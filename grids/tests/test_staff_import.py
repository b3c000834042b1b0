"""Staff from a sheet: a check that writes nothing, then one transaction making accounts,
profiles and roles, with printable one-time passwords; any refused row writes nothing."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook

from grids.models import StaffProfile
from grids.sheets import SheetRow
from grids.staff_import import SheetRefused, staff_sheet_import
from huaisi.models import Role
from huaisi.roles import RoleKind

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "工作电话", "角色", "范围", "开始日期", "用户名"]
GOOD = [
    ["王网格", "139 0000 1001", "网格长", "第1村第1网格", "2026-03-01", "wangwg"],
    ["李微", "13900001002", "微网格员", "V1G1M1", "2026/3/1", ""],
    ["李微", "13900001002", "考评组", "第1村", "", ""],
    ["赵文书", "13900001003", "村文书", "第2村", "2026年3月2日", "zhaows"],
    ["钱经办", "13900001004", "部门经办人", "第1局", "", "qianjb"],
]


def csv_bytes(rows, encoding="gbk") -> bytes:
    text = "\n".join(",".join(cells) for cells in [HEADER, *rows]) + "\n"
    return text.encode(encoding)


def upload(data: bytes, name="staff.csv"):
    return SimpleUploadedFile(name, data)


@pytest.fixture
def admin(client, role_users, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(role_users[RoleKind.TOWN_ADMIN])
    return client


def counts():
    return (get_user_model().objects.count(), Role.objects.count(), StaffProfile.objects.count())


def check(client, data, name="staff.csv"):
    return client.post("/areas/staff/import/", {"file": upload(data, name)})


def test_check_then_import_makes_accounts_roles_and_slips(admin, area):
    before = counts()
    response = check(admin, csv_bytes(GOOD))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Checked: 5 roles, 4 new accounts" in html
    assert counts() == before  # the check writes nothing
    token = re.search(r'name="token" value="([0-9a-f]+)"', html).group(1)

    response = admin.post("/areas/staff/import/", {"token": token})

    assert response.status_code == 200
    slips = re.findall(r'class="mono">([a-z2-9]{5}-[a-z2-9]{5})<', response.content.decode())
    assert len(slips) == 4
    assert counts() == (before[0] + 4, before[1] + 5, before[2] + 4)
    li = get_user_model().objects.get(username="13900001002")
    assert li.first_name == "李微"
    assert StaffProfile.objects.get(user=li).must_change_password
    assert set(Role.objects.filter(user=li).values_list("kind", flat=True)) == {
        RoleKind.MICROGRID_WORKER,
        RoleKind.ASSESSOR,
    }
    leader = Role.objects.get(user__username="wangwg")
    assert (leader.kind, leader.grid, str(leader.starts_on)) == (
        RoleKind.GRID_LEADER,
        area.g11,
        "2026-03-01",
    )
    # The slip's password works once: it leads to the password page.
    staff = Client()
    password = slips[0]
    staff.post("/accounts/login/", {"username": "wangwg", "password": password})
    assert staff.get("/")["Location"] == "/accounts/password/"
    # The same token again (a double click, a reload) writes nothing more.
    again = admin.post("/areas/staff/import/", {"token": token}, follow=True)
    assert "already imported" in again.content.decode()
    assert counts() == (before[0] + 4, before[1] + 5, before[2] + 4)


def test_re_importing_the_same_sheet_changes_nothing(admin):
    html = check(admin, csv_bytes(GOOD)).content.decode()
    admin.post("/areas/staff/import/", {"token": re.search(r'value="([0-9a-f]{32})"', html)[1]})
    after_first = counts()
    html = check(admin, csv_bytes(GOOD)).content.decode()
    assert "Checked: 5 roles, 0 new accounts" in html
    response = admin.post(
        "/areas/staff/import/", {"token": re.search(r'value="([0-9a-f]{32})"', html)[1]}
    )
    assert not re.findall(r'class="mono">([a-z2-9]{5}-[a-z2-9]{5})<', response.content.decode())
    assert counts() == after_first


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (["孙某", "13900001009", "网格长", "第9村第9网格", "", ""], "No grid of this town"),
        (["孙某", "1390000", "网格长", "V1G1", "", ""], "not an 11-digit mobile number"),
        (["孙某", "13900001009", "队长", "V1G1", "", ""], "Unknown role"),
        (["孙某", "13900001009", "网格长", "V1G1", "明天", ""], "is not a date"),
        (["孙某", "13900001009", "镇指挥中心", "测试镇", "", ""], "You may not give the role"),
        (["孙某", "13900001009", "网格长", "第1村第1网格", "", "wangwg"], "is also on row 2"),
    ],
)
def test_a_bad_row_is_refused_with_its_row_and_nothing_is_written(admin, row, reason):
    before = counts()
    response = check(admin, csv_bytes([*GOOD, row]))
    html = response.content.decode()
    assert "1 row was refused: nothing was written" in html
    assert re.search(r"<td>7</td><td>[^<]*" + re.escape(reason), html), html
    assert 'name="token"' not in html
    assert counts() == before


def test_an_ambiguous_name_lists_the_candidates(admin, area):
    area.g21.name = "第1村第1网格"  # the same name in another village
    area.g21.save(update_fields=["name"])
    html = check(admin, csv_bytes(GOOD)).content.decode()
    assert "names 2 areas" in html
    assert "第1村 › 第1村第1网格 (V1G1)" in html and "第2村 › 第1村第1网格 (V2G1)" in html
    # Naming the village first resolves it.
    fixed = [["王网格", "13900001001", "网格长", "第2村/第1村第1网格", "", "wangwg"]]
    assert "Checked: 1 roles, 1 new accounts" in check(admin, csv_bytes(fixed)).content.decode()


def test_a_user_name_taken_between_check_and_import_writes_nothing(role_users, area):
    rows = [
        SheetRow(number=n, cells=dict(zip(HEADER, r, strict=True))) for n, r in enumerate(GOOD, 2)
    ]
    get_user_model().objects.create_user(username="zhaows", first_name="另一个人")
    before = counts()
    with pytest.raises(SheetRefused) as refused:
        staff_sheet_import(user=role_users[RoleKind.TOWN_ADMIN], town=area.town, rows=rows)
    assert refused.value.plan.errors[0][0] == 5
    assert counts() == before


def test_an_xlsx_sheet_and_a_utf8_bom_csv_are_read(admin):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["王网格", 13900001001, "网格长", "V1G1", None, "wangwg"])
    buffer = io.BytesIO()
    book.save(buffer)
    assert "Checked: 1 roles" in check(admin, buffer.getvalue(), "staff.xlsx").content.decode()
    data = csv_bytes(GOOD[:1], encoding="utf-8-sig")
    assert "Checked: 1 roles" in check(admin, data).content.decode()


def test_a_file_without_the_columns_is_refused(admin):
    response = check(admin, "名字,电话\n张三,13900001001\n".encode())
    assert "missing: 角色、范围" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_same_sheet_imported_twice_at_once_makes_each_account_once(role_users, area):
    """Two administrators (or two tabs) import the same sheet at the same moment: one makes
    the accounts; the other either waits on its new user names and is refused whole, or runs
    after it and finds every account there already. Never two accounts for one person."""
    import threading

    from django.core.exceptions import ValidationError
    from django.db import connection

    rows = [
        SheetRow(number=n, cells=dict(zip(HEADER, r, strict=True))) for n, r in enumerate(GOOD, 2)
    ]
    admin = role_users[RoleKind.TOWN_ADMIN]
    before = counts()
    start = threading.Barrier(2)
    results: list = []

    def run() -> None:
        try:
            start.wait()
            results.append(len(staff_sheet_import(user=admin, town=area.town, rows=rows)))
        except ValidationError as error:
            results.append(error.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert 4 in results, results
    # The other one found the accounts made (0 new) or was refused whole (its reason).
    other = results[1 - results.index(4)]
    assert other == 0 or isinstance(other, str), results
    assert counts() == (before[0] + 4, before[1] + 5, before[2] + 4)
