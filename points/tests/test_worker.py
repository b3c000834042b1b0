"""Publication on a real Celery worker, including a worker killed half-way through."""

import datetime
import os
import signal
import time

import pytest
from django.db import connection, transaction

from conftest import WorkerProcess
from points.models import RankingPublication, RankingRow
from points.tasks import publish_ranking_task
from points.tests.conftest import earn, last_month, new_household

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def last_month_points(area, rules, staff):
    month = last_month()
    day = month + datetime.timedelta(days=5)
    a = new_household(area.m111, number="A")
    b = new_household(area.m111, number="B")
    new_household(area.m211, number="C")
    earn(a, rules["mediation"], staff, deed_date=day)
    earn(b, rules["mediation"], staff, deed_date=day)
    earn(b, rules["mediation"], staff, deed_date=day)
    return month


def rows(month) -> list[tuple]:
    return list(
        RankingRow.objects.filter(publication__month=month)
        .order_by("publication__village__code", "rank", "household__number")
        .values_list("publication__village__code", "household__number", "points", "rank")
    )


def test_the_worker_publishes_last_months_ranking(celery_worker, last_month_points):
    month = last_month_points
    assert publish_ranking_task.delay().get(timeout=60) == 2
    assert rows(month) == [("V1", "B", 20, 1), ("V1", "A", 10, 2), ("V2", "C", 0, 1)]
    assert "points.tasks.publish_ranking_task" in celery_worker.log()


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(child) for child in handle.read().split()]
    except FileNotFoundError:
        return []


def _waiting_publisher() -> bool:
    """Whether a backend is blocked inserting ranking rows (the worker, mid-publication)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            """
            SELECT count(*) FROM pg_stat_activity
            WHERE pid <> pg_backend_pid() AND wait_event_type = 'Lock'
              AND query LIKE '%%INSERT INTO points_rankingrow%%'
            """
        )
        return cursor.fetchone()[0] > 0


def test_a_worker_killed_mid_publication_then_rerun_publishes_once(
    celery_worker, last_month_points, tmp_path
):
    month = last_month_points
    # Hold the ranking rows' table so the worker stops half-way: after inserting the
    # villages' publications, before their rows.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE points_rankingrow IN SHARE MODE")
        publish_ranking_task.delay()
        deadline = time.monotonic() + 60
        while not _waiting_publisher():
            assert time.monotonic() < deadline, celery_worker.log()
            time.sleep(0.2)
        # The crash: the worker and its pool process die at once, mid-transaction.
        for child in _children(celery_worker.process.pid):
            os.kill(child, signal.SIGKILL)
        celery_worker.kill()
    assert not RankingPublication.objects.filter(month=month).exists()

    second = WorkerProcess(tmp_path / "second-worker.log")
    try:
        second.wait_ready()
        # The re-run (by hand, or the redelivered message) publishes the whole month once.
        assert publish_ranking_task.delay().get(timeout=90) in {0, 2}
        assert publish_ranking_task.delay().get(timeout=90) == 0
    finally:
        second.stop()
    assert RankingPublication.objects.filter(month=month).count() == 2
    assert rows(month) == [("V1", "B", 20, 1), ("V1", "A", 10, 2), ("V2", "C", 0, 1)]
