"""Patrol pages, mounted under /areas/ beside the grids app's pages (huaisi/urls.py). The paths
and names are those they had inside `grids`: phones hold queued submissions addressed to
/areas/inspections/submit/ and a service worker scoped to /areas/inspections/."""

from django.urls import path

from . import views

urlpatterns = [
    path("inspections/", views.inspection_list, name="inspection-list"),
    path("inspections/new/", views.inspection_create, name="inspection-create"),
    path(
        "inspections/submit/",
        views.inspection_submit_view,
        name="inspection-submit",
    ),
    path("inspections/sw.js", views.inspection_service_worker, name="inspection-sw"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection-detail"),
    path(
        "inspections/photos/<int:pk>/",
        views.inspection_photo,
        name="inspection-photo",
    ),
    path(
        "inspections/photos/<int:pk>/thumb/",
        views.inspection_photo,
        {"size": "thumb"},
        name="inspection-photo-thumb",
    ),
    path("inspections/coverage/", views.coverage_list, name="coverage-list"),
    path("grids/<int:pk>/coverage/", views.grid_coverage, name="grid-coverage"),
    path(
        "grids/<int:pk>/coverage/target/",
        views.visit_target_edit,
        name="visit-target-edit",
    ),
]
