from django.urls import path

from . import views

urlpatterns = [
    path("villages/", views.village_list, name="village-list"),
    path("villages/<int:pk>/", views.village_detail, name="village-detail"),
    path("grids/", views.grid_list, name="grid-list"),
    path("grids/export.csv", views.grid_export, name="grid-export"),
    path("grids/<int:pk>/", views.grid_detail, name="grid-detail"),
]
