"""Public pages (no log-in): certificate checks and each village's livelihood projects."""

from django.urls import path

from .views import public

urlpatterns = [
    path("certificates/", public.certificate_check, name="certificate-check"),
    path("projects/", public.project_public_villages, name="project-public-villages"),
    path("projects/<int:pk>/", public.project_public_list, name="project-public-list"),
]
