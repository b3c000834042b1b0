from django.urls import path

from .views import register

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
]
