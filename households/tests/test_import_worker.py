"""The whole import through a real Celery worker: upload, dry run on the worker, confirm, the
import in the worker's one transaction, progress through the cache to 100%."""

import time

import pytest

from households.models import House, Household, ImportJob, Resident
from households.services import importing
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


def test_the_worker_deletes_a_checked_file_nobody_confirmed(role_users, area, celery_worker):
    import datetime

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from households.tasks import imports_expire_task
    from huaisi.settings import CELERY_BEAT_SCHEDULE

    job = ImportJob(
        user=role_users[RoleKind.VILLAGE_CLERK],
        kind="residents",
        file_name="r.csv",
        status=ImportJob.Status.READY,
        checked_at=timezone.now() - importing.READY_KEPT - datetime.timedelta(minutes=5),
    )
    job.file.save("expire-me.csv", ContentFile("姓名\n王小明\n".encode()), save=False)
    job.save()
    name, storage = job.file.name, job.file.storage

    assert imports_expire_task.delay().get(timeout=60) == 1

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and not job.file
    assert not storage.exists(name)
    assert "households.tasks.imports_expire_task" in celery_worker.log()
    # Beat runs it every hour.
    entry = CELERY_BEAT_SCHEDULE["register-imports-expire"]
    assert entry["task"] == imports_expire_task.name and entry["schedule"].minute == {17}
