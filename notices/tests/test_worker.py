"""A dispatch's notices sent by a real Celery worker after the commit."""

import time

import pytest

from notices.models import Delivery
from tickets.services import order_dispatch

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def test_the_worker_delivers_a_dispatch_to_each_channel(hotline, channels, receiver, celery_worker):
    order = hotline.new_order()

    order_dispatch(actor=hotline.command, order=order, lead_unit=hotline.d1)

    deadline = time.monotonic() + 60
    while Delivery.objects.filter(state=Delivery.State.SENT).count() < 3:
        assert time.monotonic() < deadline, celery_worker.log()
        time.sleep(0.2)
    assert receiver.problems == []
    assert len(receiver.received) == 4  # WeCom, DingTalk and two SMS recipients
