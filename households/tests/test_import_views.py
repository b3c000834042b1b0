"""The import pages: upload with its checks on the whole file, the job page as a full page and
as the fragment htmx polls, confirming, the list of problems, and who may open what."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from households.models import ImportJob, Resident
from households.services import importing
from households.tests.importdata import RESIDENT_HEADERS, csv_bytes, family, register_state
from huaisi.roles import RoleKind

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u4e00-\u9fff]")


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
def clerk_client(client, role_users):
    client.force_login(role_users[RoleKind.VILLAGE_CLERK])
    return client


@pytest.fixture
def households(area):
    from households.models import House, Household

    house = House.objects.create(village=area.v1, microgrid=area.m111, address="第1村1号")
    return Household.objects.create(number="H1", microgrid=area.m111, house=house)


def upload(client, data: bytes, *, name="residents.csv", kind="residents"):
    return client.post(
        "/register/imports/new/", {"kind": kind, "file": SimpleUploadedFile(name, data)}
    )


def test_the_upload_page_offers_the_kinds_templates_and_recent_imports(clerk_client, role_users):
    ImportJob.objects.create(
        user=role_users[RoleKind.VILLAGE_CLERK], kind="houses", file_name="早前.xlsx", status="done"
    )
    response = clerk_client.get("/register/imports/new/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'enctype="multipart/form-data"' in body
    for kind in ("houses", "households", "residents"):
        assert f"/register/imports/templates/{kind}.xlsx" in body
        assert f'value="{kind}"' in body
    assert "早前.xlsx" in body
    # The village clerk may also export: the page links there.
    assert "/register/exports/" in body


def test_a_good_upload_queues_its_dry_run_after_commit(
    clerk_client, households, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = upload(
            clerk_client, csv_bytes(RESIDENT_HEADERS, family("H1", "王", start=1), encoding="gbk")
        )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/register/imports/{job.pk}/"
    assert (job.status, job.kind, job.file_name, job.user.username) == (
        "checking",
        "residents",
        "residents.csv",
        "u_village_clerk",
    )
    assert len(callbacks) == 1
    assert Resident.objects.count() == 0


def test_a_50_mb_upload_is_refused_with_a_message_and_no_job(clerk_client, households):
    before = register_state()
    response = upload(clerk_client, b"a" * (50 * 1024 * 1024), name="huge.csv")
    assert response.status_code == 400
    body = response.content.decode()
    assert "20 MB" in body and CJK.search(body)
    assert not ImportJob.objects.exists()
    assert register_state() == before


@pytest.mark.parametrize(
    ("data", "name", "phrase"),
    [
        (csv_bytes(["户号", "姓名"], [["H1", "王"]]), "cols.csv", "身份证号、与户主关系"),
        (b"PK\x03\x04 not a zip at all", "fake.xlsx", "XLSX"),
        ("户号\n".encode("utf-16-le")[:-1] + b"\xff\x00\x00", "odd.csv", "GBK"),
    ],
)
def test_an_unreadable_file_is_refused_on_the_form_in_chinese(
    clerk_client, households, data, name, phrase
):
    response = upload(clerk_client, data, name=name)
    assert response.status_code == 400
    errors = response.context["form"].errors["file"]
    assert phrase in errors[0] and CJK.search(errors[0])
    assert not ImportJob.objects.exists()


def test_the_form_needs_a_file(clerk_client):
    response = clerk_client.post("/register/imports/new/", {"kind": "residents"})
    assert response.status_code == 400
    assert response.context["form"].errors["file"]


def job_of(user, **fields) -> ImportJob:
    return ImportJob.objects.create(user=user, kind="residents", file_name="r.csv", **fields)


def test_a_checking_job_polls_and_shows_its_progress(clerk_client, role_users):
    job = job_of(role_users[RoleKind.VILLAGE_CLERK], status="checking")
    importing._progress_reporter(job.pk, {"read": (0, 80)})("read", 0.5)

    page = clerk_client.get(f"/register/imports/{job.pk}/")
    fragment = clerk_client.get(f"/register/imports/{job.pk}/", headers={"HX-Request": "true"})

    assert "<html" in page.content.decode()
    body = fragment.content.decode()
    assert "<html" not in body and body.lstrip().startswith('<section id="import-status"')
    assert 'hx-trigger="every 1s"' in body
    assert 'value="40"' in body and "40%" in body
    assert fragment["Vary"] and "HX-Request" in fragment["Vary"]


def test_a_rejected_dry_run_lists_its_problems_and_stops_polling(clerk_client, role_users):
    problems = [
        [3, "出生日期", "日期 1990-02-30 不存在。"],
        [5, "身份证号", "第 2 行有相同的身份证号。"],
    ]
    job = job_of(
        role_users[RoleKind.VILLAGE_CLERK],
        status="invalid",
        problems=problems,
        problem_count=2,
        row_count=5,
    )
    body = clerk_client.get(
        f"/register/imports/{job.pk}/", headers={"HX-Request": "true"}
    ).content.decode()
    assert "hx-trigger" not in body
    assert "日期 1990-02-30 不存在。" in body and "第 2 行有相同的身份证号。" in body
    assert f"/register/imports/{job.pk}/problems.csv" in body
    assert "<progress" not in body
    assert "上传修改后的文件" in body


def test_a_job_the_worker_never_finished_says_to_upload_the_same_file_again(
    clerk_client, role_users
):
    """The file was fine: the clerk is not asked to correct it."""
    job = job_of(
        role_users[RoleKind.VILLAGE_CLERK],
        status="failed",
        error="未完成：服务器的后台任务在 3 小时内没有处理完这个文件（可能已停止运行）。",
    )
    body = clerk_client.get(f"/register/imports/{job.pk}/").content.decode()
    assert "没有处理完这个文件" in body
    assert "重新上传文件" in body and "上传修改后的文件" not in body
    assert f"/register/imports/new/?kind={job.kind}" in body


def test_a_ready_job_offers_the_import_and_a_done_job_shows_100(clerk_client, role_users):
    clerk = role_users[RoleKind.VILLAGE_CLERK]
    ready = job_of(
        clerk,
        status="ready",
        row_count=6,
        summary={"rows": 6, "new": 4, "existing": 2, "move_count": 0, "moves": []},
    )
    body = clerk_client.get(f"/register/imports/{ready.pk}/").content.decode()
    assert f'action="/register/imports/{ready.pk}/apply/"' in body

    done = job_of(
        clerk,
        status="done",
        summary={"rows": 6, "created": 4, "updated": 1, "unchanged": 1, "moves": []},
    )
    body = clerk_client.get(
        f"/register/imports/{done.pk}/", headers={"HX-Request": "true"}
    ).content.decode()
    assert 'value="100"' in body and "100%" in body
    assert "hx-trigger" not in body and "/apply/" not in body


def test_confirming_queues_the_import_once(
    clerk_client, role_users, django_capture_on_commit_callbacks
):
    job = job_of(role_users[RoleKind.VILLAGE_CLERK], status="ready")
    with django_capture_on_commit_callbacks() as callbacks:
        response = clerk_client.post(f"/register/imports/{job.pk}/apply/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "queued" and len(callbacks) == 1
    assert importing.read_progress(job.pk)["percent"] == 0

    with django_capture_on_commit_callbacks() as callbacks:
        again = clerk_client.post(f"/register/imports/{job.pk}/apply/", follow=True)
    assert not callbacks
    assert [str(m) for m in again.context["messages"]]


def test_the_problem_list_downloads_as_csv_for_excel(clerk_client, role_users):
    job = job_of(
        role_users[RoleKind.VILLAGE_CLERK],
        status="invalid",
        problems=[[3, "出生日期", "日期不存在。"]],
        problem_count=1,
    )
    response = clerk_client.get(f"/register/imports/{job.pk}/problems.csv")
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    assert text.splitlines()[1] == "3,出生日期,日期不存在。"


def test_someone_elses_job_is_404_and_non_importers_get_403(client, role_users, other_role_users):
    job = job_of(role_users[RoleKind.VILLAGE_CLERK], status="ready")
    client.force_login(other_role_users[RoleKind.VILLAGE_CLERK])
    for path in (f"/register/imports/{job.pk}/", f"/register/imports/{job.pk}/problems.csv"):
        assert client.get(path).status_code == 404
    assert client.post(f"/register/imports/{job.pk}/apply/").status_code == 404
    job.refresh_from_db()
    assert job.status == "ready"

    client.force_login(role_users[RoleKind.GRID_LEADER])
    assert client.get("/register/imports/new/").status_code == 403
    assert client.post("/register/imports/new/", {"kind": "residents"}).status_code == 403
    assert client.get(f"/register/imports/{job.pk}/").status_code == 403


def test_the_upload_page_queries_do_not_grow_with_past_imports(
    clerk_client, role_users, django_assert_num_queries
):
    clerk = role_users[RoleKind.VILLAGE_CLERK]
    job_of(clerk, status="done")
    clerk_client.get("/register/imports/new/")
    # The user, their roles, the jobs (the session comes from the cache).
    with django_assert_num_queries(3) as captured:
        clerk_client.get("/register/imports/new/")
    for _ in range(12):
        job_of(clerk, status="invalid")
    with django_assert_num_queries(len(captured.captured_queries)):
        response = clerk_client.get("/register/imports/new/")
    assert len(response.context["jobs"]) == 10
