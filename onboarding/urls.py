from django.urls import path

from . import views

urlpatterns = [path("", views.checklist, name="onboarding")]
