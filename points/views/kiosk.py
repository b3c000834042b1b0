"""The village-hall kiosk (/kiosk/): residents check their household's points on a touch screen.

Which village a screen shows: its address says so. A screen is set up once to open
/kiosk/<village id>/ (the idle screen: that village's notice board and the log-in); /kiosk/
lists the villages to choose from. A resident signs in with the passbook number and PIN, or by
scanning the QR code of the passbook card (/kiosk/card/<passbook number>/<token>/, also on a
phone), and sees the household's balance, this month's points and rank, the entries with their
basis, recent baskets and the goods on offer. No ID or phone number is ever read.

The kiosk session is not a Django log-in (a staff log-in in the same browser is left alone and
never consulted): a random key in a signed cookie names a record in the cache (Redis, shared
by every web host) holding the passbook and the time of the last request. A request more than
KIOSK_IDLE_SECONDS after the one before finds the session over and goes back to the notice
board. static/js/kiosk.js does the same in the browser, and while someone keeps touching the
screen without loading a page it pings the server so both clocks agree.

A screen that guesses PINs (see "Slowing a guessing screen" below) is slowed down, not the
passbooks it tries: a growing pause between tries, shown on the log-in form.
"""

import hashlib
import math
import re
import secrets
import time
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from grids.models import Town, Village
from huaisi.auth import KEY_NAMESPACE_SETTING, client_address
from huaisi.views import HtmxHttpRequest

from .. import selectors, services
from ..services.accounts import MAX_FAILED_PINS, clean_pin
from .public import KIOSK_IDLE_SECONDS, board_context

KIOSK_COOKIE = "huaisi_kiosk"
# The screen's village, remembered so a card scanned at the screen returns to its board.
SCREEN_COOKIE = "huaisi_kiosk_screen"
# A random name for the screen itself (several screens may show one village), for counting its
# wrong PINs.
DEVICE_COOKIE = "huaisi_kiosk_device"
_SALT = "points.kiosk"
# An ended session's record stays a while only so a late request can be told it ended.
_RECORD_SECONDS = 15 * 60
# How many ranking rows the idle screen shows (the printable board shows more).
IDLE_RANKING_ROWS = 10


# --- The kiosk session ------------------------------------------------------------------------


@dataclass
class KioskSession:
    key: str
    account_id: int
    village_id: int


def _record_key(key: str) -> str:
    return f"points:kiosk:{key}"


def session_start(response: HttpResponse, *, account_id: int, village_id: int) -> str:
    """Open a kiosk session for the passbook on `response`'s browser; returns its key."""
    key = secrets.token_urlsafe(32)
    record = {"account": account_id, "village": village_id, "last": time.time()}
    cache.set(_record_key(key), record, _RECORD_SECONDS)
    response.set_signed_cookie(
        KIOSK_COOKIE,
        f"{key}:{village_id}",
        salt=_SALT,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return key


def _cookie(request: HttpRequest) -> tuple[str, int] | None:
    value = request.get_signed_cookie(KIOSK_COOKIE, default=None, salt=_SALT)
    key, _sep, village = (value or "").partition(":")
    if not key or not village.isdigit():
        return None
    return key, int(village)


def session_get(request: HttpRequest, *, touch: bool = True) -> KioskSession | None:
    """The browser's live kiosk session (its idle clock restarted when `touch`), or None
    when there is none or it has been idle too long (then it is ended)."""
    cookie = _cookie(request)
    if cookie is None:
        return None
    key, _village = cookie
    record = cache.get(_record_key(key))
    if not record:
        return None
    now = time.time()
    if now - record["last"] > KIOSK_IDLE_SECONDS:
        cache.delete(_record_key(key))
        return None
    if touch:
        cache.set(_record_key(key), record | {"last": now}, _RECORD_SECONDS)
    return KioskSession(key, record["account"], record["village"])


def session_end(request: HttpRequest, response: HttpResponse) -> None:
    cookie = _cookie(request)
    if cookie is not None:
        cache.delete(_record_key(cookie[0]))
    if KIOSK_COOKIE in request.COOKIES:
        response.delete_cookie(KIOSK_COOKIE, samesite="Lax")


def _screen_village_id(request: HttpRequest) -> int | None:
    cookie = _cookie(request)
    if cookie is not None:
        return cookie[1]
    remembered = request.COOKIES.get(SCREEN_COOKIE, "")
    return int(remembered) if remembered.isdigit() else None


def _back_to_board(request: HtmxHttpRequest, *, reason: str | None = None) -> HttpResponse:
    """End any kiosk session and send the screen back to its village's notice board."""
    village_id = _screen_village_id(request)
    target = reverse("kiosk-idle", args=[village_id]) if village_id else reverse("kiosk-home")
    if reason:
        target += "?" + urlencode({"ended": reason})
    response = redirect(target)
    if request.htmx:
        response = HttpResponse(status=204, headers={"HX-Redirect": target})
    session_end(request, response)
    return response


# --- Slowing a guessing screen ----------------------------------------------------------------
# A passbook locks after MAX_FAILED_PINS wrong PINs in a row, but a guesser who tries a few
# PINs on passbook after passbook never trips one passbook's lock. So every refused log-in
# (a wrong PIN, an unknown passbook number, a passbook without a PIN) is also counted for the
# screen and for the client address (the screen's cookie is the browser's to forge or drop; the
# address is read as the staff log-in's throttle reads it, through TRUSTED_PROXIES), in Redis.
# Past a free allowance every refusal starts a pause, twice as long as the one before, during
# which the screen's log-in is refused without looking at the passbook or the PIN: the
# guesser is slowed, and no household's passbook gets locked by it.
# - The screen's allowance is one passbook's (MAX_FAILED_PINS - 1 wrong PINs, then the lock),
#   so a household mistyping its own PIN meets its passbook's lock before any pause. A
#   refusal because the passbook is locked is not counted: its PIN was not what answered.
# - The address's allowance is three screens' worth: a village hall's screens may share one
#   address, and one screen's typing must not pause the others.
# - A household signing in ends its screen's count (not its address's: a guesser holding a
#   passbook of their own could otherwise wipe it); both are forgotten half an hour after
#   their last refusal.
# - Posts sent together at the instant a pause ends each get their try; each is counted, so
#   the next pause is that much longer.
SCREEN_FREE_FAILURES = MAX_FAILED_PINS - 1
ADDRESS_FREE_FAILURES = 3 * SCREEN_FREE_FAILURES
FIRST_PAUSE_SECONDS = 5
LONGEST_PAUSE_SECONDS = 5 * 60
FAILURES_KEPT_SECONDS = 30 * 60
_DEVICE_ID = re.compile(r"[A-Za-z0-9_-]{20,64}")


def pause_seconds(*, failures: int, free: int) -> int:
    """The pause after the `failures`-th refusal: none within the allowance, then 5 s, 10 s,
    20 s… up to five minutes."""
    if failures <= free:
        return 0
    return min(FIRST_PAUSE_SECONDS * 2 ** min(failures - free - 1, 16), LONGEST_PAUSE_SECONDS)


def _device_id(request: HttpRequest) -> str | None:
    value = request.COOKIES.get(DEVICE_COOKIE, "")
    return value if _DEVICE_ID.fullmatch(value) else None


def _failure_counters(request: HttpRequest) -> list[tuple[str, int]]:
    """(cache key, free allowance) of the screen and of the client address. A browser without
    the screen's cookie (a script) is counted as one screen per address."""
    namespace = getattr(settings, KEY_NAMESPACE_SETTING, "login-failures")
    address = hashlib.sha256(client_address(request).encode()).hexdigest()[:32]
    screen = _device_id(request) or f"address-{address}"
    return [
        (f"{namespace}:kiosk:screen:{screen}", SCREEN_FREE_FAILURES),
        (f"{namespace}:kiosk:address:{address}", ADDRESS_FREE_FAILURES),
    ]


def pause_left(request: HttpRequest) -> int:
    """Whole seconds until this screen may try a PIN again (0: now)."""
    keys = [f"{key}:until" for key, _free in _failure_counters(request)]
    until = max(cache.get_many(keys).values(), default=0)
    return max(0, math.ceil(until - time.time()))


def _failure_record(request: HttpRequest) -> int:
    """Count one refused log-in for the screen and the address; the pause it starts."""
    now = time.time()
    longest = 0
    for key, free in _failure_counters(request):
        cache.add(key, 0, timeout=FAILURES_KEPT_SECONDS)
        try:
            failures = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=FAILURES_KEPT_SECONDS)
            failures = 1
        cache.touch(key, timeout=FAILURES_KEPT_SECONDS)
        pause = pause_seconds(failures=failures, free=free)
        if pause:
            # The end is compared with the clock, not left to the key's expiry.
            cache.set(f"{key}:until", now + pause, timeout=pause + 60)
        longest = max(longest, pause)
    return longest


def _screen_failures_clear(request: HttpRequest) -> None:
    key, _free = _failure_counters(request)[0]
    cache.delete_many([key, f"{key}:until"])


def pause_message(seconds: int) -> SafeString:
    """The pause as the log-in form shows it; kiosk.js counts the seconds down."""
    number = format_html('<strong data-kiosk-wait-seconds="">{}</strong>', seconds)
    text = conditional_escape(
        _("Too many wrong tries at this screen. Please wait %(seconds)s s, then try again.")
    )
    return mark_safe(text % {"seconds": number})  # noqa: S308 - escaped text, our own markup


# --- Pages ------------------------------------------------------------------------------------


@require_GET
def kiosk_home(request: HttpRequest) -> HttpResponse:
    """Choose the village whose screen this is (one town at a time when there are several)."""
    towns = list(Town.objects.order_by("code"))
    town = None
    if len(towns) == 1:
        town = towns[0]
    elif request.GET.get("town"):
        town = next((t for t in towns if t.code == request.GET["town"]), None)
    villages = list(Village.objects.filter(town=town).order_by("code")) if town else []
    return render(
        request,
        "points/kiosk/home.html",
        {"towns": towns, "town": town, "villages": villages},
        using="jinja2",
    )


def typed_as_meant(value: str) -> str:
    """What a resident typed, as they meant it: the full-width digits and letters of a Chinese
    input method (１２３４) are the ASCII ones (NFKC), and spaces typed between groups are
    dropped. The one rule for both fields of the kiosk's log-in."""
    return "".join(unicodedata.normalize("NFKC", value).split())


class KioskLoginForm(forms.Form):
    passbook_number = forms.CharField(label=gettext_lazy("Passbook number"), max_length=40)
    pin = forms.CharField(label=gettext_lazy("PIN"), max_length=12, strip=True)

    def clean_passbook_number(self) -> str:
        return typed_as_meant(self.cleaned_data["passbook_number"])

    def clean_pin(self) -> str:
        # A PIN that cannot be one is refused here, never tried on the passbook.
        try:
            return clean_pin(typed_as_meant(self.cleaned_data["pin"]))
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["pin"]) from None


def _lockout_message(locked_until) -> str:
    minutes = max(1, math.ceil((locked_until - timezone.now()).total_seconds() / 60))
    return ngettext(
        "Too many wrong PINs: this passbook is locked. Try again in %(minutes)d minute.",
        "Too many wrong PINs: this passbook is locked. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def _login_context(request: HttpRequest, village: Village, form: KioskLoginForm) -> dict:
    """What the log-in form shows, alone (htmx) or on the idle screen."""
    wait = pause_left(request)
    return {
        "village": village,
        "form": form,
        "wait_seconds": wait,
        "wait_message": pause_message(wait) if wait else "",
    }


def _idle_context(request: HttpRequest, village: Village, form: KioskLoginForm) -> dict:
    ended = request.GET.get("ended")
    notice = {
        "idle": _("Your session ended after a minute without use."),
        "done": _("You have signed out. Thank you!"),
    }.get(ended or "")
    return _login_context(request, village, form) | {
        # The notice board's parts are Django templates shared with /board/: given as one.
        "board": board_context(village=village, ranking_limit=IDLE_RANKING_ROWS),
        "notice": notice,
        "idle_seconds": KIOSK_IDLE_SECONDS,
        "today": timezone.localdate(),
    }


@require_GET
@never_cache
def kiosk_idle(request: HttpRequest, village_id: int) -> HttpResponse:
    """The idle screen: the village's notice board and the log-in. Showing it ends any kiosk
    session of this browser, so the next person never finds the last one's household."""
    village = get_object_or_404(Village.objects.select_related("town"), pk=village_id)
    form = KioskLoginForm(initial={"passbook_number": village.code})
    response = render(
        request, "points/kiosk/idle.html", _idle_context(request, village, form), using="jinja2"
    )
    session_end(request, response)
    cookies = {SCREEN_COOKIE: str(village.pk)}
    if _device_id(request) is None:
        cookies[DEVICE_COOKIE] = secrets.token_urlsafe(24)
    for name, value in cookies.items():
        response.set_cookie(
            name,
            value,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
        )
    return response


@require_POST
@vary_on_headers("HX-Request")
def kiosk_login(request: HtmxHttpRequest, village_id: int) -> HttpResponse:
    village = get_object_or_404(Village.objects.select_related("town"), pk=village_id)
    form = KioskLoginForm(request.POST)
    # During the screen's pause the form only says how long is left (in _login_context).
    if not pause_left(request) and form.is_valid():
        try:
            account = services.kiosk_login(
                passbook_number=form.cleaned_data["passbook_number"],
                pin=form.cleaned_data["pin"],
            )
        except services.KioskLoginError as exc:
            if exc.locked_until is None:
                _failure_record(request)
            form.add_error(
                None, _lockout_message(exc.locked_until) if exc.locked_until else str(exc)
            )
        else:
            _screen_failures_clear(request)
            target = reverse("kiosk-household")
            response = (
                HttpResponse(status=204, headers={"HX-Redirect": target})
                if request.htmx
                else redirect(target)
            )
            session_start(response, account_id=account.pk, village_id=village.pk)
            return response
    # The PIN is never sent back into the page.
    form.data = form.data.copy()
    form.data["pin"] = ""
    if request.htmx:
        return render(
            request,
            "points/kiosk/_login_form.html",
            _login_context(request, village, form),
            using="jinja2",
        )
    return render(
        request, "points/kiosk/idle.html", _idle_context(request, village, form), using="jinja2"
    )


@require_GET
@never_cache
def kiosk_card(request: HttpRequest, passbook_number: str, token: str) -> HttpResponse:
    """The passbook card's QR code: signs the card's household in, without the PIN."""
    account = selectors.account_get_by_card(passbook_number=passbook_number, token=token)
    if account is None:
        village_id = _screen_village_id(request)
        back = reverse("kiosk-idle", args=[village_id]) if village_id else reverse("kiosk-home")
        return render(
            request,
            "points/kiosk/card_invalid.html",
            {"back_url": back},
            status=404,
            using="jinja2",
        )
    response = redirect("kiosk-household")
    village_id = _screen_village_id(request) or account.village_id
    session_end(request, response)
    session_start(response, account_id=account.pk, village_id=village_id)
    return response


@require_GET
@never_cache
def kiosk_household(request: HtmxHttpRequest) -> HttpResponse:
    session = session_get(request)
    if session is None:
        return _back_to_board(request, reason="idle" if KIOSK_COOKIE in request.COOKIES else None)
    view = selectors.household_points(account_id=session.account_id)
    # Plural forms are chosen here: the Jinja2 page only fills in ready sentences.
    ranked_note = ngettext(
        "of %(ranked)s household in %(village)s",
        "of %(ranked)s households in %(village)s",
        view.ranked or 0,
    ) % {"ranked": view.ranked, "village": view.village_name}
    published_note = (
        ngettext(
            "%(points)s point that month", "%(points)s points that month", view.published.points
        )
        % {"points": view.published.points}
        if view.published
        else ""
    )
    goods = [
        (
            good,
            ngettext(
                "%(points)s point a %(unit)s", "%(points)s points a %(unit)s", good.price_points
            )
            % {"points": good.price_points, "unit": good.unit},
        )
        for good in view.goods
    ]
    # A passbook of another village is welcome at this screen (a household may be at another
    # village's hall); the page then says whose village the points, rank and shop are.
    screen_village = (
        Village.objects.filter(pk=session.village_id).values_list("name", flat=True).first()
        if session.village_id != view.village_id
        else None
    ) or ""
    return render(
        request,
        "points/kiosk/household.html",
        {
            "view": view,
            "screen_village": screen_village,
            "ranked_note": ranked_note,
            "published_note": published_note,
            "goods": goods,
            "idle_seconds": KIOSK_IDLE_SECONDS,
        },
        using="jinja2",
    )


@require_POST
def kiosk_ping(request: HttpRequest) -> HttpResponse:
    """Someone is still touching the screen: restart the session's idle clock. 204, or 410
    when the session is already over (the script then returns to the notice board)."""
    if session_get(request) is None:
        return HttpResponse(status=410)
    return HttpResponse(status=204)


@require_POST
def kiosk_done(request: HtmxHttpRequest) -> HttpResponse:
    """The "Done" button (and the script when the minute is up): end the session."""
    reason = request.POST.get("reason") if request.POST.get("reason") == "idle" else "done"
    return _back_to_board(request, reason=reason)
