"""The on-demand recompute runs on a real Celery worker, after the request's commit."""

import time

import pytest

from hotspots.models import Hotspot

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def test_recompute_now_finds_the_hotspot_on_the_worker(client, spot, celery_worker):
    orders = [spot.order(north=n) for n in (0, 40, 80)]
    client.force_login(spot.command)
    assert not Hotspot.objects.exists()

    answer = client.post("/orders/hotspots/refresh/", follow=True)

    assert "Recomputing the town&#x27;s hotspots" in answer.content.decode()
    deadline = time.monotonic() + 60
    while not Hotspot.objects.exists():
        assert time.monotonic() < deadline, celery_worker.log()
        time.sleep(0.2)
    assert "hotspots.tasks.analyse_task" in celery_worker.log()
    hotspot = Hotspot.objects.get()
    assert {m.order_id for m in hotspot.members.all()} == {o.pk for o in orders}
