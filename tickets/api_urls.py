"""Everything under /api/: the city platform's intake API at /api/hotline/ (see
tickets/views/api.py), its OpenAPI document, and a JSON 404 for any other path."""

from django.urls import path, re_path

from .views import api

urlpatterns = [
    path("hotline/orders", api.order_create_view, name="api-order-create"),
    path("hotline/orders/<str:number>", api.order_detail_view, name="api-order-detail"),
    path("openapi.json", api.openapi_view, name="api-openapi"),
    re_path(r"^(?P<path>.*)$", api.not_found_view, name="api-not-found"),
]
