from django.urls import path

from . import import_views, views

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
    path("microgrids/<int:pk>/edit/", views.microgrid_edit, name="microgrid-edit"),
    path("departments/", views.department_list, name="department-list"),
    path("departments/new/", views.department_create, name="department-create"),
    path("departments/<int:pk>/edit/", views.department_edit, name="department-edit"),
    path("departments/<int:pk>/handlers/new/", views.department_assign, name="department-assign"),
    path("roles/<int:pk>/end/", views.role_end, name="role-end"),
    path("import/", import_views.area_import, name="area-import"),
    path("staff/import/", import_views.staff_import, name="staff-import"),
    path("staff/<int:pk>/edit/", views.staff_edit, name="staff-edit"),
    path("staff/<int:pk>/password/", views.staff_password_reset, name="staff-password-reset"),
]
