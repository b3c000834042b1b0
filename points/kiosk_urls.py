"""The village-hall kiosk and the public notice board, under /kiosk/ (no staff log-in).

/kiosk/                               choose the village whose screen this is
/kiosk/<village id>/                  the screen's idle page: notice board and log-in
/kiosk/<village id>/board/            the notice board (公示栏), printable on A4
/kiosk/<village id>/honours/          the honour list (红榜) poster, ?half=2026H1
/kiosk/card/<passbook>/<token>/       the passbook card's QR code: signs its household in
/kiosk/household/                     the signed-in household's points
"""

from django.urls import path

from .views import kiosk, public

urlpatterns = [
    # First: the staff pages print it into the passbook card's QR code.
    path("card/<str:passbook_number>/<str:token>/", kiosk.kiosk_card, name="kiosk-card"),
    path("", kiosk.kiosk_home, name="kiosk-home"),
    path("<int:village_id>/", kiosk.kiosk_idle, name="kiosk-idle"),
    path("<int:village_id>/login/", kiosk.kiosk_login, name="kiosk-login"),
    path("household/", kiosk.kiosk_household, name="kiosk-household"),
    path("household/ping/", kiosk.kiosk_ping, name="kiosk-ping"),
    path("done/", kiosk.kiosk_done, name="kiosk-done"),
    path("<int:village_id>/board/", public.noticeboard, name="noticeboard"),
    path("<int:village_id>/honours/", public.noticeboard_honours, name="noticeboard-honours"),
]
