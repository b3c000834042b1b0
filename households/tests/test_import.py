"""Importing the register: encodings and formats, the dry run's problems, upserts by natural
key, moves, heads, scope, and that a refused or failed file leaves the register as it was.

The services run in-process here (the Celery tasks only call them); test_import_worker.py
runs the same path through a real worker."""

import datetime
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from pghistory.models import Events

from households.models import House, Household, ImportJob, Resident
from households.services import importing, pinyin_keys
from households.services.importing import FileProblem
from households.tests.importdata import (
    HOUSE_HEADERS,
    HOUSEHOLD_HEADERS,
    RESIDENT_HEADERS,
    csv_bytes,
    family,
    houses_xlsx,
    person_id,
    register_state,
    resident_row,
    xlsx_bytes,
)
from huaisi.roles import RoleKind

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploads go to a scratch folder (the tests' transactions never commit, so the on-commit
    clean-up that deletes them never runs)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media"},
        },
    }


@pytest.fixture
def clerk(role_users):
    return role_users[RoleKind.VILLAGE_CLERK]


@pytest.fixture
def households(area):
    """Two houses and two households in V1, one house and household in V2."""
    made = {}
    for number, micro, address in (
        ("H1", area.m111, "第1村1号"),
        ("H2", area.m112, "第1村2号"),
        ("H9", area.m211, "第2村9号"),
    ):
        house = House.objects.create(village=micro.grid.village, microgrid=micro, address=address)
        made[number] = Household.objects.create(number=number, microgrid=micro, house=house)
    return made


def run(user, kind: str, data: bytes, name: str = "upload.csv") -> ImportJob:
    """Upload, dry run and, when the dry run passes, import, as the pages and worker would
    (for a user reading English, so the problems below read as in the source)."""
    with translation.override("en"):
        job = importing.import_start(user=user, kind=kind, file_name=name, data=data)
    job = importing.import_check(job_id=job.pk)
    if job.status == ImportJob.Status.READY:
        importing.import_confirm(job=job)
        job = importing.import_apply(job_id=job.pk)
    return job


def problems_of(job: ImportJob) -> list[tuple[int, str, str]]:
    return [tuple(p) for p in job.problems]


# --- Formats and encodings ---------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_residents_csv_in_each_encoding_imports(clerk, households, encoding):
    rows = family("H1", "王", start=1)
    job = run(clerk, "residents", csv_bytes(RESIDENT_HEADERS, rows, encoding=encoding))

    assert job.status == ImportJob.Status.DONE, (job.error, job.problems)
    assert job.summary["created"] == 3
    head = Resident.objects.get(id_number=rows[0][3])
    assert (head.name, head.household.number, head.relation) == ("王建国", "H1", "head")
    assert (head.gender, head.birth_date, head.phone) == (
        "M",
        datetime.date(1970, 3, 2),
        "17012345678",
    )
    assert (head.name_initials, head.name_pinyin) == pinyin_keys("王建国")
    child = Resident.objects.get(id_number=rows[2][3])
    assert (child.relation, child.care_tags, child.phone) == ("child", ["left_behind_child"], "")


def test_gbk_file_is_read_as_gbk_not_as_mojibake(clerk, households):
    data = csv_bytes(RESIDENT_HEADERS, family("H1", "赵", start=1), encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    job = run(clerk, "residents", data)
    assert set(Resident.objects.values_list("name", flat=True)) == {"赵建国", "李赵芳", "赵小明"}
    assert job.status == ImportJob.Status.DONE


def test_all_three_kinds_from_xlsx(clerk, area):
    houses = houses_xlsx([["第1村", "V1G1M1", "新村1号", "框架", 3, 150.25, "出租", 32.45, 119.40]])
    job = run(clerk, "houses", houses, "houses.xlsx")
    assert job.status == ImportJob.Status.DONE, job.problems
    house = House.objects.get(address="新村1号")
    assert (house.village, house.microgrid, house.structure, house.floors) == (
        area.v1,
        area.m111,
        "frame",
        3,
    )
    assert (str(house.floor_area), house.use, str(house.lat)) == ("150.3", "rented", "32.450000")

    households = xlsx_bytes(
        HOUSEHOLD_HEADERS, [["N1", "V1G1M1", "新村1号", datetime.date(2025, 5, 1)]], title="户"
    )
    job = run(clerk, "households", households, "households.xlsx")
    assert job.status == ImportJob.Status.DONE, job.problems
    household = Household.objects.get(number="N1")
    assert (household.house, household.microgrid, household.pact_signed_on) == (
        house,
        area.m111,
        datetime.date(2025, 5, 1),
    )

    rows = family("N1", "孙", start=7)
    rows[0][4] = datetime.datetime(1970, 3, 8)  # a real date cell, as Excel stores one
    job = run(clerk, "residents", xlsx_bytes(RESIDENT_HEADERS, rows), "residents.xlsx")
    assert job.status == ImportJob.Status.DONE, job.problems
    assert household.residents.count() == 3


def test_headers_may_sit_below_a_title_row_and_use_full_width_brackets(clerk, area):
    headers = ["村（社区）", "微网格编码*", "地址"]
    book_rows = [["2025年房屋登记表"], headers, ["第1村", "V1G1M1", "标题下1号"]]
    data = csv_bytes(book_rows[0], book_rows[1:])
    job = run(clerk, "houses", data)
    assert job.status == ImportJob.Status.DONE, (job.error, job.problems)
    assert House.objects.filter(address="标题下1号", floors=1, structure="brick_concrete").exists()


def test_utf16_tab_separated_text_from_excel_imports(clerk, households):
    rows = family("H1", "钱", start=1)
    text = (
        "\t".join(RESIDENT_HEADERS)
        + "\r\n"
        + "\r\n".join("\t".join(map(str, r)) for r in rows)
        + "\r\n"
    )
    job = run(clerk, "residents", text.encode("utf-16"))
    assert job.status == ImportJob.Status.DONE, (job.error, job.problems)
    assert Resident.objects.count() == 3


def test_residents_gender_and_birth_date_may_be_left_to_the_id_number(clerk, households):
    id_number = person_id(1980, "F", 5)
    headers = ["户号", "姓名", "身份证号", "与户主关系"]
    job = run(clerk, "residents", csv_bytes(headers, [["H1", "周敏", id_number, "户主"]]))
    assert job.status == ImportJob.Status.DONE, job.problems
    resident = Resident.objects.get(id_number=id_number)
    assert (resident.gender, resident.birth_date) == ("F", datetime.date(1980, 3, 6))


# --- Re-import: update by natural key, never duplicate -------------------------------------


def test_reimporting_a_corrected_file_updates_without_duplicates(clerk, households):
    rows = family("H1", "王", start=1) + family("H2", "陈", start=10)
    first = run(clerk, "residents", csv_bytes(RESIDENT_HEADERS, rows))
    assert first.summary["created"] == 6
    untouched = Resident.objects.get(id_number=rows[1][3])
    events_before = Events.objects.tracks(untouched).count()

    rows[0][5] = "13912345678"  # a new phone for the first head
    rows[2][8] = "留守儿童、残疾人"
    again = run(clerk, "residents", csv_bytes(RESIDENT_HEADERS, rows))

    assert again.status == ImportJob.Status.DONE
    assert (again.summary["created"], again.summary["updated"], again.summary["unchanged"]) == (
        0,
        2,
        4,
    )
    assert Resident.objects.count() == 6
    assert Resident.objects.get(id_number=rows[0][3]).phone == "13912345678"
    assert Resident.objects.get(id_number=rows[2][3]).care_tags == ["disabled", "left_behind_child"]
    # An unchanged row is not rewritten: no new history entry, the same updated_at.
    assert Events.objects.tracks(untouched).count() == events_before
    assert Resident.objects.get(pk=untouched.pk).updated_at == untouched.updated_at


def test_reimporting_houses_and_households_updates_by_address_and_number(clerk, area, households):
    data = csv_bytes(
        HOUSE_HEADERS, [["第1村", "V1G1M2", "第1村1号", "砖木", 2, "", "空置", "", ""]]
    )
    job = run(clerk, "houses", data)
    assert job.status == ImportJob.Status.DONE, job.problems
    assert (job.summary["created"], job.summary["updated"]) == (0, 1)
    house = households["H1"].house
    house.refresh_from_db()
    assert (house.microgrid, house.structure, house.floors, house.use) == (
        area.m112,
        "brick_wood",
        2,
        "vacant",
    )
    assert House.objects.count() == 3

    data = csv_bytes(HOUSEHOLD_HEADERS, [["H1", "V1G1M2", "第1村2号", "2025/6/1"]])
    job = run(clerk, "households", data)
    assert job.status == ImportJob.Status.DONE, job.problems
    household = Household.objects.get(number="H1")
    assert (household.microgrid, household.house.address, household.pact_signed_on) == (
        area.m112, "第1村2号", datetime.date(2025, 6, 1),
    )  # fmt: skip
    assert Household.objects.count() == 3


def test_columns_left_out_keep_their_values(clerk, households):
    rows = family("H1", "王", start=1)
    run(clerk, "residents", csv_bytes(RESIDENT_HEADERS, rows))
    headers = ["户号", "姓名", "身份证号", "与户主关系"]
    job = run(clerk, "residents", csv_bytes(headers, [r[:2] + [r[3], r[6]] for r in rows]))
    assert job.status == ImportJob.Status.DONE, job.problems
    assert job.summary["updated"] == 0
    assert Resident.objects.get(id_number=rows[0][3]).phone == "17012345678"


def test_an_id_number_in_another_household_is_a_move_and_is_recorded(clerk, households):
    rows = family("H1", "王", start=1)
    run(clerk, "residents", csv_bytes(RESIDENT_HEADERS, rows))
    child = Resident.objects.get(id_number=rows[2][3])
    rows[2][0] = "H2"
    rows[2][6] = "户主"

    job = run(clerk, "residents", csv_bytes(RESIDENT_HEADERS, rows[2:]))

    assert job.status == ImportJob.Status.DONE, job.problems
    assert job.summary["move_count"] == 1
    assert job.summary["moves"] == [{"row": 2, "name": "王小明", "from": "H1", "to": "H2"}]
    child.refresh_from_db()
    assert (child.household.number, child.relation) == ("H2", "head")
    update = Events.objects.tracks(child).filter(pgh_label="update").get()
    assert update.pgh_context["import_job"] == job.pk
    assert update.pgh_context["user"] == clerk.pk


def test_a_household_the_file_empties_is_named_before_and_after(
    client, clerk, households, settings
):
    # H1's only present members all move to H2: the dry run and the result say H1 is left
    # with no one living in it (the import keeps it active; merging it is the clerk's call).
    rows = family("H1", "王", start=1)
    run(clerk, "residents", csv_bytes(RESIDENT_HEADERS, rows))
    for row in rows:
        row[0] = "H2"
    rows[1][6] = rows[2][6] = "其他"
    job = run(clerk, "residents", csv_bytes(RESIDENT_HEADERS, rows))

    assert job.status == ImportJob.Status.DONE, job.problems
    assert job.summary["emptied"] == ["H1"] and job.summary["emptied_count"] == 1
    assert Household.objects.get(number="H1").status == Household.Status.ACTIVE
    client.force_login(clerk)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("import-detail", args=[job.pk]))
    assert "1 household left with no one living in it" in html.content.decode()

    # Moving one member of a larger household empties nothing.
    child = rows[2][:]
    child[0] = "H1"
    job = run(clerk, "residents", csv_bytes(RESIDENT_HEADERS, [child]))
    assert job.status == ImportJob.Status.DONE, job.problems
    assert job.summary["emptied"] == [] and job.summary["move_count"] == 1


def test_the_head_may_change_within_one_file(clerk, households):
    rows = family("H1", "王", start=1)
    run(clerk, "residents", csv_bytes(RESIDENT_HEADERS, rows))
    rows[0][6], rows[1][6] = "配偶", "户主"
    job = run(clerk, "residents", csv_bytes(RESIDENT_HEADERS, rows))
    assert job.status == ImportJob.Status.DONE, job.problems
    assert Resident.objects.get(household__number="H1", relation="head").name == "李王芳"


# --- Bad files: a clear message, and the register as it was ----------------------------------


@pytest.fixture
def settled(clerk, households):
    """A register with residents in it, and its state, to compare after a refused file."""
    run(clerk, "residents", csv_bytes(RESIDENT_HEADERS, family("H1", "王", start=1)))
    return register_state()


def refused_at_upload(clerk, kind: str, data: bytes) -> str:
    with pytest.raises(FileProblem) as caught, translation.override("en"):
        importing.import_start(user=clerk, kind=kind, file_name="bad", data=data)
    return caught.value.messages[0]


def zip_bytes(entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: '户号,姓名\n"H1,王\n'.encode(), "malformed at row 2"),
        (lambda: "户号,姓名\n".encode("gbk") + b"\x80\xff\xfe", "neither an XLSX"),
        (lambda: b"\x00\x01\x02binary\x00", "neither an XLSX"),
        (lambda: b"", "empty"),
        (lambda: csv_bytes(["户号", "姓名", "性别"], [["H1", "王", "男"]]), "Columns missing: 身份证号、与户主关系"),
        (lambda: csv_bytes(["户号", "户号", "姓名", "身份证号", "与户主关系"], []), "Two columns are both “户号”"),
        (lambda: zip_bytes({"word/document.xml": b"<w/>"}), "not an Excel workbook"),
        (lambda: zip_bytes({"xl/workbook.xml": b"<workbook/>"} | {f"xl/x{n}.xml": b"" for n in range(2100)}), "zip bomb"),
        # 20 MB of zeros packs into a few kB: far tighter than any XML.
        (lambda: zip_bytes({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"\0" * (20 * 1024 * 1024)}), "zip bomb"),
        (lambda: b"PK\x03\x04 this is not really a zip", "zip container is damaged"),
        (lambda: zip_bytes({"xl/workbook.xml": b"<not-a-workbook"}), "could not be read"),
        (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old-style .xls"),
    ],
    ids=[
        "unbalanced-quote", "not-utf8-nor-gbk", "binary", "empty", "missing-columns",
        "duplicate-header", "zip-not-workbook", "too-many-entries", "bomb-ratio", "broken-zip",
        "broken-workbook", "xls",
    ],
)  # fmt: skip
def test_unreadable_files_are_refused_with_a_reason_and_change_nothing(
    clerk, settled, make, expected
):
    message = refused_at_upload(clerk, "residents", make())
    assert expected in message
    assert register_state() == settled
    assert not ImportJob.objects.filter(file_name="bad").exists()


def test_a_workbook_unpacking_past_the_cap_is_refused_unopened(clerk, settled, monkeypatch):
    import os

    monkeypatch.setattr(importing.reading, "MAX_UNZIPPED_BYTES", 1024 * 1024)
    data = zip_bytes(
        {"xl/workbook.xml": b"<workbook/>", "xl/noise.bin": os.urandom(2 * 1024 * 1024)}
    )
    assert "zip bomb" in refused_at_upload(clerk, "residents", data)
    assert register_state() == settled


def test_a_file_over_the_size_cap_is_refused_before_reading(clerk, settled):
    data = b"x" * (importing.MAX_FILE_BYTES + 1)
    assert "larger than 20 MB" in refused_at_upload(clerk, "residents", data)
    assert register_state() == settled


def test_dry_run_lists_every_bad_row_with_row_column_and_reason(clerk, settled, households):
    good = family("H2", "陈", start=10)
    existing_id = Resident.objects.get(name="王建国").id_number
    valid = person_id(1998, "M", 28)
    wrong_check_digit = valid[:-1] + ("0" if valid[-1] != "0" else "1")
    rows = [
        good[0],
        resident_row(
            "H2", "陈二", year=1990, sequence=20, relation="子女", birth="1990-02-30"
        ),  # row 3
        resident_row(
            "H2", "陈三", year=1991, sequence=21, relation="子女", id_number=good[0][3]
        ),  # row 4
        resident_row(
            "H2", "冒名", year=1970, sequence=1, relation="子女", id_number=existing_id
        ),  # row 5
        resident_row("H2", "陈四", year=1992, sequence=22, relation="子女", phone="1234"),  # row 6
        resident_row("H2", "陈五", year=1993, sequence=23, relation="户主"),  # row 7: second head
        resident_row(
            "H2", "陈六", year=1994, sequence=24, relation="子女", birth="2099-01-01"
        ),  # row 8
        resident_row("H2", "陈七", year=1995, sequence=25, relation="表亲", tags="贫困户"),  # row 9
        resident_row("NOPE", "陈八", year=1996, sequence=26, relation="子女"),  # row 10
        resident_row("H9", "陈九", year=1997, sequence=27, relation="子女"),  # row 11: V2
        resident_row(
            "H2", "陈十", year=1998, sequence=28, relation="子女", id_number=wrong_check_digit
        ),  # row 12
        resident_row(
            "H2", "陈甲", year=1999, sequence=29, relation="子女", id_number="3210**********1234"
        ),  # row 13
        resident_row("H2", "陈乙", year=2000, sequence=30, gender="F", relation="子女"),  # row 14
    ]
    rows[-1][2] = "男"  # the ID number says a woman
    job = run(clerk, "residents", csv_bytes(RESIDENT_HEADERS, rows))

    assert job.status == ImportJob.Status.INVALID
    by_row = {}
    for row, column, message in problems_of(job):
        by_row.setdefault(row, []).append((column, message))
    assert set(by_row) == {3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}
    assert ("出生日期", "The date 1990-02-30 does not exist.") in by_row[3]
    assert ("身份证号", "The same ID number is on row 2.") in by_row[4]
    assert by_row[5] == [
        (
            "身份证号",
            "This ID number is registered to 王建国 (household H1), not to the name in this row.",
        )
    ]
    assert by_row[6][0][0] == "手机号"
    assert by_row[7] == [("与户主关系", "The household already has a head in this file, on row 2.")]
    assert ("出生日期", "The birth date is in the future.") in by_row[8]
    assert {c for c, _m in by_row[9]} == {"与户主关系", "关爱标签"}
    assert "贫困户" in dict(by_row[9])["关爱标签"]
    assert by_row[10] == [
        ("户号", "Household NOPE is not in the register: import the households first.")
    ]
    assert by_row[11] == [("户号", "Household H9 lies outside your area.")]
    assert by_row[12][0][0] == "身份证号" and "check digit" in by_row[12][0][1]
    assert by_row[13] == [
        ("身份证号", "The ID number is masked (it contains *). Use the full number.")
    ]
    assert by_row[14] == [("性别", "The ID number belongs to a woman.")]
    assert job.problem_count == len(job.problems)
    assert register_state() == settled
    assert not job.file  # a refused upload is not kept


def test_a_head_already_in_the_register_is_a_problem(clerk, settled):
    row = resident_row("H1", "王二", year=1975, sequence=40, relation="户主")
    job = run(clerk, "residents", csv_bytes(RESIDENT_HEADERS, [row]))
    assert problems_of(job) == [
        (
            2,
            "与户主关系",
            "The household already has a head: 王建国. Change that person's relation first.",
        )
    ]
    assert register_state() == settled


def test_an_id_number_outside_the_importers_area_is_refused_without_naming_anyone(
    clerk, settled, households, other_role_users
):
    outsider = family("H9", "郑", start=60)[0]
    run(
        other_role_users[RoleKind.VILLAGE_CLERK],
        "residents",
        csv_bytes(RESIDENT_HEADERS, [outsider]),
    )
    state = register_state()
    outsider[0] = "H1"
    outsider[6] = "子女"
    job = run(clerk, "residents", csv_bytes(RESIDENT_HEADERS, [outsider]))
    assert problems_of(job) == [
        (
            2,
            "身份证号",
            "This ID number is registered outside your area. Ask the town to move the person.",
        )
    ]
    assert "郑" not in str(job.problems)
    assert register_state() == state


def test_id_numbers_stored_as_excel_numbers_are_refused(clerk, settled):
    row = resident_row("H1", "王二", year=1975, sequence=41, relation="子女")
    row[3] = int(row[3][:15]) * 1000  # what Excel keeps of an 18-digit number
    job = run(clerk, "residents", xlsx_bytes(RESIDENT_HEADERS, [row]), "r.xlsx")
    assert job.status == ImportJob.Status.INVALID
    assert "stored as a number" in problems_of(job)[0][2]
    assert register_state() == settled


def test_houses_outside_the_area_or_unknown_micro_grids_are_refused(clerk, settled):
    data = csv_bytes(HOUSE_HEADERS, [
        ["第2村", "V2G1M1", "外村1号", "", "", "", "", "", ""],
        ["", "NOPE", "某处", "", "", "", "", "", ""],
        ["第2村", "V1G1M1", "错村1号", "", "", "", "", "", ""],
        ["第1村", "V1G1M1", "新1号", "土木", 0, -5, "", 32.1, ""],
        ["第1村", "V1G1M1", "新1号", "", "", "", "", "", ""],
    ])  # fmt: skip
    job = run(clerk, "houses", data)
    assert problems_of(job) == [
        (2, "微网格编码", "Micro-grid V2G1M1 lies outside your area."),
        (3, "微网格编码", "There is no micro-grid NOPE."),
        (4, "微网格编码", "Micro-grid V1G1M1 is not in village 第2村."),
        (5, "层数", "Floors: a whole number from 1 to 60."),
        (5, "建筑面积", "The floor area must be more than 0."),
        (5, "纬度", "Give both latitude and longitude, or neither."),
        (5, "结构", "“土木” is not one of: 砖混、砖木、框架、钢结构、其他."),
        (6, "地址", "The same address is on row 5."),
    ]
    assert register_state() == settled


def test_households_outside_the_area_are_refused(clerk, settled):
    data = csv_bytes(
        HOUSEHOLD_HEADERS, [["H9", "V1G1M1", "", ""], ["H5", "V1G1M1", "无此房", "2099-1-1"]]
    )
    job = run(clerk, "households", data)
    assert problems_of(job) == [
        (2, "户号", "This household number belongs to a household outside your area."),
        (3, "文明满家公约签订日期", "The signing date is in the future."),
    ]
    assert register_state() == settled


# --- Role isolation ---------------------------------------------------------------------------


def test_a_clerk_cannot_import_into_another_village(clerk, settled, area):
    data = csv_bytes(HOUSEHOLD_HEADERS, [["X1", "V2G1M1", "", ""]])
    job = run(clerk, "households", data)
    assert problems_of(job) == [(2, "微网格编码", "Micro-grid V2G1M1 lies outside your area.")]
    assert register_state() == settled


def test_the_town_administrator_imports_anywhere_in_the_town(role_users, households):
    data = csv_bytes(
        HOUSEHOLD_HEADERS, [["X1", "V2G1M1", "第2村9号", ""], ["X2", "V1G1M1", "", ""]]
    )
    job = run(role_users[RoleKind.TOWN_ADMIN], "households", data)
    assert job.status == ImportJob.Status.DONE, job.problems
    assert Household.objects.get(number="X1").house.address == "第2村9号"


# --- One transaction ------------------------------------------------------------------------


def test_a_failure_mid_import_rolls_everything_back(clerk, settled, monkeypatch):
    from households import tasks

    rows = family("H2", "陈", start=10)
    rows[0][5] = "13900000000"
    with translation.override("en"):
        job = importing.import_start(
            user=clerk, kind="residents", file_name="r.csv", data=csv_bytes(RESIDENT_HEADERS, rows)
        )
    job = importing.import_check(job_id=job.pk)
    importing.import_confirm(job=job)
    real_upsert = importing.writing._upsert
    calls = []

    def upsert_then_fail(*args, **kwargs):
        calls.append(real_upsert(*args, **kwargs))  # the first pass writes its rows…
        raise RuntimeError("disk full")  # …then the import dies

    monkeypatch.setattr(importing.writing, "_upsert", upsert_then_fail)
    assert tasks.import_apply_task(job.pk) == ImportJob.Status.FAILED

    assert calls == [(2, 0)]
    assert register_state() == settled
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "RuntimeError" in job.error and "Nothing was imported" in job.error


def test_a_register_change_after_the_dry_run_is_caught_before_writing(clerk, settled, households):
    row = resident_row("H2", "陈一", year=1980, sequence=70)
    with translation.override("en"):
        job = importing.import_start(
            user=clerk, kind="residents", file_name="r.csv", data=csv_bytes(RESIDENT_HEADERS, [row])
        )
    job = importing.import_check(job_id=job.pk)
    assert job.status == ImportJob.Status.READY
    importing.import_confirm(job=job)
    Resident.objects.create(
        household=households["H2"], name="先来", gender="M", birth_date=datetime.date(1960, 3, 4),
        id_number=person_id(1960, "M", 3), relation="head",
    )  # fmt: skip

    job = importing.import_apply(job_id=job.pk)

    assert job.status == ImportJob.Status.FAILED
    assert "changed since the dry run" in job.error
    assert problems_of(job)[0][:2] == (2, "与户主关系")
    assert not Resident.objects.filter(name="陈一").exists()


def test_the_import_runs_once_however_often_its_task_is_delivered(clerk, households):
    rows = family("H1", "王", start=1)
    job = run(clerk, "residents", csv_bytes(RESIDENT_HEADERS, rows))
    assert importing.import_apply(job_id=job.pk).status == ImportJob.Status.DONE
    with pytest.raises(ValidationError, match="not waiting"), translation.override("en"):
        importing.import_confirm(job=job)
    assert Resident.objects.count() == 3


def test_progress_reaches_100_and_the_file_is_dropped(
    clerk, households, django_capture_on_commit_callbacks, monkeypatch, tmp_path
):
    from households import tasks

    monkeypatch.setattr(tasks.import_check_task, "delay", lambda job_id: None)
    monkeypatch.setattr(tasks.import_apply_task, "delay", lambda job_id: None)
    with django_capture_on_commit_callbacks(execute=True):
        job = run(clerk, "residents", csv_bytes(RESIDENT_HEADERS, family("H1", "王", start=1)))
    assert job.status == ImportJob.Status.DONE
    assert importing.read_progress(job.pk) == {"percent": 100, "stage": "written"}
    stored = ImportJob.objects.get(pk=job.pk)
    assert not stored.file and stored.finished_at is not None
    assert [p for p in (tmp_path / "media").rglob("*") if p.is_file()] == []


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_progress_is_reported_while_reading(clerk, households, fmt):
    seen = []
    rows = [
        resident_row("H1", f"人{n}", year=1950 + n % 50, sequence=n, relation="子女")
        for n in range(4500)
    ]
    data = csv_bytes(RESIDENT_HEADERS, rows) if fmt == "csv" else xlsx_bytes(RESIDENT_HEADERS, rows)
    importing.check_file(
        data, kind="residents", user=clerk,
        progress=lambda stage, share: seen.append((stage, share)),
    )  # fmt: skip
    reading = [share for stage, share in seen if stage == "read"]
    assert len(reading) == 3  # after 2,000 and 4,000 rows, and at the end
    assert 0.3 < reading[0] < 0.6 < reading[1] < 1.0 == reading[2]
    assert seen[-1] == ("checked", 1.0)


def handmade_xlsx(sheet_xml: str, *, strings_xml: str = "", date1904: bool = False) -> bytes:
    """A workbook as other programs write one: a notes sheet first, the data sheet second."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pr = '<workbookPr date1904="1"/>' if date1904 else ""
    parts = {
        "xl/workbook.xml": f'<workbook xmlns="{main}" xmlns:r="{rel}">{pr}<sheets>'
        '<sheet name="说明" sheetId="1" r:id="rId1"/><sheet name="人口" sheetId="2" r:id="rId2"/>'
        "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="ws" Target="worksheets/notes.xml"/>'
        '<Relationship Id="rId2" Type="ws" Target="/xl/worksheets/data.xml"/></Relationships>',
        "xl/worksheets/notes.xml": f'<worksheet xmlns="{main}"><sheetData><row r="1"><c t="inlineStr"><is><t>说明</t></is></c></row></sheetData></worksheet>',
        "xl/worksheets/data.xml": f'<worksheet xmlns="{main}"><sheetData>{sheet_xml}</sheetData></worksheet>',
    }  # fmt: skip
    if strings_xml:
        parts["xl/sharedStrings.xml"] = f'<sst xmlns="{main}">{strings_xml}</sst>'
    return zip_bytes({name: text.encode() for name, text in parts.items()})


def test_the_xlsx_reader_reads_what_other_programs_write(clerk, households):
    inline = "".join(
        f'<c t="inlineStr"><is><t>{h}</t></is></c>'
        for h in ["户号", "姓名", "性别", "身份证号", "出生日期", "与户主关系", "已迁出"]
    )
    id_number = person_id(1970, "M", 1)
    strings = (
        "<si><t>H1</t></si>"
        # Rich text in runs, with a phonetic hint that is not part of the text.
        '<si><r><t>王</t></r><r><rPr><b/></rPr><t>建国</t></r><rPh sb="0" eb="1"><t>wang</t></rPh></si>'
    )
    sheet = (
        f'<row r="1">{inline}</row>'
        '<row r="3"><c r="A3" t="s"><v>0</v></c><c r="B3" t="s"><v>1</v></c>'
        f'<c r="D3" t="str"><v>{id_number}</v></c><c r="E3" t="d"><v>1970-03-02T00:00:00</v></c>'
        '<c r="F3" t="inlineStr"><is><t>户主</t></is></c><c r="G3" t="b"><v>0</v></c></row>'
    )  # fmt: skip
    table = importing.reading.read_table(
        handmade_xlsx(sheet, strings_xml=strings), kind="residents"
    )
    assert list(table.rows) == [
        (3, ("H1", "王建国", None, id_number, datetime.datetime(1970, 3, 2), "户主", False))
    ]
    job = run(clerk, "residents", handmade_xlsx(sheet, strings_xml=strings), "other.xlsx")
    assert job.status == ImportJob.Status.DONE, job.problems
    assert Resident.objects.get(id_number=id_number).gender == "M"


def test_excel_day_numbers_count_from_1904_where_the_workbook_says_so(clerk, households):
    headers = "".join(
        f'<c t="inlineStr"><is><t>{h}</t></is></c>'
        for h in ["户号", "姓名", "身份证号", "出生日期", "与户主关系"]
    )
    id_number = person_id(1970, "M", 1)
    row = (
        '<c t="inlineStr"><is><t>H1</t></is></c><c t="inlineStr"><is><t>王建国</t></is></c>'
        f'<c t="inlineStr"><is><t>{id_number}</t></is></c><c><v>{{day}}</v></c><c t="inlineStr"><is><t>户主</t></is></c>'
    )  # fmt: skip
    # 1970-03-02 is day 25629 counting from 1900 and day 24167 counting from 1904.
    for day, date1904 in ((25629, False), (24167, True)):
        sheet = f"<row>{headers}</row><row>{row.format(day=day)}</row>"
        result = importing.check_file(
            handmade_xlsx(sheet, date1904=date1904), kind="residents", user=clerk
        )
        assert result.problems == [], result.problems
        assert result.records[0]["birth_date"] == datetime.date(1970, 3, 2)


# --- Files of dry runs nobody confirmed --------------------------------------------------------


def test_a_checked_file_nobody_confirms_is_deleted_after_a_day(
    clerk, households, django_capture_on_commit_callbacks
):
    data = csv_bytes(RESIDENT_HEADERS, family("H1", "王", start=1))
    with translation.override("en"):
        stale = importing.import_start(user=clerk, kind="residents", file_name="a.csv", data=data)
        fresh = importing.import_start(user=clerk, kind="residents", file_name="b.csv", data=data)
    stale, fresh = (importing.import_check(job_id=j.pk) for j in (stale, fresh))
    assert stale.status == fresh.status == ImportJob.Status.READY
    stored = stale.file.storage
    stale_name, fresh_name = stale.file.name, fresh.file.name
    now = stale.checked_at + importing.READY_KEPT + datetime.timedelta(minutes=1)
    ImportJob.objects.filter(pk=fresh.pk).update(checked_at=now - datetime.timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True):
        assert importing.imports_expire(now=now) == 1

    stale.refresh_from_db()
    assert stale.status == ImportJob.Status.FAILED and not stale.file
    assert "waited more than 24 hours" in stale.error and "Upload it again" in stale.error
    assert not stored.exists(stale_name)
    # The one checked an hour ago waits on, file and all.
    fresh.refresh_from_db()
    assert fresh.status == ImportJob.Status.READY and stored.exists(fresh_name)
    # Confirming the expired one now is refused, and nothing is imported.
    with pytest.raises(ValidationError, match="not waiting"), translation.override("en"):
        importing.import_confirm(job=stale)
    assert Resident.objects.count() == 0
    # A second run finds nothing more to do.
    assert importing.imports_expire(now=now) == 0


def test_the_expiry_message_is_in_the_uploaders_language(clerk, households):
    data = csv_bytes(RESIDENT_HEADERS, family("H1", "王", start=1))
    with translation.override("zh-hans"):
        job = importing.import_start(user=clerk, kind="residents", file_name="a.csv", data=data)
    job = importing.import_check(job_id=job.pk)

    importing.imports_expire(now=job.checked_at + importing.READY_KEPT * 2)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "请重新上传" in job.error


# --- Dry runs and imports no worker finished ---------------------------------------------------


def test_a_dry_run_or_an_import_no_worker_finished_fails_after_three_hours(
    clerk, households, django_capture_on_commit_callbacks
):
    """The broker lost the tasks (Redis restarted empty): the clerk's page would say
    "Checking" or "Importing" for ever and the file of personal data would stay on disk."""
    data = csv_bytes(RESIDENT_HEADERS, family("H1", "王", start=1))
    with translation.override("en"):
        checking = importing.import_start(
            user=clerk, kind="residents", file_name="a.csv", data=data
        )
        queued = importing.import_start(user=clerk, kind="residents", file_name="b.csv", data=data)
    queued = importing.import_check(job_id=queued.pk)
    importing.import_confirm(job=queued)
    queued.refresh_from_db()
    assert (checking.status, queued.status) == (ImportJob.Status.CHECKING, ImportJob.Status.QUEUED)
    stored = checking.file.storage
    names = [checking.file.name, queued.file.name]
    start = max(checking.created_at, queued.queued_at)

    # Within the three hours the jobs wait for their worker.
    assert importing.imports_expire(now=start + datetime.timedelta(hours=2, minutes=59)) == 0

    with django_capture_on_commit_callbacks(execute=True):
        assert importing.imports_expire(now=start + datetime.timedelta(hours=3, minutes=1)) == 2

    for job in (checking, queued):
        job.refresh_from_db()
        assert job.status == ImportJob.Status.FAILED and not job.file
        assert "did not complete this file within 3 hours" in job.error
        assert "Nothing was imported" in job.error and "Upload it again" in job.error
    assert not any(stored.exists(name) for name in names)
    # The lost task delivered after all changes nothing.
    assert importing.import_apply(job_id=queued.pk).status == ImportJob.Status.FAILED
    assert importing.import_check(job_id=checking.pk).status == ImportJob.Status.FAILED
    assert Resident.objects.count() == 0


def test_the_unfinished_message_is_in_the_uploaders_language(clerk, households):
    data = csv_bytes(RESIDENT_HEADERS, family("H1", "王", start=1))
    with translation.override("zh-hans"):
        job = importing.import_start(user=clerk, kind="residents", file_name="a.csv", data=data)

    importing.imports_expire(now=job.created_at + importing.UNFINISHED_KEPT * 2)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "3 小时内没有处理完" in job.error and "请重新上传" in job.error


@pytest.mark.django_db(transaction=True)
def test_an_import_a_worker_is_running_is_never_taken_for_lost(clerk, households):
    """However long it has run: the worker holds the job's row for the whole import."""
    import threading

    from django.db import connection, transaction

    data = csv_bytes(RESIDENT_HEADERS, family("H1", "王", start=1))
    with translation.override("en"):
        job = importing.import_start(user=clerk, kind="residents", file_name="a.csv", data=data)
    job = importing.import_check(job_id=job.pk)
    importing.import_confirm(job=job)
    job.refresh_from_db()
    holding, release = threading.Event(), threading.Event()

    def worker() -> None:
        try:
            with transaction.atomic():
                ImportJob.objects.select_for_update().get(pk=job.pk)
                holding.set()
                release.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert holding.wait(30)
        later = job.queued_at + importing.UNFINISHED_KEPT * 4
        assert importing.imports_expire(now=later) == 0
    finally:
        release.set()
        thread.join(30)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.QUEUED and job.file
    # Once the worker is gone and the job still unfinished, the next hourly run takes it.
    assert importing.imports_expire(now=later) == 1
