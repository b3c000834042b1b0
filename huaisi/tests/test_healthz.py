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


@pytest.mark.django_db
def test_an_apps_warning_is_named_but_keeps_the_answer_200(client, monkeypatch):
    from huaisi import health

    monkeypatch.setattr(health, "check_celery", lambda: (True, "1 worker(s) answered"))
    monkeypatch.setitem(health._warning_checks, "example", lambda: "something to do")
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["example"] == {"ok": True, "warning": True, "detail": "something to do"}
    assert "example" in body["warnings"]


@pytest.mark.django_db
def test_a_warning_check_that_fails_says_so_without_failing_healthz(client, monkeypatch):
    from huaisi import health

    def broken():
        raise RuntimeError("boom")

    monkeypatch.setattr(health, "check_celery", lambda: (True, "1 worker(s) answered"))
    monkeypatch.setitem(health._warning_checks, "example", broken)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["example"]["detail"] == "check failed: RuntimeError"


@pytest.mark.django_db
def test_the_missing_holiday_calendar_of_next_year_is_a_warning_from_1_november(
    client, monkeypatch
):
    import datetime

    import time_machine

    from huaisi import health

    monkeypatch.setattr(health, "check_celery", lambda: (True, "1 worker(s) answered"))
    shanghai = datetime.timezone(datetime.timedelta(hours=8))
    with time_machine.travel(datetime.datetime(2026, 10, 31, 23, 59, tzinfo=shanghai), tick=False):
        before = client.get("/healthz")
    with time_machine.travel(datetime.datetime(2026, 11, 1, 0, 0, tzinfo=shanghai), tick=False):
        after = client.get("/healthz")
    assert before.status_code == 200 and before.json()["warnings"] == []
    assert after.status_code == 200
    assert after.json()["warnings"] == ["calendar"]
    assert after.json()["checks"]["calendar"]["detail"] == ("holiday calendar not entered for 2027")
