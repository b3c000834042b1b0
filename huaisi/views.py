from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.middleware import HtmxDetails

from . import health, services
from .auth import NewPasswordForm
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
    all answer, 503 naming what failed otherwise; the apps' warnings (huaisi.health) are
    named in `warnings` without changing the status. Shows no personal or configuration
    data."""
    checks, warnings = health.run_checks()
    healthy = all(check["ok"] for check in checks.values())
    try:
        last_heartbeat = cache.get(HEARTBEAT_KEY)
    except Exception:
        last_heartbeat = None
    body = {
        "status": "ok" if healthy else "unavailable",
        "checks": checks,
        "warnings": warnings,
        "last_beat_heartbeat": last_heartbeat,
    }
    return JsonResponse(body, status=200 if healthy else 503)


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def password_change(request: HtmxHttpRequest) -> HttpResponse:
    """Choose a new password: at first log-in (nothing else opens until then) or any time."""
    required = bool(request.session.get(services.PASSWORD_CHANGE_SESSION_KEY))
    form = NewPasswordForm(request.user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.password_change(user=request.user, new_password=form.cleaned_data["new_password1"])
        # The new password changes the session's hash; keep this session signed in.
        update_session_auth_hash(request, request.user)
        request.session.pop(services.PASSWORD_CHANGE_SESSION_KEY, None)
        messages.success(request, _("Your new password is set."))
        return redirect("home")
    return render(request, "huaisi/password_change.html", {"form": form, "required": required})
