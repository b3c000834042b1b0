"""未诉先办 pages, under /orders/hotspots/."""

from django.urls import path

from . import views

urlpatterns = [
    path("hotspots/", views.hotspot_list, name="hotspot-list"),
    path("hotspots/refresh/", views.hotspot_refresh, name="hotspot-refresh"),
    path("hotspots/<int:pk>/order/", views.hotspot_order, name="hotspot-order"),
]
