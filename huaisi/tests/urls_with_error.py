"""The project's URLs plus one view that fails, to see the 500 page."""

from django.urls import path

from huaisi.urls import urlpatterns as project_urlpatterns


def boom(request):
    raise RuntimeError("deliberate failure for the 500-page test")


urlpatterns = [*project_urlpatterns, path("boom/", boom)]
