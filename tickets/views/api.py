"""The intake API for the city platform (12345 hotline, 寄语市长): `/api/hotline/`.

    POST /api/hotline/orders            receive an order (JSON)     201 / 200 / 400 / 409
    GET  /api/hotline/orders/<number>   its status and the reply    200 / 404

Every request carries `Authorization: Bearer <token>` of a client made with
`manage.py hotline_client_create`; without one, or with an unknown or revoked one, the answer
is 401 and names nothing (neither which clients exist nor why a token failed).

Decisions the issue left open:
- Idempotency is on (source, city-platform number), as the database enforces: the same body
  again answers 200 with the order first received; the same number with other content 409
  with that order's number, and changes nothing.
- A client reads back the city-platform orders (hotline and mayor sources, with a platform
  number) of its own town, whichever of the town's clients sent them, so a replaced token
  keeps its history. The reply is given once the command centre approved it (the states
  "awaiting callback", "called back" and "closed"): an unreviewed reply may still be sent back.
- Categories are the Open311 service codes (`/open311/v2/services.json`); the village is
  given by its code or name. Attachments (by URL or inline) are out of scope for now: the
  command centre adds photos on the order's page.
- Fields not listed below are ignored, so the platform may send more than we read.
- Error messages are English unless the request's Accept-Language prefers Chinese: the reader
  is a program and its developers, not the town's staff.
- Bodies over 1 MB are refused (413) before they are read; each client may make
  HOTLINE_API_RATE_PER_MINUTE requests a minute (default 120), then gets 429.
"""

import datetime
import json
import time
from decimal import Decimal, InvalidOperation
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import Http404, JsonResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from grids.models import Village

from ..models import Category, State, Urgency, WorkOrder
from ..selectors import API_SOURCES, api_client_for_token, api_order_for_client
from ..services import UpstreamConflict, order_create, order_intake_check
from ..worktime import TZ

MAX_BODY_BYTES = 1024 * 1024
# States in which the reply has passed the command centre's review.
REPLY_PUBLIC_STATES = (State.REVIEWED, State.CALLED_BACK, State.CLOSED)
TEXT_FIELDS = ("title", "description", "caller_name", "caller_phone", "address")


def api_language(request) -> str:
    """English, unless the caller's first choice of language is Chinese."""
    choices = parse_accept_lang_header(request.headers.get("Accept-Language", ""))
    return "zh-hans" if choices and choices[0][0].startswith("zh") else "en"


def json_response(data, status: int = 200) -> JsonResponse:
    # Chinese stays readable in the body (UTF-8), not \u-escaped.
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def _errors(errors: dict[str, list[str]], status: int, **extra) -> JsonResponse:
    return json_response({"errors": errors, **extra}, status=status)


def _unauthorized(request) -> JsonResponse:
    response = _errors(
        {NON_FIELD_ERRORS: [_("Send a valid API token: Authorization: Bearer <token>.")]}, 401
    )
    given = request.headers.get("Authorization", "")
    challenge = 'Bearer realm="hotline"'
    if given:
        challenge += ', error="invalid_token"'
    response.headers["WWW-Authenticate"] = challenge
    return response


def _over_rate(client) -> int:
    """Seconds until the client may ask again; 0 when within its rate (a per-minute window)."""
    limit = getattr(settings, "HOTLINE_API_RATE_PER_MINUTE", 120)
    now = time.time()
    key = f"hotline-api-rate:{client.pk}:{int(now // 60)}"
    cache.add(key, 0, timeout=120)
    if cache.incr(key) <= limit:
        return 0
    return 60 - int(now % 60)


def api_view(view):
    """Token authentication, rate limit and the caller's language for an API view; the view
    gets the client as its second argument. Put the method check (405) outside it."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        with translation.override(api_language(request)):
            scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
            client = api_client_for_token(token=token.strip()) if scheme == "Bearer" else None
            if client is None:
                return _unauthorized(request)
            wait = _over_rate(client)
            if wait:
                response = _errors(
                    {NON_FIELD_ERRORS: [_("Too many requests: wait a minute and try again.")]},
                    429,
                )
                response.headers["Retry-After"] = str(wait)
                return response
            response = view(request, client, *args, **kwargs)
            response.headers["Content-Language"] = translation.get_language()
            return response

    return wrapped


def iso_time(moment: datetime.datetime | None) -> str | None:
    if moment is None:
        return None
    return timezone.localtime(moment, TZ).replace(microsecond=0).isoformat()


def order_json(request, order: WorkOrder) -> dict:
    reply_public = order.state in REPLY_PUBLIC_STATES
    return {
        "number": order.number,
        "url": request.build_absolute_uri(reverse("api-order-detail", args=[order.number])),
        "source": order.source,
        "upstream_number": order.upstream_number,
        "status": order.state,
        "status_label": str(order.get_state_display()),
        "received_at": iso_time(order.created_at),
        "lead_unit": str(order.lead_unit) if order.lead_unit_id else None,
        "reply": order.reply_text if reply_public else None,
        "replied_at": iso_time(order.replied_at) if reply_public else None,
        "closed_at": iso_time(order.closed_at),
    }


# --- Reading the body ----------------------------------------------------------------------


def _text(payload: dict, name: str, errors: dict, *, required: bool = False) -> str:
    value = payload.get(name)
    if value is None or value == "":
        if required:
            errors[name] = [_("This field is required.")]
        return ""
    if not isinstance(value, str):
        errors[name] = [_("Must be a string.")]
        return ""
    return value


def _number(payload: dict, name: str, errors: dict) -> Decimal | None:
    value = payload.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        errors[name] = [_("Must be a number.")]
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except InvalidOperation:
        errors[name] = [_("Must be a number.")]
        return None
    if not number.is_finite():
        errors[name] = [_("Must be a number.")]
        return None
    return number


def _deadline(payload: dict, errors: dict) -> datetime.datetime | None:
    value = payload.get("upstream_deadline")
    if value is None or value == "":
        return None
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        errors["upstream_deadline"] = [
            _("Give a date and time in ISO 8601, for example 2026-12-01T17:30:00+08:00.")
        ]
        return None
    # A time without an offset is the town's (Asia/Shanghai), like everything the platform sends.
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=TZ)


def _category(payload: dict, client, errors: dict) -> Category | None:
    value = payload.get("category")
    if value is None or value == "":
        errors["category"] = [_("This field is required.")]
        return None
    code = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    category = None
    if code.isascii() and code.isdigit():
        category = Category.objects.filter(
            pk=int(code), town_id=client.town_id, is_active=True
        ).first()
    if category is None:
        errors["category"] = [
            _("Unknown category: give a service_code from /open311/v2/services.json.")
        ]
    return category


def _village(payload: dict, client, errors: dict) -> Village | None:
    value = payload.get("village")
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        errors["village"] = [_("Must be a string.")]
        return None
    village = (
        Village.objects.filter(town_id=client.town_id, code=value.strip()).first()
        or Village.objects.filter(town_id=client.town_id, name=value.strip()).first()
    )
    if village is None:
        errors["village"] = [_("No village or community of the town has this code or name.")]
    return village


def _read_order(payload: dict, client) -> tuple[dict, dict]:
    """The service's arguments from the JSON body, and the errors found in it, per field."""
    errors: dict[str, list[str]] = {}
    source = _text(payload, "source", errors, required=True)
    if source and source not in API_SOURCES:
        errors["source"] = [_("Must be one of: %(choices)s.") % {"choices": ", ".join(API_SOURCES)}]
    upstream_number = _text(payload, "upstream_number", errors, required=True).strip()
    urgency = _text(payload, "urgency", errors) or Urgency.NORMAL
    if urgency not in Urgency.values:
        errors["urgency"] = [
            _("Must be one of: %(choices)s.") % {"choices": ", ".join(Urgency.values)}
        ]
    fields = {
        "town": client.town,
        "source": source,
        "upstream_number": upstream_number,
        "upstream_deadline": _deadline(payload, errors),
        "category": _category(payload, client, errors),
        "urgency": urgency,
        "village": _village(payload, client, errors),
        "lat": _number(payload, "lat", errors),
        "lng": _number(payload, "lng", errors),
        **{name: _text(payload, name, errors) for name in TEXT_FIELDS},
    }
    return fields, errors


def _service_errors(exc: ValidationError) -> dict[str, list[str]]:
    return {field: list(messages) for field, messages in exc.message_dict.items()}


@csrf_exempt
@require_POST
@api_view
def order_create_view(request, client):
    length = request.headers.get("Content-Length", "")
    if not length.isdigit():
        return _errors({NON_FIELD_ERRORS: [_("Send a Content-Length header.")]}, 411)
    if int(length) > MAX_BODY_BYTES:
        return _errors({NON_FIELD_ERRORS: [_("The body is larger than 1 MB.")]}, 413)
    content_type = request.content_type or ""
    if content_type != "application/json":
        return _errors({NON_FIELD_ERRORS: [_("Send JSON (Content-Type: application/json).")]}, 415)
    try:
        payload = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        payload = None
    if not isinstance(payload, dict):
        return _errors({NON_FIELD_ERRORS: [_("The body must be one JSON object.")]}, 400)

    fields, errors = _read_order(payload, client)
    if errors:
        # The service's own checks too, so one answer lists every bad field.
        cleaned = {k: v for k, v in fields.items() if k != "town"}
        if "lat" in errors or "lng" in errors:
            # Not also "give both or neither" for a position whose half was unreadable.
            cleaned["lat"] = cleaned["lng"] = None
        try:
            order_intake_check(town=client.town, data=cleaned)
        except ValidationError as exc:
            errors = {**_service_errors(exc), **errors}
        return _errors(errors, 400)
    try:
        order, created = order_create(actor=None, **fields)
    except ValidationError as exc:
        return _errors(_service_errors(exc), 400)
    except UpstreamConflict as conflict:
        first = conflict.order
        message = _(
            "This city platform number was received before with different content, as order "
            "%(number)s. Nothing was changed."
        ) % {"number": first.number}
        return _errors({"upstream_number": [message]}, 409, number=first.number)
    response = json_response(order_json(request, order), status=201 if created else 200)
    if created:
        response.headers["Location"] = reverse("api-order-detail", args=[order.number])
    return response


@require_GET
@api_view
def order_detail_view(request, client, number: str):
    try:
        order = api_order_for_client(client=client, number=number)
    except Http404:
        return _errors({NON_FIELD_ERRORS: [_("No such order.")]}, 404)
    return json_response(order_json(request, order))
