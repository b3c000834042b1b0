"""The read side of Open311 GeoReport v2, at /open311/v2/ (https://wiki.open311.org/GeoReport_v2).

    GET services.json                 the categories, as services
    GET requests.json                 orders: service_request_id, service_code, status,
                                      start_date, end_date (at most 90 days, default the last
                                      90), newest first, at most 1000
    GET requests/<number>.json        one order (a list of one, as the spec has it)

Anonymous, GET only, JSON only (the spec's XML is not offered). `jurisdiction_id` is the
town's code; it may be left out while the install serves one town, as the spec allows.

Nothing personal leaves through here, by construction: the selector reads only the public
columns. Decisions:
- no caller name or phone, ever;
- no house-level address: `address` is the town and village (community) name;
- lat/long rounded to 3 decimals (about 100 m), so a point marks a neighbourhood, not a house;
- no free text at all — title, description and reply are written by callers and staff and
  can name people or carry numbers that no filter reliably removes; `description` and
  `media_url` are null (photos can show faces);
- the status note is the order's stage ("Dispatched", "Closed"), in English unless the
  request's Accept-Language prefers Chinese; `agency_responsible` is the lead unit, a public
  body; `expected_datetime` is the reply deadline.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from grids.models import Town

from ..models import FINAL_STATES, State
from ..selectors import open311_requests, open311_services
from ..worktime import TZ
from .api import api_language, iso_time, json_response

MAX_REQUESTS = 1000
MAX_SPAN = datetime.timedelta(days=90)
STATE_LABELS = dict(State.choices)


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


def open311_view(view):
    """The caller's language, the spec's error list, public caching and CORS for a view."""

    def wrapped(request, *args, **kwargs):
        with translation.override(api_language(request)):
            try:
                response = json_response(view(request, *args, **kwargs))
            except Open311Error as error:
                response = json_response(
                    [{"code": error.status, "description": error.description}],
                    status=error.status,
                )
            response.headers["Content-Language"] = translation.get_language()
        # Public data, meant for any civic web page to fetch.
        response.headers["Access-Control-Allow-Origin"] = "*"
        if response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=60"
        return response

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return require_GET(wrapped)


def _jurisdiction(request) -> Town:
    code = request.GET.get("jurisdiction_id", "").strip()
    towns = Town.objects.filter(code=code) if code else Town.objects.all()
    found = list(towns.order_by("pk")[:2])
    if not found:
        raise Open311Error(404, _("No such jurisdiction_id."))
    if len(found) > 1:
        raise Open311Error(400, _("Give jurisdiction_id: this server serves several towns."))
    return found[0]


def _moment(value: str, name: str, *, end: bool = False) -> datetime.datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        # A bare date means the whole day (parse_datetime would read it as midnight).
        day = parse_date(value) if len(value) == 10 else None
        if day is not None:
            moment = datetime.datetime.combine(day, datetime.time.max if end else datetime.time.min)
        else:
            moment = parse_datetime(value)
    except ValueError:
        moment = None
    if moment is None:
        raise Open311Error(
            400,
            _("%(name)s must be a date or a date and time (W3C format, e.g. %(example)s).")
            % {"name": name, "example": "2026-11-01T00:00:00+08:00"},
        )
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=TZ)


def _window(request) -> tuple[datetime.datetime, datetime.datetime]:
    start = _moment(request.GET.get("start_date", ""), "start_date")
    end = _moment(request.GET.get("end_date", ""), "end_date", end=True)
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        start = end - MAX_SPAN
    if end is None:
        end = start + MAX_SPAN
    if end < start:
        raise Open311Error(400, _("end_date is before start_date."))
    if end - start > MAX_SPAN:
        raise Open311Error(400, _("start_date and end_date may not span more than 90 days."))
    return start, end


def _list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _codes(request) -> list[int]:
    codes = _list(request.GET.get("service_code", ""))
    if not all(code.isascii() and code.isdigit() for code in codes):
        raise Open311Error(400, _("service_code takes codes from services.json."))
    return [int(code) for code in codes]


def _status(request) -> str:
    statuses = set(_list(request.GET.get("status", "").lower()))
    if not statuses <= {"open", "closed"}:
        raise Open311Error(400, _("status is open, closed or both."))
    return statuses.pop() if len(statuses) == 1 else ""


def _rounded(value: Decimal | None) -> float | None:
    if value is None:
        return None
    return float(value.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP))


def _request_json(row: dict) -> dict:
    parent = row["category__parent__name"]
    place = [row["town__name"], row["village__name"]]
    return {
        "service_request_id": row["number"],
        "status": "closed" if row["state"] in FINAL_STATES else "open",
        "status_notes": str(STATE_LABELS.get(row["state"], row["state"])),
        "service_name": f"{parent} / {row['category__name']}" if parent else row["category__name"],
        "service_code": str(row["category_id"]),
        "description": None,
        "agency_responsible": row["lead_unit__department__name"] or row["lead_unit__village__name"],
        "service_notice": None,
        "requested_datetime": iso_time(row["created_at"]),
        "updated_datetime": iso_time(row["updated_at"]),
        "expected_datetime": iso_time(row["reply_due"]),
        "address": " ".join(part for part in place if part),
        "address_id": None,
        "zipcode": None,
        "lat": _rounded(row["lat"]),
        "long": _rounded(row["lng"]),
        "media_url": None,
    }


@open311_view
def services(request):
    town = _jurisdiction(request)
    return [
        {
            "service_code": str(category.pk),
            "service_name": category.name,
            "description": (
                f"{category.parent.name} / {category.name}" if category.parent else category.name
            ),
            "metadata": False,
            "type": "realtime",
            "keywords": "",
            "group": category.parent.name if category.parent else category.name,
        }
        for category in open311_services(town=town)
    ]


@open311_view
def requests(request):
    town = _jurisdiction(request)
    numbers = _list(request.GET.get("service_request_id", ""))
    if numbers:
        # The spec: with service_request_id, the other filters are ignored.
        rows = open311_requests(town=town, numbers=numbers[:MAX_REQUESTS], limit=MAX_REQUESTS)
    else:
        start, end = _window(request)
        rows = open311_requests(
            town=town,
            codes=_codes(request),
            status=_status(request),
            start=start,
            end=end,
            limit=MAX_REQUESTS,
        )
    return [_request_json(row) for row in rows]


@open311_view
def request_detail(request, number: str):
    town = _jurisdiction(request)
    rows = list(open311_requests(town=town, numbers=[number], limit=1))
    if not rows:
        raise Open311Error(404, _("No such service request."))
    return [_request_json(rows[0])]
