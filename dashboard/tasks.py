"""The dashboard's scheduled refresh (beat: every minute). Idempotent: safe to re-run, or to
run twice at once (both write the same figures)."""

from celery import shared_task

from .services import dashboard_refresh, dashboards_refresh_all, reports_publish_due


@shared_task
def dashboards_refresh_task() -> int:
    """Every minute: each town's figures, and those of each village and grid on a screen."""
    return dashboards_refresh_all()


@shared_task
def dashboard_refresh_task(level: str, pk: int) -> bool:
    """One area's figures, now."""
    return dashboard_refresh(level=level, pk=pk) is not None


@shared_task
def reports_publish_task() -> int:
    """On the 1st: last month's town report for every town that lacks it."""
    return reports_publish_due()
