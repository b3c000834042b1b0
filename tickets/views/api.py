"""The intake API for the city platform (12345 hotline, 寄语市长): `/api/hotline/`.

    POST /api/hotline/orders            receive an order (JSON)     201 / 200 / 400 / 409 / 422
    GET  /api/hotline/orders/<number>   its status and the reply    200 / 404
    GET  /api/openapi.json              the OpenAPI 3.1 document (this API and Open311)

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
- Fields not listed are ignored, so the platform may send more than we read.
- Error messages are English unless the request's Accept-Language prefers Chinese: the reader
  is a program and its developers, not the town's staff.
- The body is parsed by `OrderIn` (tickets/api_schemas.py), the model `/api/openapi.json` is
  generated from. 400 lists every field that breaks the schema (wrong type, NUL or a lone
  surrogate, blank where a value is needed, too long, an impossible date or one outside
  2000–2099, a number out of range); only a body that passes it is looked at further, and
  422 lists what the town does not have (category, village) or half a position.
- A blank or whitespace-only upstream number is refused: idempotency needs a real one.
- Bodies over 1 MB are refused (413) before they are read, JSON nested deeper than 16 levels
  before it is parsed; each client may make HOTLINE_API_RATE_PER_MINUTE requests a minute
  (default 120), then gets 429.
- Every answer under /api/ is JSON, wrong paths (404) and methods (405) included.
"""

import re
import time
from decimal import Decimal
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from grids.models import Village
from huaisi.edge import (
    EdgeError,
    api_language,
    general,
    json_edge,
    json_error,
    json_response,
    load_json_body,
    method_not_allowed,
    parse,
)

from ..api_schemas import NUMBER_PATTERN, OrderIn, OrderOut, openapi_document
from ..models import ApiClient, Category, State, Urgency, WorkOrder
from ..selectors import api_client_for_token, api_order_for_client
from ..services import UpstreamConflict, order_create, order_intake_check
from ..worktime import TZ

NUMBER = re.compile(NUMBER_PATTERN)
# States in which the reply has passed the command centre's review.
REPLY_PUBLIC_STATES = (State.REVIEWED, State.CALLED_BACK, State.CLOSED)


def _over_rate(client) -> int:
    """Seconds until the client may ask again; 0 when within its rate (a per-minute window)."""
    limit = getattr(settings, "HOTLINE_API_RATE_PER_MINUTE", 120)
    now = time.time()
    key = f"hotline-api-rate:{client.pk}:{int(now // 60)}"
    cache.add(key, 0, timeout=120)
    if cache.incr(key) <= limit:
        return 0
    return 60 - int(now % 60)


def _client(request) -> ApiClient:
    """The active client of the request's bearer token, within its rate; `EdgeError` 401 or
    429 otherwise. A 401 names nothing: neither which clients exist nor why a token failed."""
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    client = api_client_for_token(token=token.strip()) if scheme == "Bearer" else None
    if client is None:
        challenge = 'Bearer realm="hotline"'
        if request.headers.get("Authorization", ""):
            challenge += ', error="invalid_token"'
        raise EdgeError(
            401,
            general(_("Send a valid API token: Authorization: Bearer <token>.")),
            headers={"WWW-Authenticate": challenge},
        )
    wait = _over_rate(client)
    if wait:
        raise EdgeError(
            429,
            general(_("Too many requests: wait a minute and try again.")),
            headers={"Retry-After": str(wait)},
        )
    return client


def api_view(*methods: str):
    """A JSON API view answering METHODS (any when none are named; 405 otherwise), in the
    caller's language; every refusal, Django's own included, is JSON."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            with translation.override(api_language(request)):
                if methods and request.method not in methods:
                    response = method_not_allowed(list(methods))
                else:
                    try:
                        response = view(request, *args, **kwargs)
                    except EdgeError as error:
                        response = error.response()
                response.headers["Content-Language"] = translation.get_language()
                return response

        # The API authenticates by token, never by the session cookie CSRF protects.
        return csrf_exempt(json_edge(wrapped))

    return decorate


def iso_time(moment) -> str | None:
    if moment is None:
        return None
    return timezone.localtime(moment, TZ).replace(microsecond=0).isoformat()


def order_json(request, order: WorkOrder) -> dict:
    reply_public = order.state in REPLY_PUBLIC_STATES
    return OrderOut(
        number=order.number,
        url=request.build_absolute_uri(reverse("api-order-detail", args=[order.number])),
        source=order.source,
        upstream_number=order.upstream_number,
        status=order.state,
        status_label=str(order.get_state_display()),
        received_at=iso_time(order.created_at),
        lead_unit=str(order.lead_unit) if order.lead_unit_id else None,
        reply=order.reply_text if reply_public else None,
        replied_at=iso_time(order.replied_at) if reply_public else None,
        closed_at=iso_time(order.closed_at),
    ).model_dump()


# --- Reading the body ----------------------------------------------------------------------


def _position(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(repr(value)).quantize(Decimal("0.000001"))


def _order_fields(data: OrderIn, client) -> dict:
    """The service's arguments from a parsed body; EdgeError (422) for what the town does
    not have."""
    errors: dict[str, list[str]] = {}
    code = int(data.category)
    category = Category.objects.filter(pk=code, town_id=client.town_id, is_active=True).first()
    if category is None:
        errors["category"] = [
            _("Unknown category: give a service_code from /open311/v2/services.json.")
        ]
    village = None
    name = (data.village or "").strip()
    if name:
        village = (
            Village.objects.filter(town_id=client.town_id, code=name).first()
            or Village.objects.filter(town_id=client.town_id, name=name).first()
        )
        if village is None:
            errors["village"] = [_("No village or community of the town has this code or name.")]
    fields = {
        "town": client.town,
        "source": data.source,
        "upstream_number": data.upstream_number.strip(),
        "upstream_deadline": data.upstream_deadline,
        "category": category,
        "urgency": data.urgency or Urgency.NORMAL,
        "village": village,
        "lat": _position(data.lat),
        "lng": _position(data.lng),
        "title": data.title,
        "description": data.description,
        "caller_name": data.caller_name or "",
        "caller_phone": data.caller_phone or "",
        "address": data.address or "",
    }
    try:
        order_intake_check(town=client.town, data={k: v for k, v in fields.items() if k != "town"})
    except ValidationError as exc:
        # The service's own checks too, so one answer lists every field the town refuses.
        errors = {**_service_errors(exc), **errors}
    if errors:
        raise EdgeError(422, errors)
    return fields


def _service_errors(exc: ValidationError) -> dict[str, list[str]]:
    return {field: list(messages) for field, messages in exc.message_dict.items()}


@api_view("POST")
def order_create_view(request):
    client = _client(request)
    data = parse(OrderIn, load_json_body(request))
    fields = _order_fields(data, client)
    try:
        order, created = order_create(actor=None, **fields)
    except ValidationError as exc:
        return json_error(_service_errors(exc), 422)
    except UpstreamConflict as conflict:
        first = conflict.order
        message = _(
            "This city platform number was received before with different content, as order "
            "%(number)s. Nothing was changed."
        ) % {"number": first.number}
        return json_error({"upstream_number": [message]}, 409, number=first.number)
    response = json_response(order_json(request, order), status=201 if created else 200)
    if created:
        response.headers["Location"] = reverse("api-order-detail", args=[order.number])
    return response


@api_view("GET")
def order_detail_view(request, number: str):
    client = _client(request)
    try:
        if not NUMBER.fullmatch(number):
            raise Http404
        order = api_order_for_client(client=client, number=number)
    except Http404:
        return json_error(general(_("No such order.")), 404)
    return json_response(order_json(request, order))


@api_view("GET")
def openapi_view(request):
    """The OpenAPI 3.1 document of the intake API and Open311 (public, like Open311)."""
    response = json_response(openapi_document())
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@api_view()
def not_found_view(request, path: str = ""):
    raise EdgeError(404, general(_("Not found.")))
