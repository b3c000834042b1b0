"""The register import at town scale: 20,000 houses, 20,000 households and 60,000 residents
from three XLSX files, as a town administrator runs it (upload, dry run on a Celery worker,
confirm, import on the worker), against PostgreSQL COPY of the same rows.

The rows are new to the demo town (their own addresses, household numbers and ID numbers from
another region code), generated here with a fixed seed and written as the import templates
have them. Each job is timed from the upload's service call to the job row saying it is done,
polling every 20 ms; a second run of the same files (nothing to change) follows.
"""

import datetime
import io
import random
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from .harness import BASE_DIR, PY, BenchDatabase, Row, say, summarize

HOUSEHOLDS = 20_000
REGION = "321012"  # Jiangdu district: ID numbers that cannot collide with the seed's 321003
LABEL = "import XLSX 60k/20k/20k"
TABLES = ["households_house", "households_household", "households_resident"]
POLL_S = 0.02
JOB_TIMEOUT_S = 900


def build_files(town_code: str, *, tag: str = "IMP", region: str = REGION) -> dict[str, bytes]:
    """The three workbooks, one per kind, in import order; TAG marks the addresses and
    household numbers, REGION the ID numbers."""
    from openpyxl import Workbook
    from stdnum.cn import ric

    from grids.demo import GIVEN, SURNAMES
    from grids.models import MicroGrid
    from households.services.importing import COLUMNS, SHEET_TITLES

    rng = random.Random(20261128)
    micros = list(
        MicroGrid.objects.filter(grid__village__town__code=town_code)
        .select_related("grid__village")
        .order_by("code")
    )
    houses, households, residents = [], [], []
    used: set[str] = set()

    def id_number(birth: datetime.date, male: bool) -> str:
        while True:
            body = f"{region}{birth:%Y%m%d}{rng.randrange(500) * 2 + male:03d}"
            number = body + ric.calc_check_digit(body + "0")
            if number not in used:
                used.add(number)
                return number

    def person(surname: str, birth: datetime.date, male: bool, relation: str, phone: bool):
        name = surname + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        return [
            name, "男" if male else "女", id_number(birth, male), birth,
            f"171{rng.randrange(10**8):08d}" if phone else "", relation, "户籍", "", "否", "否",
        ]  # fmt: skip

    for n in range(HOUSEHOLDS):
        micro = micros[n * len(micros) // HOUSEHOLDS]
        village = micro.grid.village
        address = f"{village.name}{tag}新区{n // 100 + 1}幢{n % 100 + 1}号"
        houses.append([village.name, micro.code, address, "砖混", rng.choice((1, 2, 3)),
                       float(rng.randrange(60, 300)), "自住", None, None])  # fmt: skip
        number = f"{tag}-{n + 1:06d}"
        households.append([number, micro.code, address, datetime.date(2025, 3, 1)])
        surname = rng.choice(SURNAMES)
        year = rng.randint(1950, 1990)
        head = datetime.date(year, rng.randint(1, 12), rng.randint(1, 28))
        spouse = datetime.date(year + rng.randint(-3, 3), rng.randint(1, 12), rng.randint(1, 28))
        child = datetime.date(year + rng.randint(22, 32), rng.randint(1, 12), rng.randint(1, 28))
        for row in (
            person(surname, head, True, "户主", True),
            person(rng.choice(SURNAMES), spouse, False, "配偶", True),
            person(surname, child, rng.random() < 0.5, "子女", child.year < 2008),
        ):
            residents.append([number, *row])

    files = {}
    for kind, rows in (("houses", houses), ("households", households), ("residents", residents)):
        book = Workbook(write_only=True)
        sheet = book.create_sheet(SHEET_TITLES[kind])
        sheet.append([column.header for column in COLUMNS[kind]])
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        files[kind] = buffer.getvalue()
    return files


def importer(town_code: str):
    """A town administrator who is not a superuser, so the scope checks run as in real use."""
    from django.contrib.auth import get_user_model

    from grids.models import Town
    from huaisi.roles import RoleKind
    from huaisi.services import role_assign

    user, created = get_user_model().objects.get_or_create(username="bench-importer")
    if created:
        town = Town.objects.get(code=town_code)
        role_assign(
            user=user, kind=RoleKind.TOWN_ADMIN, scope=town, starts_on=datetime.date(2025, 1, 1)
        )
    return user


@contextmanager
def celery_worker():
    """A worker on the bench queue (the environment already points at the bench database)."""
    import os

    log = tempfile.NamedTemporaryFile(prefix="bench-worker-", suffix=".log", delete=False)  # noqa: SIM115
    command = [
        PY, "-m", "celery", "-A", "huaisi", "worker", "-l", "WARNING", "--concurrency", "1",
        "-Q", os.environ["CELERY_QUEUE"], "-n", f"bench-{os.getpid()}@localhost",
        "--without-gossip", "--without-mingle",
    ]  # fmt: skip
    worker = subprocess.Popen(command, cwd=BASE_DIR, stdout=log, stderr=subprocess.STDOUT)
    try:
        from huaisi.celery import app

        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[f"bench-{os.getpid()}@localhost"], timeout=0.5):
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    Path(log.name).read_text()[-4000:] or "celery worker did not start"
                )
        say(f"celery worker pid {worker.pid}")
        yield
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()
        Path(log.name).unlink()


def _wait(job, leaving: str):
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while job.status == leaving:
        if time.monotonic() > deadline:
            raise RuntimeError(f"import job {job.pk} still {leaving} after {JOB_TIMEOUT_S} s")
        time.sleep(POLL_S)
        job.refresh_from_db(fields=["status", "error", "problem_count", "problems", "summary"])
    return job


def run_files(user, files: dict[str, bytes]) -> tuple[float, float, dict]:
    """Upload, dry run and import each file in turn; (dry-run ms, import ms, counts by kind)."""
    from households.services import importing

    checking = applying = 0.0
    counts = {}
    for kind, data in files.items():
        started = time.perf_counter()
        job = importing.import_start(user=user, kind=kind, file_name=f"{kind}.xlsx", data=data)
        job = _wait(job, "checking")
        checked = time.perf_counter()
        if job.status != "ready":
            raise RuntimeError(f"{kind}: dry run {job.status}: {job.error} {job.problems[:5]}")
        importing.import_confirm(job=job)
        job = _wait(job, "queued")
        if job.status != "done":
            raise RuntimeError(f"{kind}: import {job.status}: {job.error} {job.problems[:5]}")
        checking += (checked - started) * 1000
        applying += (time.perf_counter() - checked) * 1000
        counts[kind] = job.summary
    return checking, applying, counts


def copy_reference(
    db: BenchDatabase, since: dict[str, int], *, repeats: int = 3
) -> tuple[list[float], int]:
    """PostgreSQL COPY of exactly the rows the import wrote (id above SINCE per table) into
    empty copies of the tables, one transaction, commit included."""
    with db.connect() as conn:
        data, rows = {}, 0
        for table in TABLES:
            buffer = bytearray()
            query = f'COPY (SELECT * FROM "{table}" WHERE id > {since[table]:d}) TO STDOUT'
            with conn.cursor().copy(query) as copy:
                for chunk in copy:
                    buffer += chunk
            data[table] = bytes(buffer)
            rows += data[table].count(b"\n")
        conn.execute("DROP SCHEMA IF EXISTS bench_import_ref CASCADE")
        conn.execute("CREATE SCHEMA bench_import_ref")
        for table in TABLES:
            conn.execute(
                f'CREATE TABLE bench_import_ref."{table}" (LIKE public."{table}" INCLUDING ALL)'
            )
        conn.commit()
        samples = []
        for _ in range(repeats):
            conn.execute("TRUNCATE " + ", ".join(f'bench_import_ref."{t}"' for t in TABLES))
            conn.commit()
            started = time.perf_counter()
            for table in TABLES:
                with conn.cursor().copy(f'COPY bench_import_ref."{table}" FROM STDIN') as copy:
                    copy.write(data[table])
            conn.commit()
            samples.append((time.perf_counter() - started) * 1000)
        conn.execute("DROP SCHEMA bench_import_ref CASCADE")
        conn.commit()
    return samples, rows


def export_rows(db: BenchDatabase, user, scale_name: str, *, repeats: int = 3) -> list[Row]:
    """The residents export of the whole town (the importer is its administrator: full numbers,
    each logged), in this process, against COPY of the same columns out of PostgreSQL."""
    from django.db import connection

    from households.models import Resident, RevealLog
    from households.services import exporting

    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        exporting.export_record_reveals(user=user, path="/bench/export")
        handle = exporting.export_workbook(user=user, kind="residents")
        handle.close()
        samples.append((time.perf_counter() - started) * 1000)
    RevealLog.objects.filter(user=user, path="/bench/export").delete()
    count = exporting.exportable(user, Resident.objects.all()).count()
    copies = []
    columns = "household_id, name, gender, id_number, birth_date, phone, relation, care_tags"
    with connection.cursor() as cursor:
        for _ in range(repeats):
            started = time.perf_counter()
            with cursor.cursor.copy(
                f"COPY (SELECT {columns} FROM households_resident) TO STDOUT"
            ) as copy:
                for _chunk in copy:
                    pass
            copies.append((time.perf_counter() - started) * 1000)
    copy = summarize(copies)
    return [
        Row(f"export XLSX residents ({count})", scale_name, samples,
            reference=f"COPY TO {count} rows", reference_ms=(copy["p50"], copy["p95"]),
            note="as the download builds it: the reveal log (INSERT … SELECT) and the workbook"),
    ]  # fmt: skip


def measure(db: BenchDatabase, town_code: str, scale_name: str = "town") -> list[Row]:
    from django.db import connection

    say(f"{scale_name}: generating the import files ({HOUSEHOLDS} households)")
    files = build_files(town_code)
    sizes = ", ".join(f"{kind} {len(data) / 1e6:.1f} MB" for kind, data in files.items())
    user = importer(town_code)
    with connection.cursor() as cursor:
        since = {}
        for table in TABLES:
            cursor.execute(f'SELECT coalesce(max(id), 0) FROM "{table}"')  # noqa: S608
            since[table] = cursor.fetchone()[0]
    with celery_worker():
        say(f"{scale_name}: importing ({sizes}) through the worker")
        fresh = run_files(user, files)
        say(f"{scale_name}: importing the same files again (nothing to change)")
        again = run_files(user, files)
    created = {kind: summary["created"] for kind, summary in fresh[2].items()}
    unchanged = {kind: summary["unchanged"] for kind, summary in again[2].items()}
    if (
        created != {"houses": HOUSEHOLDS, "households": HOUSEHOLDS, "residents": 3 * HOUSEHOLDS}
        or created != unchanged
    ):
        raise RuntimeError(
            f"unexpected counts: created {created}, unchanged on re-import {unchanged}"
        )
    rows = export_rows(db, user, scale_name)
    samples, copied = copy_reference(db, since)
    copy = summarize(samples)
    reference = {"reference": f"COPY {copied} rows", "reference_ms": (copy["p50"], copy["p95"])}
    return [
        *rows,
        Row(f"{LABEL} (dry run + import)", scale_name, [fresh[0] + fresh[1]],
            note=f"upload to done on a Celery worker: dry run {fresh[0] / 1000:.1f} s + import "
                 f"{fresh[1] / 1000:.1f} s; files {sizes}; the import also writes one audit row "
                 "per row (pghistory), COPY does not", **reference),
        Row(f"{LABEL}, import only", scale_name, [fresh[1]],
            note="the confirmed import alone: re-read, re-check, COPY to temp tables, upsert", **reference),
        Row(f"{LABEL} again (unchanged)", scale_name, [again[0] + again[1]],
            note=f"the same files re-imported: every row matched by its key, none written "
                 f"(dry run {again[0] / 1000:.1f} s + import {again[1] / 1000:.1f} s)", **reference),
    ]  # fmt: skip
