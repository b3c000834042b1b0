from django.urls import path

from . import views

urlpatterns = [
    path("", views.calendar_year, name="calendar-year"),
    path("<int:year>/enter/", views.calendar_year_enter, name="calendar-year-enter"),
    path("days/new/", views.special_day_create, name="calendar-day-create"),
    path("days/<int:pk>/edit/", views.special_day_edit, name="calendar-day-edit"),
    path("days/<int:pk>/delete/", views.special_day_delete, name="calendar-day-delete"),
    path("import/", views.calendar_import, name="calendar-import"),
]
