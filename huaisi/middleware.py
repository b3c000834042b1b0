import logging
import re
from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.middleware import PolicyParts
from django.conf import settings
from django.core.exceptions import DisallowedHost, SuspiciousOperation
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation

from . import edge
from .services import PASSWORD_CHANGE_SESSION_KEY

# Django's own logger for refused hosts, so these refusals are logged where the others are.
_host_log = logging.getLogger("django.security.DisallowedHost")


def api_host_middleware(get_response):
    """A request under /api/ with a Host header not in ALLOWED_HOSTS gets the API's JSON 400
    (`{"errors": {"__all__": [...]}}`, in the caller's language) instead of Django's HTML
    error page: its caller is a program that reads JSON. First in MIDDLEWARE, before anything
    else asks for the host."""

    def middleware(request):
        if request.path.startswith("/api/"):
            try:
                request.get_host()
            except DisallowedHost as exc:
                _host_log.warning("%s", exc, extra={"status_code": 400, "request": request})
                with translation.override(edge.api_language(request)):
                    return edge.json_error(
                        edge.general(translation.gettext("This host name is not served here.")),
                        400,
                    )
        return get_response(request)

    return middleware


def language_middleware(get_response):
    """Chinese unless the user chose otherwise.

    Django's LocaleMiddleware would follow the browser's Accept-Language and show English to
    a phone set to English; the town works in Chinese, so only the language cookie (set by the
    switcher) overrides the default.
    """
    supported = {code for code, _ in settings.LANGUAGES}

    def middleware(request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response

    return middleware


def map_tile_source(tile_url: str) -> str | None:
    """The CSP source for a Leaflet tile template: servers written {s}.tile.example.org are
    *.tile.example.org to CSP."""
    if not tile_url:
        return None
    parts = urlsplit(re.sub(r"\{[^}]*\}", "*", tile_url))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


class CSPMiddleware(BaseCSPMiddleware):
    """django-csp's middleware, letting the configured map tile server's images in.

    MAP_TILE_URL is read per response rather than baked into CONTENT_SECURITY_POLICY, so the
    policy always names the tile server the map pages are actually using.
    """

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        source = map_tile_source(settings.MAP_TILE_URL)
        if source and not report_only:
            update = dict(parts.update or {})
            update["img-src"] = [*update.get("img-src", []), source]
            parts.update = update
        return parts


# The longest query-string value any page reads (a search, a "next" address): longer ones
# are refused rather than handed to int() (over 4,300 digits it raises) or to the database.
MAX_QUERY_VALUE = 2000


def _query_problem(request) -> tuple[str, str] | None:
    """(parameter, why) for the first query-string value no page can use: one holding NUL
    (PostgreSQL cannot compare text with it) or longer than MAX_QUERY_VALUE characters.
    Too many fields is left to Django's own 400 (and to the API views, which answer it in
    their format): reading request.GET here would raise it outside any view."""
    try:
        fields = request.GET.lists()
    except SuspiciousOperation:
        return None
    for name, values in fields:
        for value in (name, *values):
            if "\x00" in value:
                return name, translation.gettext("It contains the NUL character (U+0000).")
            if len(value) > MAX_QUERY_VALUE:
                return name, translation.gettext("It is longer than %(n)s characters.") % {
                    "n": MAX_QUERY_VALUE
                }
    return None


def query_guard_middleware(get_response):
    """The one check every page's query string passes before any view reads it: a value with
    NUL, or longer than any filter takes, is a 400 naming the parameter (JSON under /api/,
    whose callers are programs; a page otherwise; Open311 checks its own, in its format),
    never a 500 from a view that searched the database with it. Lone surrogates cannot arrive: Django decodes the query
    string with replacement characters. Ranges, dates and repeated keys stay the views' and
    huaisi.list_filters' business (tests/test_hostile_queries.py walks every page)."""

    def middleware(request):
        # Open311 answers hostile queries in the GeoReport error format itself
        # (tickets/views/open311.py), naming the parameter as its clients expect.
        if not request.META.get("QUERY_STRING") or request.path.startswith("/open311/"):
            return get_response(request)
        problem = _query_problem(request)
        if problem is None:
            return get_response(request)
        name, why = problem
        if request.path.startswith("/api/"):
            with translation.override(edge.api_language(request)):
                return edge.json_error({name[:100]: [str(why)]}, 400)
        response = render(
            request,
            "huaisi/bad_query.html",
            {"parameter": name[:100], "why": why},
            status=400,
        )
        return response

    return middleware


# What an account that must change its password may still reach: the change page itself,
# logging out, the language switch (the page must be readable) and the health check.
PASSWORD_CHANGE_OPEN_URLS = ("password-change", "logout", "set_language", "healthz")


def password_change_middleware(get_response):
    """Until an account flagged at log-in has chosen a new password, every page sends it to
    the change page (an htmx request is told to go there too: HX-Redirect)."""

    def middleware(request):
        session = getattr(request, "session", None)
        if session is None or not session.get(PASSWORD_CHANGE_SESSION_KEY):
            return get_response(request)
        open_paths = {reverse(name) for name in PASSWORD_CHANGE_OPEN_URLS}
        if request.path in open_paths or request.path.startswith(settings.STATIC_URL):
            return get_response(request)
        target = reverse("password-change")
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)

    return middleware
