"""Open311 GeoReport v2, read side, at /open311/v2/ (see tickets/views/open311.py): each
resource in JSON and in XML, and a JSON 404 for any other path under /open311/."""

from django.urls import re_path

from .views import open311

FORMAT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(rf"^v2/discovery{FORMAT}", open311.discovery, name="open311-discovery"),
    re_path(rf"^v2/services{FORMAT}", open311.services, name="open311-services"),
    re_path(rf"^v2/requests{FORMAT}", open311.requests, name="open311-requests"),
    re_path(
        rf"^v2/requests/(?P<number>[^/]+){FORMAT}", open311.request_detail, name="open311-request"
    ),
    re_path(r"^(?P<path>.*)$", open311.not_found, name="open311-not-found"),
]
