"""The register's forms and imports against careless and hostile input: a bad name is refused
with its row (or field) and reason and nothing is written; arbitrary cells and form values are
a clear refusal or a correct write, never an exception, never a partial write.

The property tests use hypothesis with a fixed seed (derandomize) and bounded examples."""

import csv
import datetime
import html
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError

from households.models import House, Household, ImportJob, Resident
from households.services import importing
from households.services.importing import FileProblem
from households.tests.factories import id_number_for
from households.tests.importdata import (
    HOUSE_HEADERS,
    HOUSEHOLD_HEADERS,
    RESIDENT_HEADERS,
    csv_bytes,
    register_state,
    resident_row,
    xlsx_bytes,
)
from households.validation import validate_person_name
from huaisi.roles import RoleKind

pytestmark = pytest.mark.django_db

EXAMPLES = 25


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
def clerk(role_users):
    return role_users[RoleKind.VILLAGE_CLERK]


@pytest.fixture
def home(area):
    house = House.objects.create(
        village=area.m111.grid.village, microgrid=area.m111, address="第1村1号"
    )
    return Household.objects.create(number="H1", microgrid=area.m111, house=house)


def run(user, kind: str, data: bytes) -> ImportJob | None:
    """Upload, dry run and, when it passes, import, as the pages and worker would; None when
    the file as a whole is refused (nothing stored, not even a job)."""
    try:
        job = importing.import_start(user=user, kind=kind, file_name="f.csv", data=data)
    except FileProblem:
        return None
    job = importing.import_check(job_id=job.pk)
    if job.status == ImportJob.Status.READY:
        importing.import_confirm(job=job)
        job = importing.import_apply(job_id=job.pk)
    return job


# --- Names in the import and the form ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "words"),
    [("<script>alert(1)</script>", "<、> 或 &"), ("张\t三", "U+0009"), ("王5", "数字")],
)
def test_a_bad_name_in_an_import_is_refused_with_its_row_and_reason(clerk, home, name, words):
    rows = [
        resident_row("H1", "王建国", year=1970, sequence=1),
        resident_row("H1", name, year=1972, gender="F", sequence=2, relation="配偶"),
    ]
    before = register_state()
    with translation.override("zh-hans"):
        job = run(clerk, "residents", csv_bytes(RESIDENT_HEADERS, rows))
    assert job.status == ImportJob.Status.INVALID
    problems = job.problems
    assert [(row, column) for row, column, _m in problems] == [(3, "姓名")]
    assert words in problems[0][2]
    assert register_state() == before


def test_names_in_an_import_are_tidied_like_the_form_does(clerk, home):
    rows = [resident_row("H1", " 阿卜杜・热合曼 ", year=1970, sequence=1)]
    job = run(clerk, "residents", csv_bytes(RESIDENT_HEADERS, rows))
    assert job.status == ImportJob.Status.DONE, job.problems
    assert Resident.objects.get().name == "阿卜杜·热合曼"


def resident_form(name: str, *, sequence: int = 3) -> dict:
    return {
        "name": name,
        "gender": "M",
        "id_number": id_number_for(datetime.date(1980, 5, 5), "M", sequence=sequence),
        "birth_date": "1980-05-05",
        "phone": "",
        "relation": "child",
        "residence_type": "registered",
        "note": "",
    }


@pytest.mark.parametrize(
    ("name", "words"),
    [("<b>王</b>", "<、> 或 &"), ("王&李", "<、> 或 &"), ("王\t五", "U+0009"), ("王五1", "数字")],
)
def test_a_bad_name_in_the_form_is_refused_beside_the_field(client, role_users, home, name, words):
    client.force_login(role_users[RoleKind.VILLAGE_CLERK])
    response = client.post(f"/register/{home.pk}/residents/new/", resident_form(name))
    assert response.status_code == 200
    assert words in html.unescape(response.content.decode())
    assert not Resident.objects.exists()


def test_an_oversize_upload_says_only_that_it_is_too_large(client, role_users, monkeypatch):
    monkeypatch.setattr(importing, "MAX_FILE_BYTES", 1024)
    client.force_login(role_users[RoleKind.VILLAGE_CLERK])
    response = client.post(
        "/register/imports/new/",
        {"kind": "residents", "file": SimpleUploadedFile("big.csv", b"a" * 5000)},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "大于" in body or "MB" in body
    assert "请选择要导入的文件" not in body
    assert not ImportJob.objects.exists()


# --- Properties ----------------------------------------------------------------------------------

HOSTILE_CHARACTERS = [
    "\x00", "\t", "\n", "\r", "<", ">", "&", "·", "・", ".", "\u3000", "\u200b", "\ufeff", "1",
    "\ud800", '"', ",", "=",
]  # fmt: skip
TEXT = st.text(alphabet=st.characters() | st.sampled_from(HOSTILE_CHARACTERS), max_size=30)
CELLS = st.one_of(
    TEXT,
    st.sampled_from(["<script>", "张\t三", "阿卜杜・热合曼", "2026-02-30", "9999-12-31", "0001-01-01",
                     "-1", "1e400", "NaN", "=1+1", "是", "否", "户主", "9" * 40]),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.none(),
)  # fmt: skip
FORMATS = st.sampled_from(["utf-8", "utf-16", "gb18030", "xlsx"])
ROWS = {
    "houses": (HOUSE_HEADERS, lambda: ["第1村", "V1G1M1", "第1村9号", "砖混", 2, 120.5, "自住", None, None]),
    "households": (HOUSEHOLD_HEADERS, lambda: ["H7", "V1G1M1", "", "2025-03-01"]),
    "residents": (RESIDENT_HEADERS, lambda: resident_row("H1", "王建国", year=1970, sequence=1)),
}  # fmt: skip
SEED = hsettings(
    derandomize=True,
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def file_of(headers: list, rows: list, encoding: str) -> bytes:
    """The rows as a clerk's (or an attacker's) file: XLSX, or CSV in ENCODING; UTF-8 keeps
    lone surrogates as the bytes a careless program writes for them."""
    if encoding == "xlsx":
        try:
            return xlsx_bytes(headers, rows)
        except IllegalCharacterError:
            encoding = "utf-16"  # openpyxl refuses control characters: send them as CSV
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows([["" if c is None else c for c in row] for row in rows])
    return buffer.getvalue().encode(encoding, "surrogatepass" if encoding == "utf-8" else "strict")


@pytest.mark.parametrize("kind", ["houses", "households", "residents"])
@SEED
@given(data=st.data(), encoding=FORMATS)
def test_any_cell_is_a_row_problem_or_a_correct_import(clerk, home, area, kind, data, encoding):
    headers, good_row = ROWS[kind]
    row = good_row()
    column = data.draw(st.integers(min_value=0, max_value=len(headers) - 1), label="column")
    row[column] = data.draw(CELLS, label="cell")
    before = register_state()
    try:
        body = file_of(headers, [row], encoding)
    except (UnicodeEncodeError, ValueError):
        event("cannot be written")
        return  # the cell cannot be written in this encoding: no such file exists
    job = run(clerk, kind, body)
    event("file refused" if job is None else str(job.status))
    if job is None or job.status == ImportJob.Status.INVALID:
        assert register_state() == before
        if job is not None:
            assert job.problems
        return
    assert job.status == ImportJob.Status.DONE, (job.status, job.error)
    if kind == "residents" and headers[column] == "姓名":
        stored = Resident.objects.get(id_number=row[3]).name
        assert stored == validate_person_name(str(row[column]).strip())


FORM_TEXT = st.text(
    alphabet=st.characters(exclude_categories=("Cs",)) | st.sampled_from(HOSTILE_CHARACTERS[:-5]),
    max_size=30,
)


@SEED
@given(
    field=st.sampled_from(["name", "gender", "id_number", "birth_date", "phone", "relation",
                           "residence_type", "note", "care_tags"]),
    value=FORM_TEXT | st.sampled_from(["2026-02-30", "9999-12-31", "0001-01-01", "-1", "9" * 300]),
)  # fmt: skip
def test_any_value_in_the_resident_form_is_a_field_error_or_a_correct_save(
    client, role_users, home, field, value
):
    """Django decodes form bodies with replacement characters, so a lone surrogate cannot
    reach a form; every other character can."""
    client.force_login(role_users[RoleKind.VILLAGE_CLERK])
    before = Resident.objects.count()
    form = {**resident_form("王小明", sequence=5), field: value}
    Resident.objects.filter(id_number=form["id_number"]).delete()
    before = Resident.objects.count()
    response = client.post(f"/register/{home.pk}/residents/new/", form)
    event(f"{field} {response.status_code}")
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        assert re.search(r'class="[^"]*error', response.content.decode())
        assert Resident.objects.count() == before
    else:
        assert Resident.objects.count() == before + 1
        saved = Resident.objects.latest("pk")
        if field == "name":
            assert saved.name == validate_person_name(value)
