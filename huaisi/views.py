from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_htmx.middleware import HtmxDetails

from . import health
from .selectors import roles_of_user
from .tasks import HEARTBEAT_KEY


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


@require_GET
@login_required
def home(request: HtmxHttpRequest) -> HttpResponse:
    roles = roles_of_user(user=request.user, on=timezone.localdate())
    return render(request, "huaisi/home.html", {"roles": roles})


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and operators: 200 when the database, Redis and a Celery worker
    all answer, 503 naming what failed otherwise. Shows no personal or configuration data."""
    checks = {}
    for name, check in (
        ("database", health.check_database),
        ("redis", health.check_redis),
        ("celery", health.check_celery),
    ):
        ok, detail = check()
        checks[name] = {"ok": ok, "detail": detail}
    healthy = all(check["ok"] for check in checks.values())
    try:
        last_heartbeat = cache.get(HEARTBEAT_KEY)
    except Exception:
        last_heartbeat = None
    body = {
        "status": "ok" if healthy else "unavailable",
        "checks": checks,
        "last_beat_heartbeat": last_heartbeat,
    }
    return JsonResponse(body, status=200 if healthy else 503)
