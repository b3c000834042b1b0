"""The project's URLs plus the framework floor, which lives here and never in huaisi.urls."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from huaisi.urls import urlpatterns as project_urlpatterns


def floor(request: HttpRequest) -> HttpResponse:
    """The same stack and middleware as every page, and no work of its own."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [*project_urlpatterns, path("bench/floor", floor, name="bench-floor")]
