from django.urls import path

from . import views, views_inspections

urlpatterns = [
    path("villages/", views.village_list, name="village-list"),
    path("villages/<int:pk>/", views.village_detail, name="village-detail"),
    path("villages/<int:pk>/edit/", views.village_edit, name="village-edit"),
    path("villages/<int:pk>/grids/new/", views.grid_create, name="grid-create"),
    path("villages/<int:pk>/roster/", views.village_roster, name="village-roster"),
    path("villages/<int:pk>/roster/new/", views.roster_assign, name="roster-assign"),
    path("grids/", views.grid_list, name="grid-list"),
    path("grids/export.csv", views.grid_export, name="grid-export"),
    path("grids/<int:pk>/", views.grid_detail, name="grid-detail"),
    path("grids/<int:pk>/edit/", views.grid_edit, name="grid-edit"),
    path("grids/<int:pk>/microgrids/new/", views.microgrid_create, name="microgrid-create"),
    path("departments/", views.department_list, name="department-list"),
    path("departments/new/", views.department_create, name="department-create"),
    path("departments/<int:pk>/edit/", views.department_edit, name="department-edit"),
    path("departments/<int:pk>/handlers/new/", views.department_assign, name="department-assign"),
    path("roles/<int:pk>/end/", views.role_end, name="role-end"),
    path("staff/<int:pk>/edit/", views.staff_edit, name="staff-edit"),
    # Patrol inspections
    path("inspections/", views_inspections.inspection_list, name="inspection-list"),
    path("inspections/new/", views_inspections.inspection_create, name="inspection-create"),
    path(
        "inspections/submit/",
        views_inspections.inspection_submit_view,
        name="inspection-submit",
    ),
    path("inspections/sw.js", views_inspections.inspection_service_worker, name="inspection-sw"),
    path("inspections/<int:pk>/", views_inspections.inspection_detail, name="inspection-detail"),
    path(
        "inspections/photos/<int:pk>/",
        views_inspections.inspection_photo,
        name="inspection-photo",
    ),
    path(
        "inspections/photos/<int:pk>/thumb/",
        views_inspections.inspection_photo,
        {"size": "thumb"},
        name="inspection-photo-thumb",
    ),
    path("inspections/coverage/", views_inspections.coverage_list, name="coverage-list"),
    path("grids/<int:pk>/coverage/", views_inspections.grid_coverage, name="grid-coverage"),
    path(
        "grids/<int:pk>/coverage/target/",
        views_inspections.visit_target_edit,
        name="visit-target-edit",
    ),
]
