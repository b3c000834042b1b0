from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_KEY = "beat-heartbeat"


@shared_task
def heartbeat() -> str:
    """Scheduled every minute by beat; /healthz shows when a worker last ran it."""
    stamp = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY, stamp, timeout=None)
    return stamp
