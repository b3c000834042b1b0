"""The city platform's intake API, at /api/hotline/ (see tickets/views/api.py)."""

from django.urls import path

from .views import api

urlpatterns = [
    path("orders", api.order_create_view, name="api-order-create"),
    path("orders/<str:number>", api.order_detail_view, name="api-order-detail"),
]
