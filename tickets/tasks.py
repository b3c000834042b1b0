"""Work-order jobs: the scheduled ones (beat schedule in settings) and the recompute after a
calendar change. All are idempotent: safe to run again after a crash."""

import dataclasses

from celery import shared_task

from workcalendar.signals import DayChange

from .services import deadline_sweep, supervision_publish_due
from .services.calendar_changes import deadlines_follow_calendar


@shared_task
def deadline_sweep_task() -> dict:
    """Every five minutes: yellow/red flags, 催办 and 督办 notices, notifications."""
    return dataclasses.asdict(deadline_sweep())


@shared_task
def supervision_publish_task() -> int:
    """On the 1st: last month's supervision report for every town that lacks it."""
    return supervision_publish_due()


@shared_task
def deadlines_follow_calendar_task(changes: list, change_id: str) -> int:
    """Open deadlines follow one calendar change. It takes the change's days as plain JSON
    ([iso date, was working, is working] triples), not an id: a change is no row of its own,
    and after it commits the database no longer says which days were working before it, which
    the recompute needs to count the time left."""
    return deadlines_follow_calendar(
        changes=[DayChange.from_json(c) for c in changes], change_id=change_id
    )
