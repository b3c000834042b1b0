from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from . import views
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
    path("accounts/password/", views.password_change, name="password-change"),
    path("i18n/setlang/", set_language, name="set_language"),
    # The moving-in checklist (onboarding app) reads every app, so it is an app of its own.
    path("areas/onboarding/", include("onboarding.urls")),
    path("areas/", include("grids.urls")),
    # Patrol pages keep the /areas/ paths they had inside grids (queued phones address them).
    path("areas/", include("patrols.urls")),
    path("register/", include("households.urls")),
    path("points/", include("points.urls")),
    path("kiosk/", include("points.kiosk_urls")),
    path("orders/", include("tickets.urls")),
    # 未诉先办 (hotspots app): /orders/hotspots/…
    path("orders/", include("hotspots.urls")),
    # Notice channels (notices app): /orders/channels/…, /orders/<pk>/deliveries/
    path("orders/", include("notices.urls")),
    # Every answer under /api/ and /open311/ is JSON (or Open311's XML), errors included.
    path("api/", include("tickets.api_urls")),
    path("open311/", include("tickets.open311_urls")),
    path("volunteers/", include("volunteers.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("calendar/", include("workcalendar.urls")),
    path("public/", include("volunteers.public_urls")),
    path("audit/", include("audit.urls")),
    path("admin/", admin.site.urls),
]
