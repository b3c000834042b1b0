"""The dashboards, at /dashboard/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.town_dashboard, name="dashboard-town"),
    path("village/<int:pk>/", views.village_dashboard, name="dashboard-village"),
    path("grid/<int:pk>/", views.grid_dashboard, name="dashboard-grid"),
]
urlpatterns += [
    path("reports/", views.report_list, name="town-report-list"),
    path("reports/<int:pk>/", views.report_detail, name="town-report-detail"),
    path("reports/<int:pk>/pdf/", views.report_pdf, name="town-report-pdf"),
]
