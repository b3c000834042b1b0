"""Checks behind /healthz: each answers (ok, detail) and never raises.

The core checks (database, Redis, Celery) decide the status: any failing answers 503. Apps
above the core add checks of their own from their AppConfig.ready with `register_warning`
(this package imports none of them): a warning check answers None when all is well or a short
text saying what needs doing; it shows in the answer and in its `warnings` list but leaves the
status 200, since the site still works (the holiday calendar's missing next year).
"""

from collections.abc import Callable

import redis
from django.conf import settings
from django.db import connection

from .celery import app as celery_app


def check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return False, type(exc).__name__
    return True, "ok"


def check_redis() -> tuple[bool, str]:
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2
        )
        client.ping()
    except Exception as exc:
        return False, type(exc).__name__
    return True, "ok"


def check_celery() -> tuple[bool, str]:
    try:
        replies = celery_app.control.ping(timeout=settings.HEALTHZ_CELERY_TIMEOUT, limit=1)
    except Exception as exc:
        return False, type(exc).__name__
    if not replies:
        return False, "no worker answered"
    return True, f"{len(replies)} worker(s) answered"


_warning_checks: dict[str, Callable[[], str | None]] = {}


def register_warning(name: str, check: Callable[[], str | None]) -> None:
    """Add a warning check under `name` (registering a name again replaces it)."""
    _warning_checks[name] = check


def run_checks() -> tuple[dict[str, dict], list[str]]:
    """Every check's answer by name, and the names of the warnings raised."""
    checks: dict[str, dict] = {}
    for name, check in (
        ("database", check_database),
        ("redis", check_redis),
        ("celery", check_celery),
    ):
        ok, detail = check()
        checks[name] = {"ok": ok, "detail": detail}
    warnings = []
    for name, warning_check in _warning_checks.items():
        try:
            warning = warning_check()
        except Exception as exc:
            warning = f"check failed: {type(exc).__name__}"
        checks[name] = {"ok": True, "warning": warning is not None, "detail": warning or "ok"}
        if warning is not None:
            warnings.append(name)
    return checks, warnings
