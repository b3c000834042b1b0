import re
from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.middleware import PolicyParts
from django.conf import settings
from django.utils import translation


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
