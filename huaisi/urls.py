from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from . import views, views_audit
from .auth import ThrottledAuthenticationForm

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=ThrottledAuthenticationForm
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("areas/", include("grids.urls")),
    path("register/", include("households.urls")),
    path("points/", include("points.urls")),
    path("kiosk/", include("points.kiosk_urls")),
    path("orders/", include("tickets.urls")),
    path("api/hotline/", include("tickets.api_urls")),
    path("open311/v2/", include("tickets.open311_urls")),
    path("volunteers/", include("volunteers.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("public/", include("volunteers.public_urls")),
    path("audit/", views_audit.audit_list, name="audit-list"),
    path("admin/", admin.site.urls),
]
