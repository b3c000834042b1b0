"""The one-sheet roster import (花名册) of one village: about 1,500 people in one sheet, as
households.demo_roster writes it (GBK CSV and XLSX, areas written as people write them).

    python -m huaisi.devstack exec .venv/bin/python -m bench.roster [--people N] [--repeats N]

Steps: (re)create `<db>_bench`, migrate it, add a town with one village of 3 grids and 27
micro-grids named as the demo names them, and a town administrator; then, in this process
(the services the Celery tasks call, without the queue), time the dry run and the import of
the GBK CSV into the empty village, then the dry run and the import of the same roster as
XLSX again (nothing to change), REPEATS times each on a fresh village. Prints the times
and drops the bench database.
"""

import argparse
import os
import statistics
import time

from .harness import BenchDatabase, bench_environment, manage, say, setup_django


class _NotQueued:
    """Stands in for the Celery tasks: the bench calls the services itself."""

    @staticmethod
    def delay(*args) -> None:
        return None


def _village(run: int):
    from grids.models import Grid, MicroGrid, Town, Village

    town, _created = Town.objects.get_or_create(code="RB", defaults={"name": "花名册镇"})
    village = Village.objects.create(town=town, code=f"RV{run}", name=f"花名册{run}村")
    for g in range(1, 4):
        grid = Grid.objects.create(
            village=village, code=f"RV{run}G{g}", name=f"{village.name}第{g}网格"
        )
        for m in range(1, 10):
            MicroGrid.objects.create(
                grid=grid, code=f"R{run}M{g}{m}", name=f"{grid.name}第{m}微网格"
            )  # fmt: skip
    return town, village


def _timed(step) -> tuple[float, object]:
    started = time.perf_counter()
    result = step()
    return (time.perf_counter() - started) * 1000, result


def _import(user, name: str, data: bytes) -> tuple[float, float, object]:
    from households.services import importing

    job = importing.import_start(user=user, kind="roster", file_name=name, data=data)
    check_ms, job = _timed(lambda: importing.import_check(job_id=job.pk))
    assert job.status == "ready", job.problems[:3]
    importing.import_confirm(job=job)
    apply_ms, job = _timed(lambda: importing.import_apply(job_id=job.pk))
    assert job.status == "done", job.error
    return check_ms, apply_ms, job


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1500)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    db = BenchDatabase(os.environ["DATABASE_URL"])
    say(f"recreating {db.name}")
    db.recreate()
    os.environ.update(bench_environment(db.url))
    manage("migrate", "--noinput")
    setup_django()

    from django.contrib.auth import get_user_model

    from households.demo_roster import roster_csv, roster_rows, roster_xlsx
    from households.services import importing
    from huaisi.roles import RoleKind
    from huaisi.services import role_assign

    importing.QUEUE.update(check=_NotQueued, apply=_NotQueued)
    times: dict[str, list[float]] = {}
    for run in range(1, args.repeats + 1):
        town, village = _village(run)
        user = get_user_model().objects.create_user(username=f"roster-admin-{run}")
        role_assign(user=user, kind=RoleKind.TOWN_ADMIN, scope=town)
        rows = roster_rows(village, people=args.people, seed=run)  # new people each run
        for label, name, data in (
            ("new GBK CSV", "roster.csv", roster_csv(rows, encoding="gbk")),
            ("again XLSX", "roster.xlsx", roster_xlsx(rows)),
        ):
            check_ms, apply_ms, job = _import(user, name, data)
            times.setdefault(f"{label}: dry run", []).append(check_ms)
            times.setdefault(f"{label}: import", []).append(apply_ms)
            say(
                f"run {run}, {label}, {len(rows)} people: dry run {check_ms:.0f} ms, import "
                f"{apply_ms:.0f} ms ({job.summary['created']} added, {job.summary['updated']} "
                f"updated, {job.summary['households_created']} households added)"
            )
    for label, samples in times.items():
        say(f"{label}: median {statistics.median(samples):.0f} ms of {len(samples)} runs")
    from django.db import connections

    connections.close_all()
    db.drop()


if __name__ == "__main__":
    main()
