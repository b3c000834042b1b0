"""Scheduled publications (beat, Asia/Shanghai). Both take no arguments: each closes the
period that has just ended, and both are idempotent, so a re-run after a crash (the
message is acknowledged late and redelivered) publishes exactly what is missing."""

from celery import shared_task

from huaisi.periods import previous_half, previous_month

from .services import honours_publish, ranking_publish


@shared_task
def publish_ranking_task() -> int:
    """On the 1st at 01:00: the previous month's ranking in every village."""
    return ranking_publish(month=previous_month())


@shared_task
def publish_honours_task() -> int:
    """On 1 January and 1 July: the previous half year's honour list in every village."""
    return honours_publish(half=previous_half())
