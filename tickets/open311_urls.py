"""Open311 GeoReport v2, read side, at /open311/v2/ (see tickets/views/open311.py)."""

from django.urls import path

from .views import open311

urlpatterns = [
    path("services.json", open311.services, name="open311-services"),
    path("requests.json", open311.requests, name="open311-requests"),
    path("requests/<str:number>.json", open311.request_detail, name="open311-request"),
]
