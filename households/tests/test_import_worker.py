"""The whole import through a real Celery worker: upload, dry run on the worker, confirm, the
import in the worker's one transaction, progress through the cache to 100%."""

import time

import pytest

from households import importing
from households.models import House, Household, ImportJob, Resident
from households.tests.importdata import RESIDENT_HEADERS, csv_bytes, family
from huaisi.roles import RoleKind

pytestmark = pytest.mark.celery_worker


def wait_for(job: ImportJob, *, leaving: str, timeout: float = 60) -> ImportJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status != leaving:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job.pk} still {leaving} after {timeout} s")


def test_dry_run_then_import_on_a_real_worker(client, role_users, area, celery_worker):
    from django.core.files.uploadedfile import SimpleUploadedFile

    house = House.objects.create(village=area.v1, microgrid=area.m111, address="第1村1号")
    Household.objects.create(number="H1", microgrid=area.m111, house=house)
    client.force_login(role_users[RoleKind.VILLAGE_CLERK])
    rows = family("H1", "王", start=1)
    bad = [row[:] for row in rows]
    bad[1][4] = "1972-02-30"
    bad[2][3] = bad[0][3]

    response = client.post(
        "/register/imports/new/",
        {
            "kind": "residents",
            "file": SimpleUploadedFile("gbk.csv", csv_bytes(RESIDENT_HEADERS, bad, encoding="gbk")),
        },
    )
    job = wait_for(
        ImportJob.objects.get(pk=response["Location"].split("/")[-2]), leaving="checking"
    )
    assert job.status == "invalid"
    assert sorted({p[0] for p in job.problems}) == [3, 4]
    assert not job.file
    assert Resident.objects.count() == 0

    response = client.post(
        "/register/imports/new/",
        {
            "kind": "residents",
            "file": SimpleUploadedFile(
                "gbk.csv", csv_bytes(RESIDENT_HEADERS, rows, encoding="gbk")
            ),
        },
    )
    job = wait_for(
        ImportJob.objects.get(pk=response["Location"].split("/")[-2]), leaving="checking"
    )
    assert job.status == "ready", (job.error, job.problems)
    assert client.post(f"/register/imports/{job.pk}/apply/").status_code == 302
    job = wait_for(job, leaving="queued")

    assert job.status == "done", job.error
    assert job.summary["created"] == 3
    assert sorted(Resident.objects.values_list("name", flat=True)) == ["李王芳", "王小明", "王建国"]
    assert importing.read_progress(job.pk)["percent"] == 100
    fragment = client.get(
        f"/register/imports/{job.pk}/", headers={"HX-Request": "true"}
    ).content.decode()
    assert 'value="100"' in fragment and "hx-trigger" not in fragment
    assert "households.tasks.import_apply_task" in celery_worker.log()
