"""The project's URLs plus the framework floor, which lives here and never in huaisi.urls."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path

from huaisi.urls import urlpatterns as project_urlpatterns
from points.views.kiosk import session_get


def floor(request: HttpRequest) -> HttpResponse:
    """The same stack and middleware as every page, and no work of its own."""
    return HttpResponse(b"ok", content_type="text/plain")


@login_required
def floor_logged_in(request: HttpRequest) -> HttpResponse:
    """The floor plus what Django itself does for a signed-in visitor: the session and the
    user read on every request. Shown beside the pages to tell framework cost from ours."""
    return HttpResponse(request.user.username.encode(), content_type="text/plain")


def floor_kiosk(request: HttpRequest) -> HttpResponse:
    """The floor of a kiosk page: the resident's kiosk session read (and kept alive) as every
    kiosk page reads it, nothing else."""
    session = session_get(request)
    if session is None:
        return HttpResponse(b"no kiosk session", status=403, content_type="text/plain")
    return HttpResponse(str(session.account_id).encode(), content_type="text/plain")


urlpatterns = [
    *project_urlpatterns,
    path("bench/floor", floor, name="bench-floor"),
    path("bench/floor-logged-in", floor_logged_in, name="bench-floor-logged-in"),
    path("bench/floor-kiosk", floor_kiosk, name="bench-floor-kiosk"),
]
