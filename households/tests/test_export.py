"""Exports of the register: who may export, which rows, masking per role, the reveal log, the
templates, and that an export imports back unchanged."""

import datetime
import io

import pytest
from django.utils import translation
from openpyxl import load_workbook

from conftest import make_user
from households.models import ImportJob, Resident, RevealLog
from households.services import exporting, importing
from households.tests.importdata import (
    HOUSE_HEADERS,
    HOUSEHOLD_HEADERS,
    RESIDENT_HEADERS,
    csv_bytes,
    family,
)
from huaisi.roles import RoleKind

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media"},
        },
    }


@pytest.fixture
def register(role_users, other_role_users, area):
    """Residents in V1 (grid V1G1) and in V2, imported by each village's clerk."""
    from households.tests.test_import import run

    for clerk, micro, number, surname, start in (
        (role_users[RoleKind.VILLAGE_CLERK], "V1G1M1", "H1", "王", 1),
        (other_role_users[RoleKind.VILLAGE_CLERK], "V2G1M1", "H9", "郑", 50),
    ):
        village = "第1村" if micro.startswith("V1") else "第2村"
        address = f"{village}{number}号"
        for kind, data in (
            (
                "houses",
                csv_bytes(
                    HOUSE_HEADERS, [[village, micro, address, "砖混", 2, 88.5, "自住", "", ""]]
                ),
            ),
            ("households", csv_bytes(HOUSEHOLD_HEADERS, [[number, micro, address, "2025-01-02"]])),
            ("residents", csv_bytes(RESIDENT_HEADERS, family(number, surname, start=start))),
        ):
            job = run(clerk, kind, data)
            assert job.status == ImportJob.Status.DONE, job.problems
    return Resident.objects.order_by("pk")


def download(client, user, kind: str):
    client.force_login(user)
    response = client.get(f"/register/exports/{kind}.xlsx")
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    data = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return data, [list(row) for row in sheet.iter_rows(values_only=True)]


def test_a_clerk_exports_their_village_in_full_and_the_reveals_are_logged(
    client, role_users, register
):
    clerk = role_users[RoleKind.VILLAGE_CLERK]
    _data, rows = download(client, clerk, "residents")

    assert rows[0] == RESIDENT_HEADERS
    assert [r[0] for r in rows[1:]] == ["H1", "H1", "H1"]
    head = Resident.objects.get(name="王建国")
    assert rows[1][:7] == ["H1", "王建国", "男", head.id_number, rows[1][4], "17012345678", "户主"]
    assert rows[3][8] == "留守儿童" and rows[3][9:] == ["否", "否"]
    logged = RevealLog.objects.filter(user=clerk)
    # Three ID numbers and the two phones there are: the child has none.
    assert logged.filter(field="id_number").count() == 3
    assert logged.filter(field="phone").count() == 2
    assert set(logged.values_list("path", flat=True)) == {"/register/exports/residents.xlsx"}


def test_the_command_centre_sees_both_numbers_masked_and_nothing_is_logged(
    client, role_users, register
):
    user = role_users[RoleKind.COMMAND_CENTRE]
    _data, rows = download(client, user, "residents")
    assert len(rows) == 7  # the whole town
    ids = [r[3] for r in rows[1:]]
    assert all("*" in i and len(i) == 18 for i in ids)
    assert rows[1][5] == "170****5678"
    assert not RevealLog.objects.filter(user=user).exists()


def test_a_grid_leader_sees_phones_but_not_id_numbers_and_only_their_grid(
    client, role_users, register
):
    user = role_users[RoleKind.GRID_LEADER]
    _data, rows = download(client, user, "residents")
    assert [r[0] for r in rows[1:]] == ["H1", "H1", "H1"]
    assert rows[1][3].startswith("3210") and "*" in rows[1][3]
    assert rows[1][5] == "17012345678"
    assert set(RevealLog.objects.filter(user=user).values_list("field", flat=True)) == {"phone"}


def test_a_user_with_two_roles_sees_full_numbers_only_where_a_role_allows(client, area, register):
    """Clerk of V1 and grid leader in V2 (taking over V2G1): V1's ID numbers in full, V2's
    masked."""
    from huaisi.services import role_assign

    user = make_user("two_hats", kind=RoleKind.VILLAGE_CLERK, scope=area.v1)
    role_assign(
        user=user, kind=RoleKind.GRID_LEADER, scope=area.g21, starts_on=datetime.date(2025, 6, 1)
    )
    _data, rows = download(client, user, "residents")
    by_household = {}
    for row in rows[1:]:
        by_household.setdefault(row[0], []).append(row[3])
    assert all("*" not in i for i in by_household["H1"])
    assert all("*" in i for i in by_household["H9"])
    revealed = set(
        RevealLog.objects.filter(user=user, field="id_number").values_list(
            "resident__household__number", flat=True
        )
    )
    assert revealed == {"H1"}


@pytest.mark.parametrize(
    "kind",
    [
        RoleKind.ASSESSOR,
        RoleKind.MICROGRID_WORKER,
        RoleKind.SUPERVISOR,
        RoleKind.DEPARTMENT_HANDLER,
    ],
)
def test_roles_without_the_export_right_get_403(client, role_users, kind):
    client.force_login(role_users[kind])
    for path in (
        "/register/exports/",
        "/register/exports/residents.xlsx",
        "/register/exports/houses.xlsx",
    ):
        assert client.get(path).status_code == 403


def test_an_unknown_kind_is_404(client, role_users):
    client.force_login(role_users[RoleKind.VILLAGE_CLERK])
    assert client.get("/register/exports/people.xlsx").status_code == 404


def test_the_export_page_counts_the_rows_in_scope(client, role_users, register):
    client.force_login(role_users[RoleKind.VILLAGE_CLERK])
    response = client.get("/register/exports/")
    assert response.status_code == 200
    assert [(k, c) for k, _label, c in response.context["kinds"]] == [
        ("residents", 3), ("households", 1), ("houses", 1),
    ]  # fmt: skip


@pytest.mark.parametrize("kind", ["houses", "households", "residents"])
def test_an_unmasked_export_imports_back_unchanged(client, role_users, register, kind):
    from households.tests.test_import import run

    clerk = role_users[RoleKind.VILLAGE_CLERK]
    data, rows = download(client, clerk, kind)
    before = list(
        Resident.objects.values_list(
            "id_number", "phone", "household_id", "care_tags", "updated_at"
        )
    )

    job = run(clerk, kind, data, f"{kind}.xlsx")

    assert job.status == ImportJob.Status.DONE, job.problems
    assert (job.summary["created"], job.summary["updated"], job.summary["unchanged"]) == (
        0,
        0,
        len(rows) - 1,
    )
    assert (
        list(
            Resident.objects.values_list(
                "id_number", "phone", "household_id", "care_tags", "updated_at"
            )
        )
        == before
    )


def test_a_masked_export_does_not_import_back(client, role_users, register):
    from households.tests.test_import import run

    data, _rows = download(client, role_users[RoleKind.COMMAND_CENTRE], "residents")
    job = run(role_users[RoleKind.TOWN_ADMIN], "residents", data, "masked.xlsx")
    assert job.status == ImportJob.Status.INVALID
    assert {p[1] for p in job.problems} == {"身份证号", "手机号"}
    assert "masked" in job.problems[0][2]


@pytest.mark.parametrize(
    ("kind", "headers"),
    [("houses", HOUSE_HEADERS), ("households", HOUSEHOLD_HEADERS), ("residents", RESIDENT_HEADERS)],
)
def test_the_template_has_the_titles_an_example_and_notes(client, role_users, kind, headers):
    client.force_login(role_users[RoleKind.VILLAGE_CLERK])
    with translation.override("zh-hans"):
        response = client.get(f"/register/imports/templates/{kind}.xlsx")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    sheet, notes = book.worksheets
    assert sheet.title == importing.SHEET_TITLES[kind] and notes.title == "说明"
    assert [c.value for c in sheet[1]] == headers
    assert sheet.max_row == 2 and all(c.value not in (None, "") for c in sheet[2])
    assert [
        row[0] for row in notes.iter_rows(min_row=2, max_row=len(headers) + 1, values_only=True)
    ] == headers


def test_the_resident_template_imports_as_a_file_of_one_row(role_users, area):
    """The template's own example passes every check but the ones about this register."""
    from households.tests.test_import import run

    data = exporting.template_workbook(kind="residents")
    job = run(role_users[RoleKind.VILLAGE_CLERK], "residents", data, "template.xlsx")
    assert [p[1] for p in job.problems] == ["户号"]


def test_export_of_houses_and_households_in_the_import_format(client, role_users, register):
    _data, houses = download(client, role_users[RoleKind.VILLAGE_CLERK], "houses")
    # Empty trailing cells (no position) are not written at all.
    assert houses == [HOUSE_HEADERS, ["第1村", "V1G1M1", "第1村H1号", "砖混", 2, 88.5, "自住"]]
    _data, households = download(client, role_users[RoleKind.VILLAGE_CLERK], "households")
    assert households[0] == HOUSEHOLD_HEADERS
    assert households[1][:3] == ["H1", "V1G1M1", "第1村H1号"]
    assert households[1][3].date().isoformat() == "2025-01-02"


def test_residents_export_queries_do_not_grow_with_rows(
    client, role_users, register, django_assert_max_num_queries
):
    client.force_login(role_users[RoleKind.VILLAGE_CLERK])
    with django_assert_max_num_queries(14):
        response = client.get("/register/exports/residents.xlsx")
        b"".join(response.streaming_content)


def test_the_export_writer_keeps_markup_characters_and_drops_what_xml_cannot_hold(
    client, role_users, area
):
    from households.models import House

    House.objects.create(village=area.v1, microgrid=area.m111, address="A&B <1> 号\x07", floors=3)
    data, rows = download(client, role_users[RoleKind.VILLAGE_CLERK], "houses")
    assert rows[1][:5] == ["第1村", "V1G1M1", "A&B <1> 号", "砖混", 3]
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.b and sheet.column_dimensions["C"].width == 28
