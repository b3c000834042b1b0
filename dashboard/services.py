"""The dashboard's cache: one Redis key per area holds every figure of that area's screen.

The Celery job (`tasks.dashboards_refresh`, every minute) rewrites the key of each town, and of
each village and grid whose screen someone opened in the last `WATCH_SECONDS`; the views only
read keys, so a hundred open screens cost the database nothing. A key outlives a few missed
runs (`FIGURES_SECONDS`); when it is gone (first view, or the worker stopped for long) the view
computes the figures once and stores them.
"""

import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from grids.models import Grid, Town, Village
from huaisi.periods import previous_month
from huaisi.roles import Level

from . import selectors
from .models import TownReport

FIGURES_SECONDS = 10 * 60
WATCH_SECONDS = 10 * 60
KEY_VERSION = 1


def _namespace() -> str:
    # Keyed by database too: ids are only unique within one database, and several databases
    # (test runs, a staging copy) may share one Redis.
    return f"dashboard:v{KEY_VERSION}:{settings.DATABASES['default']['NAME']}"


def figures_key(*, level: str, pk: int) -> str:
    return f"{_namespace()}:{level}:{pk}"


def watch_key(*, level: str, pk: int) -> str:
    return f"{_namespace()}:watch:{level}:{pk}"


def dashboard_refresh(*, level: str, pk: int) -> dict | None:
    """Compute the area's figures and store them; None (and nothing stored) if the area does
    not exist."""
    area = selectors.area_describe(level=level, pk=pk)
    if area is None:
        return None
    figures = selectors.area_figures(area=area, now=timezone.now())
    cache.set(figures_key(level=level, pk=pk), figures, timeout=FIGURES_SECONDS)
    return figures


def dashboard_cached(*, level: str, pk: int) -> dict | None:
    """The area's cached figures, or None."""
    return cache.get(figures_key(level=level, pk=pk))


def dashboard_watch(*, level: str, pk: int) -> None:
    """Note that a screen shows this village or grid, so the job keeps its figures fresh."""
    if level != Level.TOWN:
        cache.set(watch_key(level=level, pk=pk), 1, timeout=WATCH_SECONDS)


def dashboards_refresh_all() -> int:
    """Refresh every town and each watched village and grid; returns how many were written.
    Idempotent: a re-run only writes the same figures again."""
    areas = [(Level.TOWN, pk) for pk in Town.objects.values_list("pk", flat=True)]
    candidates = [(Level.VILLAGE, pk) for pk in Village.objects.values_list("pk", flat=True)]
    candidates += [(Level.GRID, pk) for pk in Grid.objects.values_list("pk", flat=True)]
    watched = cache.get_many([watch_key(level=lv, pk=pk) for lv, pk in candidates])
    areas += [(lv, pk) for lv, pk in candidates if watch_key(level=lv, pk=pk) in watched]
    written = 0
    for level, pk in areas:
        if dashboard_refresh(level=level, pk=pk) is not None:
            written += 1
    return written


@transaction.atomic(durable=True)
def town_report_publish(*, town_id: int, month: datetime.date) -> tuple[TownReport, bool]:
    """Generate the town's report of `month` (a finished month); returns (report, created).
    A report, once there, is frozen: publishing again returns it unchanged (UNIQUE town+month
    holds against two workers at once)."""
    month = month.replace(day=1)
    existing = TownReport.objects.filter(town_id=town_id, month=month).first()
    if existing is not None:
        return existing, False
    figures = selectors.report_figures(town_id=town_id, month=month)
    try:
        with transaction.atomic():
            report = TownReport.objects.create(
                town_id=town_id, month=month, figures=figures, generated_at=timezone.now()
            )
    except IntegrityError:
        return TownReport.objects.get(town_id=town_id, month=month), False
    return report, True


def reports_publish_due(*, today: datetime.date | None = None) -> int:
    """On the 1st: last month's report for every town that lacks it; returns how many were new."""
    last_month = previous_month(today)
    created = 0
    for town_id in Town.objects.values_list("pk", flat=True):
        _, new = town_report_publish(town_id=town_id, month=last_month)
        created += new
    return created
