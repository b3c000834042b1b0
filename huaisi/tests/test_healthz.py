"""/healthz against the real database, the real Redis and a real Celery worker."""

import pytest
from django.core.cache import cache

from huaisi.tasks import HEARTBEAT_KEY, heartbeat


@pytest.mark.django_db
def test_without_a_worker_healthz_says_503_and_names_celery(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"]["ok"] is True
    assert body["checks"]["celery"] == {"ok": False, "detail": "no worker answered"}


@pytest.mark.celery_worker
def test_with_a_worker_healthz_is_ok(client, celery_worker):
    response = client.get("/healthz")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "ok"
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.celery_worker
def test_worker_runs_the_heartbeat_and_healthz_reports_it(client, celery_worker):
    cache.delete(HEARTBEAT_KEY)
    stamp = heartbeat.delay().get(timeout=30)
    assert cache.get(HEARTBEAT_KEY) == stamp
    assert client.get("/healthz").json()["last_beat_heartbeat"] == stamp
    assert "huaisi.tasks.heartbeat" in celery_worker.log()


def test_beat_schedules_the_heartbeat_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["heartbeat"]
    assert entry["task"] == heartbeat.name
    assert entry["schedule"].minute == set(range(60))
