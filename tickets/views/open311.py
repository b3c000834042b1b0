"""The read side of Open311 GeoReport v2, at /open311/v2/ (https://wiki.open311.org/GeoReport_v2).

    GET discovery.{json,xml}              where the endpoints are
    GET services.{json,xml}               the categories, as services
    GET requests.{json,xml}               orders: service_request_id, service_code, status,
                                          start_date, end_date (at most 90 days, default the
                                          last 90), newest first, a page at a time
    GET requests/<number>.{json,xml}      one order (a list of one, as the spec has it)

Anonymous, GET only, JSON and XML (the spec's default format; both validated against the
spec's field list in the tests). `jurisdiction_id` is the town's code; it may be left out
while the install serves one town, as the spec allows. Every query parameter is parsed by
`RequestsQuery` (tickets/api_schemas.py, the model /api/openapi.json is generated from): a
malformed one, a date outside 2000–2099 or an impossible one (2026-02-30), a parameter given
twice, answers 400 with the spec's error list naming it.

Paging: `page` (from 1, at most 1000) and `page_size` (default 100, at most 1000, stated in
the `X-Page-Size-Max` header); a `Link: <…>; rel="next"` header when another page follows.

Nothing personal leaves through here. Decisions:
- no caller name or phone, ever; no house-level address: `address` is the town and village;
- lat/long rounded to 3 decimals (about 100 m), so a point marks a neighbourhood, not a house;
- `description` is a public summary of the order's description (`public_summary`): the
  caller's recorded name (and given name), names after a cue word (姓名, 联系人, 户主 …) or
  before an honorific (王先生 → 某先生), every run of five or more digits (phone and ID
  numbers), house, flat and floor numbers (18号3单元502室 → ＊号＊单元＊室) and e-mail
  addresses are replaced, and it is cut to 200 characters. A name written with no such cue
  is not recognised: the summary is a best effort, which is why title and reply (staff text
  that names units and people) are not published at all;
- `media_url` is always null: photos can show faces, number plates and door numbers, and no
  automatic step removes them;
- the status note is the order's stage ("Dispatched", "Closed"), in English unless the
  request's Accept-Language prefers Chinese; `agency_responsible` is the lead unit, a public
  body; `expected_datetime` is the reply deadline.
"""

import datetime
import re
import xml.etree.ElementTree as ET  # noqa: S405 - building XML only; tests parse with defusedxml
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import wraps

from django.core.exceptions import NON_FIELD_ERRORS, SuspiciousOperation
from django.http import HttpResponse, JsonResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from grids.models import Town
from huaisi.edge import EdgeError, api_language, day_or_moment, general, parse, query_dict

from ..api_schemas import (
    MAX_PAGE_SIZE,
    NUMBER_PATTERN,
    Discovery,
    Open311Query,
    RequestsQuery,
    Service,
    ServiceRequest,
)
from ..models import FINAL_STATES, State
from ..selectors import open311_requests, open311_services
from .api import iso_time

MAX_SPAN = datetime.timedelta(days=90)
STATE_LABELS = dict(State.choices)
SUMMARY_LENGTH = 200
NUMBER = re.compile(NUMBER_PATTERN)
# The date this read side last changed its fields (the discovery document's changeset).
CHANGESET = "2026-12-07T00:00:00+08:00"


@dataclass
class Answer:
    """A view's data and how it is named in XML: a list of ITEM elements inside ROOT, or one
    ROOT element when DATA is a dict."""

    data: list | dict
    root: str
    item: str = ""
    status: int = 200
    headers: dict = field(default_factory=dict)


# --- Rendering -------------------------------------------------------------------------------

# Characters XML 1.0 cannot carry (control characters other than tab and line breaks).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_value(parent: ET.Element, name: str, value) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, item in value.items():
            _xml_value(element, key, item)
    elif isinstance(value, list):
        # The spec's lists: <endpoints><endpoint>…</endpoint></endpoints>, <formats><format>.
        for item in value:
            _xml_value(element, name.removesuffix("s"), item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _NOT_XML.sub("", str(value))


def to_xml(answer: Answer) -> bytes:
    root = ET.Element(answer.root)
    if isinstance(answer.data, dict):
        for key, value in answer.data.items():
            _xml_value(root, key, value)
    else:
        for row in answer.data:
            _xml_value(root, answer.item, row)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _render(answer: Answer, fmt: str) -> HttpResponse:
    if fmt == "xml":
        response = HttpResponse(
            to_xml(answer), status=answer.status, content_type="text/xml; charset=utf-8"
        )
    else:
        response = JsonResponse(
            answer.data,
            status=answer.status,
            safe=False,
            json_dumps_params={"ensure_ascii": False},
        )
    for name, value in answer.headers.items():
        response.headers[name] = value
    return response


def _error_answer(error: EdgeError) -> Answer:
    """The spec's error list: one {code, description} per message, naming its parameter."""
    rows = [
        {
            "code": error.status,
            "description": message if name == NON_FIELD_ERRORS else f"{name}: {message}",
        }
        for name, messages in error.errors.items()
        for message in messages
    ]
    return Answer(rows, "errors", "error", status=error.status, headers=error.headers)


def open311_view(view):
    """GET only, the caller's language, JSON or XML as the path asks, the spec's error list
    for every refusal, public caching and CORS."""

    @wraps(view)
    def wrapped(request, *args, fmt: str = "json", **kwargs):
        with translation.override(api_language(request)):
            try:
                if request.method != "GET":
                    raise EdgeError(
                        405,
                        general(_("Method not allowed: use %(methods)s.") % {"methods": "GET"}),
                        headers={"Allow": "GET"},
                    )
                answer = view(request, *args, **kwargs)
            except EdgeError as error:
                answer = _error_answer(error)
            except SuspiciousOperation:
                answer = _error_answer(EdgeError(400, general(_("The request is malformed."))))
            response = _render(answer, fmt)
            response.headers["Content-Language"] = translation.get_language()
        # Public data, meant for any civic web page to fetch.
        response.headers["Access-Control-Allow-Origin"] = "*"
        if response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=60"
        return response

    # Read-only and anonymous: no session, so no cross-site request to forge.
    return csrf_exempt(wrapped)


# --- Reading the query ----------------------------------------------------------------------


def _query(request, model):
    return parse(model, query_dict(request, list(model.model_fields)))


def _jurisdiction(query: Open311Query) -> Town:
    code = (query.jurisdiction_id or "").strip()
    towns = Town.objects.filter(code=code) if code else Town.objects.all()
    found = list(towns.order_by("pk")[:2])
    if not found:
        raise EdgeError(404, {"jurisdiction_id": [_("No such jurisdiction_id.")]})
    if len(found) > 1:
        raise EdgeError(
            400, {"jurisdiction_id": [_("Give jurisdiction_id: this server serves several towns.")]}
        )
    return found[0]


def _window(query: RequestsQuery) -> tuple[datetime.datetime, datetime.datetime]:
    start = day_or_moment(query.start_date) if query.start_date else None
    end = day_or_moment(query.end_date, end=True) if query.end_date else None
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        start = end - MAX_SPAN
    if end is None:
        end = start + MAX_SPAN
    if end < start:
        raise EdgeError(400, {"end_date": [_("end_date is before start_date.")]})
    if end - start > MAX_SPAN:
        raise EdgeError(
            400, {"end_date": [_("start_date and end_date may not span more than 90 days.")]}
        )
    return start, end


def _list(value: str | None) -> list[str]:
    return [part for part in (value or "").split(",") if part]


# --- The public face of an order --------------------------------------------------------------

_COMPOUND_SURNAMES = "欧阳|司马|诸葛|上官|东方|皇甫|令狐|慕容|夏侯|尉迟|公孙|长孙|宇文|司徒|端木|独孤|南宫|西门|呼延|轩辕"
_HONORIFICS = (
    "先生|女士|小姐|师傅|老师|大爷|大妈|大娘|大伯|大叔|阿姨|奶奶|爷爷|老伯|大哥|大姐|同志|老板"
)
_SURNAME_BEFORE_HONORIFIC = re.compile(
    rf"(?:{_COMPOUND_SURNAMES}|[\u4e00-\u9fff])(?=(?:{_HONORIFICS}))"
)
_NAME_AFTER_CUE = re.compile(
    r"(姓名|名叫|叫做|户主|联系人|来电人|报告人|反映人|当事人|业主|租户)([:：是为\s]*)[\u4e00-\u9fff·]{2,3}"
)
_DIGIT_RUN = re.compile(r"[0-9](?:[\s-]?[0-9]){4,}[Xx]?")
_HOUSE_NUMBER = re.compile(
    r"[0-9一二三四五六七八九十百零〇两]+(?=\s*(?:号|室|单元|栋|幢|层|楼|弄|户))"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
MASK = "＊"
# Full-width digits, letters and @ read as ASCII, so ０１２ is a number like 012; full-width
# punctuation stays as the writer typed it.
_FULL_WIDTH = {
    code: code - 0xFEE0
    for start, end in (("０", "９"), ("＠", "Ｚ"), ("ａ", "ｚ"))
    for code in range(ord(start), ord(end) + 1)
}


def public_summary(text: str, *, names: tuple[str, ...] = ()) -> str | None:
    """TEXT with personal data replaced (see the module's docstring), at most 200 characters;
    None when nothing is left to say. NAMES are people the order names (its caller)."""
    summary = (text or "").translate(_FULL_WIDTH).strip()
    for name in names:
        name = (name or "").translate(_FULL_WIDTH).strip()
        if len(name) < 2:
            continue
        given = re.sub(rf"^(?:{_COMPOUND_SURNAMES})", "", name)
        given = given[1:] if given == name else given
        for part in (name, given):
            if len(part) >= 2:
                summary = summary.replace(part, "某某")
    summary = _EMAIL.sub(MASK * 3, summary)
    summary = _DIGIT_RUN.sub(MASK * 3, summary)
    summary = _HOUSE_NUMBER.sub(MASK, summary)
    summary = _NAME_AFTER_CUE.sub(r"\1\2某某", summary)
    summary = _SURNAME_BEFORE_HONORIFIC.sub("某", summary)
    if len(summary) > SUMMARY_LENGTH:
        summary = summary[: SUMMARY_LENGTH - 1] + "…"
    return summary or None


def _rounded(value: Decimal | None) -> float | None:
    if value is None:
        return None
    return float(value.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP))


def _request_json(row: dict) -> dict:
    parent = row["category__parent__name"]
    place = [row["town__name"], row["village__name"]]
    return ServiceRequest(
        service_request_id=row["number"],
        status="closed" if row["state"] in FINAL_STATES else "open",
        status_notes=str(STATE_LABELS.get(row["state"], row["state"])),
        service_name=f"{parent} / {row['category__name']}" if parent else row["category__name"],
        service_code=str(row["category_id"]),
        description=public_summary(row["description"], names=(row["caller_name"],)),
        agency_responsible=row["lead_unit__department__name"] or row["lead_unit__village__name"],
        service_notice=None,
        requested_datetime=iso_time(row["created_at"]),
        updated_datetime=iso_time(row["updated_at"]),
        expected_datetime=iso_time(row["reply_due"]),
        address=" ".join(part for part in place if part),
        address_id=None,
        zipcode=None,
        lat=_rounded(row["lat"]),
        long=_rounded(row["lng"]),
        media_url=None,
    ).model_dump()


# --- Views ------------------------------------------------------------------------------------


@open311_view
def discovery(request):
    base = request.build_absolute_uri("/open311/v2/")
    return Answer(
        Discovery(
            changeset=CHANGESET,
            contact=_("The town's command centre (指挥中心)."),
            key_service=_("No key is needed: this server only reads."),
            endpoints=[
                {
                    "specification": "http://wiki.open311.org/GeoReport_v2",
                    "url": base,
                    "changeset": CHANGESET,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        ).model_dump(),
        "discovery",
    )


@open311_view
def services(request):
    town = _jurisdiction(_query(request, Open311Query))
    rows = [
        Service(
            service_code=str(category.pk),
            service_name=category.name,
            description=(
                f"{category.parent.name} / {category.name}" if category.parent else category.name
            ),
            metadata=False,
            type="realtime",
            keywords="",
            group=category.parent.name if category.parent else category.name,
        ).model_dump()
        for category in open311_services(town=town)
    ]
    return Answer(rows, "services", "service")


@open311_view
def requests(request):
    query = _query(request, RequestsQuery)
    town = _jurisdiction(query)
    numbers = _list(query.service_request_id)
    headers = {"X-Page-Size-Max": str(MAX_PAGE_SIZE)}
    if numbers:
        # The spec: with service_request_id, the other filters are ignored.
        rows = open311_requests(town=town, numbers=numbers[:MAX_PAGE_SIZE], limit=MAX_PAGE_SIZE)
        return Answer(
            [_request_json(row) for row in rows], "service_requests", "request", headers=headers
        )
    start, end = _window(query)
    offset = (query.page - 1) * query.page_size
    rows = list(
        open311_requests(
            town=town,
            codes=[int(code) for code in _list(query.service_code)],
            status="" if query.status in (None, "open,closed", "closed,open") else query.status,
            start=start,
            end=end,
            # One row past the page says whether another follows.
            limit=offset + query.page_size + 1,
        )[offset:]
    )
    if len(rows) > query.page_size:
        rows = rows[: query.page_size]
        following = request.GET.copy()
        following["page"] = str(query.page + 1)
        url = request.build_absolute_uri(f"{request.path}?{following.urlencode()}")
        headers["Link"] = f'<{url}>; rel="next"'
    return Answer(
        [_request_json(row) for row in rows], "service_requests", "request", headers=headers
    )


@open311_view
def request_detail(request, number: str):
    town = _jurisdiction(_query(request, Open311Query))
    rows = (
        list(open311_requests(town=town, numbers=[number], limit=1))
        if NUMBER.fullmatch(number)
        else []
    )
    if not rows:
        raise EdgeError(404, general(_("No such service request.")))
    return Answer([_request_json(rows[0])], "service_requests", "request")


@open311_view
def not_found(request, path: str = ""):
    raise EdgeError(404, general(_("Not found.")))
