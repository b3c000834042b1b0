"""Scheduled work-order jobs (beat schedule in settings). Both are idempotent: safe to run
again after a crash, or twice at once."""

import dataclasses

from celery import shared_task

from .supervision import supervision_publish_due
from .sweep import deadline_sweep


@shared_task
def deadline_sweep_task() -> dict:
    """Every five minutes: yellow/red flags, 催办 and 督办 notices, notifications."""
    return dataclasses.asdict(deadline_sweep())


@shared_task
def supervision_publish_task() -> int:
    """On the 1st: last month's supervision report for every town that lacks it."""
    return supervision_publish_due()
