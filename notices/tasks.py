from celery import shared_task

from .models import Delivery
from .services import (
    MAX_ATTEMPTS,
    RateLimited,
    SendError,
    backoff,
    deadline_notices,
    delivery_send,
    scan_recent_events,
)


@shared_task(bind=True, name="notices.tasks.send_task", max_retries=None)
def send_task(self, delivery_id: int) -> str:
    try:
        return delivery_send(delivery_id=delivery_id)
    except RateLimited as exc:
        raise self.retry(countdown=61, exc=exc) from exc
    except SendError as exc:
        attempts = Delivery.objects.values_list("attempts", flat=True).get(pk=delivery_id)
        if attempts >= MAX_ATTEMPTS:
            return Delivery.State.FAILED
        raise self.retry(countdown=backoff(attempts), exc=exc) from exc


@shared_task(name="notices.tasks.scan_task")
def scan_task() -> int:
    """Every minute: notices for the events the sweep wrote in SQL, and deadlines one working
    day away."""
    return scan_recent_events() + deadline_notices()
