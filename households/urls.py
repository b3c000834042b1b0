from django.urls import path

from .views import imports, records, register
from .views import map as map_views

urlpatterns = [
    path("residents/", register.resident_list, name="resident-list"),
    path("residents/<int:pk>/", register.resident_detail, name="resident-detail"),
    path("residents/<int:pk>/edit/", register.resident_edit, name="resident-edit"),
    path(
        "residents/<int:pk>/reveal/<str:field>/", register.resident_reveal, name="resident-reveal"
    ),
    path("<int:pk>/", register.household_detail, name="household-detail"),
    path("<int:pk>/residents/new/", register.resident_create, name="resident-create"),
    path("<int:pk>/split/", register.household_split, name="household-split"),
    path("<int:pk>/merge/", register.household_merge, name="household-merge"),
    path("houses/<int:pk>/", register.house_detail, name="house-detail"),
    path("houses/new/", records.house_create, name="house-create"),
    path("houses/<int:pk>/edit/", records.house_edit, name="house-edit"),
    path("houses/<int:pk>/households/new/", records.household_create, name="household-create"),
    path("<int:pk>/edit/", records.household_edit, name="household-edit"),
    path("map/village/<int:pk>/", map_views.village_map, name="village-map"),
    path("map/village/<int:pk>/data.json", map_views.village_map_data, name="village-map-data"),
    path("map/grid/<int:pk>/", map_views.grid_map, name="grid-map"),
    path("map/grid/<int:pk>/data.json", map_views.grid_map_data, name="grid-map-data"),
    path("imports/new/", imports.import_create, name="import-create"),
    path("imports/<int:pk>/", imports.import_detail, name="import-detail"),
    path("imports/<int:pk>/apply/", imports.import_apply, name="import-apply"),
    path("imports/<int:pk>/problems.csv", imports.import_problems, name="import-problems"),
    path("imports/templates/<str:kind>.xlsx", imports.import_template, name="import-template"),
    path("exports/", imports.export_list, name="export-list"),
    path("exports/<str:kind>.xlsx", imports.register_export, name="register-export"),
]
