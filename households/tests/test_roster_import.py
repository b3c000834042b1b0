"""The one-sheet roster (花名册): a generated ~1,500-person village in GBK CSV and XLSX imports in
one go and again without a change; areas by the names people write, with every unknown or
ambiguous one a row problem listing the candidates; households gathered from their rows; what
the dry run says it will create, update and move per village; nothing written on a problem."""

import re

import pytest
from django.utils import translation

from households.demo_roster import HEADERS, roster_csv, roster_rows, roster_xlsx
from households.models import House, Household, ImportJob, Resident
from households.services import importing
from households.services.importing.roster import area_key
from households.tests.importdata import register_state
from households.tests.test_import import media  # noqa: F401 - uploads to a scratch folder
from huaisi.roles import RoleKind

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

MICRO = HEADERS.index("微网格")
VILLAGE = HEADERS.index("村(社区)")
GRID = HEADERS.index("网格")
NUMBER = HEADERS.index("户号")


@pytest.fixture
def clerk(role_users):
    return role_users[RoleKind.VILLAGE_CLERK]


def check(user, data: bytes, name: str = "roster.csv") -> ImportJob:
    with translation.override("en"):
        job = importing.import_start(user=user, kind="roster", file_name=name, data=data)
    return importing.import_check(job_id=job.pk)


def apply(job: ImportJob) -> ImportJob:
    importing.import_confirm(job=job)
    return importing.import_apply(job_id=job.pk)


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("第一微网格", "第1微网格"),
        (" 第 1 微网格 ", "1微网格"),
        ("第２微网格", "第二微网格"),
        ("第十二微网格", "第12微网格"),
        ("Ｍ００５", "m005"),
        ("二十三组", "23组"),
    ],
)
def test_area_names_compare_as_people_write_them(written, stored):
    assert area_key(written) == area_key(stored)


def test_area_names_that_differ_stay_apart():
    assert area_key("第一微网格") != area_key("第十一微网格")
    assert area_key("M001") != area_key("M010")


def test_generated_village_roster_imports_in_one_go_and_again_changes_nothing(clerk, area):
    rows = roster_rows(area.v1, people=1500)
    households = {row[NUMBER] for row in rows}
    assert 1500 <= len(rows) < 1510

    job = check(clerk, roster_csv(rows, encoding="gbk"))
    assert job.status == ImportJob.Status.READY, job.problems[:5]
    # The dry run: what the file will create, per village, and the columns it does not read.
    assert job.summary["unused"] == ["序号", "民族", "备注"]
    assert job.summary["villages"] == {
        "第1村": {
            "houses_new": len(households),
            "households_new": len(households),
            "households_updated": 0,
            "households_moved": 0,
            "residents_new": len(rows),
            "residents_existing": 0,
            "residents_moved": 0,
        }
    }
    assert Resident.objects.count() == 0

    job = apply(job)
    assert job.status == ImportJob.Status.DONE, job.error
    assert (job.summary["created"], job.summary["houses_created"]) == (len(rows), len(households))
    assert Household.objects.count() == House.objects.count() == len(households)
    assert Resident.objects.count() == len(rows)
    assert not Resident.objects.exclude(household__microgrid__grid__village=area.v1).exists()
    first = Household.objects.get(number=rows[0][NUMBER])
    assert first.house.address == rows[0][HEADERS.index("家庭住址")]
    assert first.residents.get(relation="head").name == rows[0][HEADERS.index("姓名")]

    before = register_state()
    again = check(clerk, roster_xlsx(rows), "roster.xlsx")
    assert again.status == ImportJob.Status.READY, again.problems[:5]
    line = again.summary["villages"]["第1村"]
    assert (line["houses_new"], line["households_new"], line["households_updated"]) == (0, 0, 0)
    assert (line["residents_new"], line["residents_existing"]) == (0, len(rows))
    again = apply(again)
    assert again.status == ImportJob.Status.DONE, again.error
    assert (again.summary["created"], again.summary["updated"]) == (0, 0)
    assert (again.summary["houses_created"], again.summary["households_created"]) == (0, 0)
    assert again.summary["households_updated"] == 0
    assert register_state() == before
    assert not again.file


def test_unknown_micro_grid_name_is_refused_with_row_and_candidates(clerk, area):
    rows = roster_rows(area.v1, people=40)
    rows[5][VILLAGE], rows[5][GRID], rows[5][MICRO] = "第1村", "第一网格", "第九微网格"

    job = check(clerk, roster_csv(rows, encoding="gbk"))

    assert job.status == ImportJob.Status.INVALID
    [(row, column, message)] = job.problems
    assert (row, column) == (7, "微网格")  # the title is row 1
    assert "第九微网格" in message
    assert "第1村第1网格第1微网格 (V1G1M1)" in message
    assert "第1村第1网格第2微网格 (V1G1M2)" in message
    assert "V1G2" not in message  # only the named grid's micro-grids
    assert Resident.objects.count() == Household.objects.count() == House.objects.count() == 0


def test_name_used_in_several_grids_is_ambiguous_until_the_grid_is_given(role_users, area):
    admin = role_users[RoleKind.TOWN_ADMIN]
    rows = roster_rows(area.v1, people=12)
    for row in rows:
        row[VILLAGE], row[GRID], row[MICRO] = "", "", "第一微网格"

    job = check(admin, roster_csv(rows))
    assert job.status == ImportJob.Status.INVALID
    message = job.problems[0][2]
    assert "Several micro-grids" in message
    for code in ("V1G1M1", "V1G2M1", "V2G1M1", "V2G2M1"):
        assert code in message

    for row in rows:
        row[VILLAGE], row[GRID] = "第2村", "2网格"
    job = check(admin, roster_csv(rows, encoding="utf-8-sig"))
    assert job.status == ImportJob.Status.READY, job.problems
    assert set(job.summary["villages"]) == {"第2村"}
    apply(job)
    assert set(Household.objects.values_list("microgrid__code", flat=True)) == {"V2G2M1"}


def test_a_village_outside_the_clerks_area_is_unknown_to_them(clerk, area):
    rows = roster_rows(area.v2, people=5)
    job = check(clerk, roster_csv(rows))
    assert job.status == ImportJob.Status.INVALID
    row, column, message = job.problems[0]
    assert column == "村(社区)"
    assert "第1村" in message and "第2村" not in message.replace(rows[0][VILLAGE].strip(), "")
    assert Resident.objects.count() == 0


def test_members_rows_must_agree_on_their_household(clerk, area):
    rows = roster_rows(area.v1, people=10)
    number = rows[0][NUMBER]
    members = [r for r in rows if r[NUMBER] == number]
    assert len(members) >= 2
    members[1][GRID], members[1][MICRO] = "第二网格", "V1G2M2"
    job = check(clerk, roster_csv(rows))
    assert job.status == ImportJob.Status.INVALID
    assert [(p[0], p[1]) for p in job.problems] == [(rows.index(members[1]) + 2, "微网格")]
    assert "Row 2 gives household" in job.problems[0][2]


def test_reimport_moves_a_household_and_a_person_and_the_dry_run_says_so(clerk, area):
    rows = roster_rows(area.v1, people=30)
    assert apply(check(clerk, roster_csv(rows))).status == ImportJob.Status.DONE
    first, second = rows[0][NUMBER], next(r[NUMBER] for r in rows if r[NUMBER] != rows[0][NUMBER])
    for row in rows:
        if row[NUMBER] == first:
            row[VILLAGE], row[GRID], row[MICRO] = "第1村", "第二网格", "第二微网格"
    mover = next(r for r in rows if r[NUMBER] == second and r[2] != "户主")
    mover[NUMBER], mover[2] = first, "其他"
    mover[VILLAGE], mover[GRID], mover[MICRO] = "", "", ""  # the household's rows say where

    job = check(clerk, roster_csv(rows))
    assert job.status == ImportJob.Status.READY, job.problems
    line = job.summary["villages"]["第1村"]
    assert (line["households_moved"], line["households_updated"]) == (1, 1)
    assert (line["residents_moved"], line["households_new"]) == (1, 0)
    assert job.summary["moves"][0]["name"] == mover[3]

    job = apply(job)
    assert job.status == ImportJob.Status.DONE, job.error
    assert Household.objects.get(number=first).microgrid == area.g12.microgrids.get(code="V1G2M2")
    assert Resident.objects.get(id_number=mover[5]).household.number == first


# --- The pages ---------------------------------------------------------------------------


def checked_kind(page: str) -> list[str]:
    return re.findall(r'<input type="radio" name="kind" value="(\w+)"[^>]*\bchecked', page)


def test_the_upload_page_starts_on_the_roster_and_a_correction_keeps_its_kind(client, clerk):
    client.force_login(clerk)
    assert checked_kind(client.get("/register/imports/new/").content.decode()) == ["roster"]
    again = client.get("/register/imports/new/?kind=residents").content.decode()
    assert checked_kind(again) == ["residents"]
    odd = client.get("/register/imports/new/?kind=nonsense").content.decode()
    assert checked_kind(odd) == ["roster"]


def test_the_roster_template_is_read_back_by_the_roster_import(client, clerk, area):
    from io import BytesIO

    from openpyxl import load_workbook

    client.force_login(clerk)
    response = client.get("/register/imports/templates/roster.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content))["花名册"]
    titles = [cell.value for cell in sheet[1]]
    assert titles[:4] == ["户号", "与户主关系", "姓名", "身份证号"]
    assert {"地址", "村(社区)", "网格", "微网格", "关爱标签", "文明满家公约签订日期"} <= set(titles)
    # The roster is an import format only: there is no export of it.
    assert client.get("/register/exports/roster.xlsx").status_code == 404


def test_every_kind_lists_the_columns_it_does_not_read(clerk, area):
    from households.tests.importdata import HOUSE_HEADERS, xlsx_bytes

    rows = [["第1村", "V1G1M1", "新村1号", "框架", 3, 150.25, "出租", 32.45, 119.40, "东边"]]
    data = xlsx_bytes([*HOUSE_HEADERS, "备注"], rows, title="房屋")
    with translation.override("en"):
        job = importing.import_start(user=clerk, kind="houses", file_name="h.xlsx", data=data)
    job = importing.import_check(job_id=job.pk)
    assert job.status == ImportJob.Status.READY, job.problems
    assert job.summary["unused"] == ["备注"]


class _NotQueued:
    @staticmethod
    def delay(*args) -> None:
        return None


@pytest.mark.django_db(transaction=True)
def test_the_same_roster_imported_twice_at_once_writes_everything_once(clerk, area, monkeypatch):
    """Two clerks (or a double-confirmed upload) import the same roster at the same moment:
    the second waits on the first one's new rows and then finds nothing to change."""
    import threading

    from django.db import connection

    monkeypatch.setitem(importing.QUEUE, "check", _NotQueued)
    monkeypatch.setitem(importing.QUEUE, "apply", _NotQueued)
    rows = roster_rows(area.v1, people=60)
    jobs = []
    for name in ("a.csv", "b.csv"):
        job = check(clerk, roster_csv(rows), name)
        assert job.status == ImportJob.Status.READY, job.problems
        importing.import_confirm(job=job)
        jobs.append(job)
    start = threading.Barrier(2)
    finished: dict[int, str] = {}

    def run(job_id: int) -> None:
        try:
            start.wait()
            finished[job_id] = importing.import_apply(job_id=job_id).status
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job.pk,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(finished.values()) == ["done", "done"]
    households = {row[NUMBER] for row in rows}
    assert Resident.objects.count() == len(rows)
    assert Household.objects.count() == House.objects.count() == len(households)
    summaries = [ImportJob.objects.get(pk=job.pk).summary for job in jobs]
    assert sorted(s["created"] for s in summaries) == [0, len(rows)]
    assert sorted(s["households_created"] for s in summaries) == [0, len(households)]


def test_the_dry_run_and_import_take_as_many_queries_for_300_people_as_for_30(role_users, area):
    """Set-based: the queries do not grow with the rows (a town's roster is 60,000 rows)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin = role_users[RoleKind.TOWN_ADMIN]
    counts = []
    for people, village in ((30, area.v1), (300, area.v2)):
        rows = roster_rows(village, people=people, seed=people)
        with translation.override("en"):
            job = importing.import_start(
                user=admin, kind="roster", file_name="r.csv", data=roster_csv(rows)
            )
        with CaptureQueriesContext(connection) as checked:
            job = importing.import_check(job_id=job.pk)
        assert job.status == ImportJob.Status.READY, job.problems
        importing.import_confirm(job=job)
        with CaptureQueriesContext(connection) as applied:
            assert importing.import_apply(job_id=job.pk).status == ImportJob.Status.DONE
        counts.append((len(checked), len(applied)))
    assert counts[0] == counts[1]
