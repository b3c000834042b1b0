"""What the intake API and Open311 accept and answer, as pydantic models.

The views parse every body and query string through these models, and `/api/openapi.json` is
generated from the same models (`openapi_document`), so the published contract cannot drift
from the checks the code makes. Field types come from `huaisi.edge` (storable text, bounded
numbers, dates of 2000–2099).

Why pydantic alone and not django-ninja: ninja would bring its own router, authentication
and error shape (422 with a "detail" list) to two endpoints whose contract clients already
rely on (400 with messages per field, 409 with the first order's number, 401 naming
nothing), and the views stay thin function views as everywhere else. pydantic gives what
ninja would have been for: the typed parse and the JSON Schema. Not measured: the decision
does not rest on speed (parsing one order is microseconds beside its database writes).
"""

from typing import Annotated, Any, Literal

from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import models_json_schema

from huaisi.edge import DAY_OR_MOMENT_HINT, DAY_OR_MOMENT_PATTERN, Integer, Moment, Number, Text

from .models import Source, State, Urgency

API_SOURCES = (Source.HOTLINE.value, Source.MAYOR.value)
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100
MAX_PAGE = 1000
# Our order numbers (HS + date + sequence) and the town codes are short and plain.
NUMBER_PATTERN = r"^[A-Za-z0-9-]{1,40}$"
# What the service keeps of a phone number once spaces and a +86 prefix are tidied away:
# a digit, then 2–19 more digits or dashes.
PHONE_PATTERN = r"^(?:(?:\+86)?[0-9](?: ?[0-9-]){2,19})?$"
PHONE_HINT = _("Enter a phone number in digits, for example 13912345678.")
CODE = Text(18, pattern=r"^[0-9]{1,18}$", hint=_("Must be a whole number."))


# --- The intake API ------------------------------------------------------------------------


class OrderIn(BaseModel):
    """An order from the city platform. Fields not listed are ignored; null is the same as
    leaving an optional field out."""

    model_config = ConfigDict(
        extra="ignore",
        title="OrderIn",
        json_schema_extra={
            "examples": [
                {
                    "source": "hotline",
                    "upstream_number": "YZ-2026-000123",
                    "upstream_deadline": "2026-12-01T17:30:00+08:00",
                    "category": 1,
                    "urgency": "urgent",
                    "title": "田间焚烧秸秆",
                    "description": "村东田里有人焚烧秸秆，浓烟很大。",
                    "caller_name": "王先生",
                    "caller_phone": "13912345678",
                    "address": "第1村东头",
                    "lat": 32.456789,
                    "lng": 119.412345,
                }
            ]
        },
    )

    source: Literal[API_SOURCES] = Field(description="hotline: 12345; mayor: 寄语市长.")
    upstream_number: Text(40, blank=False) = Field(  # type: ignore[valid-type]
        description="The city platform's number: the idempotency key with `source`."
    )
    upstream_deadline: Moment | None = Field(
        None, description="The platform's deadline; without an offset, the town's time (+08:00)."
    )
    category: Integer(1, 2**63 - 1) | CODE = Field(  # type: ignore[valid-type]
        description="A service_code from /open311/v2/services.json."
    )
    urgency: Literal[tuple(Urgency.values)] | None = Field(None, description="Default normal.")
    title: Text(120, blank=False)  # type: ignore[valid-type]
    description: Text(5000, blank=False)  # type: ignore[valid-type]
    caller_name: Text(50) | None = None  # type: ignore[valid-type]
    caller_phone: Text(30, pattern=PHONE_PATTERN, hint=PHONE_HINT) | None = Field(  # type: ignore[valid-type]
        None, description="Digits, dashes and single spaces, optionally after +86."
    )
    village: Text(100) | None = Field(  # type: ignore[valid-type]
        None, description="The village's or community's code or name."
    )
    address: Text(200) | None = None  # type: ignore[valid-type]
    lat: Number(-90, 90) | None = Field(None, description="Give both lat and lng, or neither.")  # type: ignore[valid-type]
    lng: Number(-180, 180) | None = None  # type: ignore[valid-type]


class OrderOut(BaseModel):
    model_config = ConfigDict(title="Order")

    number: str
    url: str
    source: Literal[API_SOURCES]
    upstream_number: str
    status: Literal[tuple(State.values)]
    status_label: str
    received_at: str = Field(json_schema_extra={"format": "date-time"})
    lead_unit: str | None
    reply: str | None = Field(description="Given once the command centre approved it.")
    replied_at: str | None = Field(json_schema_extra={"format": "date-time"})
    closed_at: str | None = Field(json_schema_extra={"format": "date-time"})


class Errors(BaseModel):
    """Every refusal: messages per field ("__all__" for the request as a whole), in English
    unless Accept-Language prefers Chinese."""

    model_config = ConfigDict(title="Errors")

    errors: dict[str, list[str]]
    number: str | None = Field(None, description="409: the order first received.")


# --- Open311 GeoReport v2 ----------------------------------------------------------------------


TOWN_CODE = Text(32, pattern=r"^[A-Za-z0-9_-]{0,32}$", hint=_("A town's code."))
NUMBERS = Text(
    2000,
    pattern=r"^[A-Za-z0-9-]{1,40}(?:,[A-Za-z0-9-]{1,40})*$",
    hint=_("Order numbers separated by commas."),
)
CODES = Text(
    500,
    pattern=r"^[0-9]{1,18}(?:,[0-9]{1,18})*$",
    hint=_("service_code takes codes from services.json."),
)
DAY_OR_MOMENT = Text(40, pattern=DAY_OR_MOMENT_PATTERN, hint=DAY_OR_MOMENT_HINT)
STATUSES = Text(
    20, pattern=r"^(?:open|closed)(?:,(?:open|closed))?$", hint=_("status is open, closed or both.")
)


class Open311Query(BaseModel):
    model_config = ConfigDict(extra="ignore", title="Open311Query")

    jurisdiction_id: TOWN_CODE | None = None  # type: ignore[valid-type]


class RequestsQuery(Open311Query):
    model_config = ConfigDict(extra="ignore", title="RequestsQuery")

    service_request_id: NUMBERS | None = None  # type: ignore[valid-type]
    service_code: CODES | None = None  # type: ignore[valid-type]
    start_date: DAY_OR_MOMENT | None = None  # type: ignore[valid-type]
    end_date: DAY_OR_MOMENT | None = None  # type: ignore[valid-type]
    status: STATUSES | None = None  # type: ignore[valid-type]
    page: Annotated[int, Field(ge=1, le=MAX_PAGE)] = 1
    page_size: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE


class Service(BaseModel):
    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: Literal["realtime", "batch", "blackbox"]
    keywords: str
    group: str


class ServiceRequest(BaseModel):
    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str | None
    service_name: str
    service_code: str
    description: str | None = Field(
        description="A public summary: the order's text with names, phone and ID numbers, "
        "house numbers and e-mail addresses replaced, at most 200 characters."
    )
    agency_responsible: str | None
    service_notice: str | None
    requested_datetime: str | None = Field(json_schema_extra={"format": "date-time"})
    updated_datetime: str | None = Field(json_schema_extra={"format": "date-time"})
    expected_datetime: str | None = Field(json_schema_extra={"format": "date-time"})
    address: str | None
    address_id: str | None
    zipcode: str | None
    lat: float | None
    long: float | None
    media_url: str | None = Field(description="Always null: photos can show faces.")


class Open311Error(BaseModel):
    code: int
    description: str


class Endpoint(BaseModel):
    specification: str
    url: str
    changeset: str
    type: Literal["production", "test"]
    formats: list[str]


class Discovery(BaseModel):
    changeset: str
    contact: str
    key_service: str
    endpoints: list[Endpoint]


# --- The OpenAPI document ---------------------------------------------------------------------

COMPONENTS = "#/components/schemas/{model}"


def _ref(model: type[BaseModel], *, many: bool = False) -> dict:
    ref = {"$ref": COMPONENTS.format(model=model.__name__)}
    return {"type": "array", "items": ref} if many else ref


def _json(schema: dict, description: str, headers: dict | None = None) -> dict:
    answer: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }
    if headers:
        answer["headers"] = headers
    return answer


def _query_parameters(model: type[BaseModel], schemas: dict) -> list[dict]:
    """A query model's fields as parameters: a query string has no null, so an optional
    field is its non-null branch, left out when not given."""
    parameters = []
    for name, prop in schemas[model.__name__]["properties"].items():
        branches = [b for b in prop.get("anyOf", [prop]) if b.get("type") != "null"]
        schema = {k: v for k, v in branches[0].items() if k not in ("default", "title")}
        parameters.append({"name": name, "in": "query", "required": False, "schema": schema})
    return parameters


def _language_header() -> dict:
    return {
        "name": "Accept-Language",
        "in": "header",
        "required": False,
        "description": "zh-Hans (or any zh) for messages in Chinese; English otherwise.",
        "schema": {"type": "string"},
    }


def openapi_document() -> dict:
    """The OpenAPI 3.1 document of the intake API and the Open311 read side."""
    models = [OrderIn, OrderOut, Errors, Service, ServiceRequest, Open311Error, Discovery]
    _top, defs = models_json_schema(
        [(model, "validation") for model in models], ref_template=COMPONENTS
    )
    schemas = dict(defs["$defs"])
    for query in (Open311Query, RequestsQuery):
        schemas[query.__name__] = query.model_json_schema(ref_template=COMPONENTS)
    errors = _ref(Errors)
    open311_errors = _ref(Open311Error, many=True)
    number = {
        "name": "number",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": NUMBER_PATTERN},
    }
    auth_errors = {
        "401": _json(errors, "No valid token."),
        "429": _json(errors, "Over the client's rate; Retry-After says when to try again."),
    }
    page_headers = {
        "X-Page-Size-Max": {
            "description": f"The largest page_size accepted ({MAX_PAGE_SIZE}).",
            "schema": {"type": "integer"},
        },
        "Link": {
            "description": 'rel="next" when another page follows.',
            "schema": {"type": "string"},
        },
    }
    open311_get = {
        "400": _json(open311_errors, "A parameter is malformed or out of range."),
        "404": _json(open311_errors, "No such jurisdiction or request."),
    }
    jurisdiction = _query_parameters(Open311Query, schemas)
    order_link = {
        "read": {"operationId": "orderRead", "parameters": {"number": "$response.body#/number"}}
    }
    document = {
        "openapi": "3.1.0",
        "info": {
            "title": "Huaisi intake API and Open311 GeoReport v2",
            "version": "1",
            "description": (
                "The city platform's intake API (a bearer token per client) and the public "
                "read side of Open311 GeoReport v2. Every error is JSON naming the fields. "
                "Bodies are at most 1 MB and nested at most 16 deep; dates lie in 2000–2099. "
                "400: the request breaks this schema; 422: well-formed, but it names a "
                "category or village the town does not have, or half a position. Open311 also "
                "answers in XML at the same paths ending in .xml."
            ),
        },
        "components": {
            "schemas": {k: v for k, v in schemas.items() if not k.endswith("Query")},
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
        },
        "paths": {
            "/api/hotline/orders": {
                "post": {
                    "operationId": "orderCreate",
                    "summary": "Receive an order (idempotent on source and upstream_number)",
                    "security": [{"token": []}],
                    "parameters": [_language_header()],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref(OrderIn)}},
                    },
                    "responses": {
                        "201": {**_json(_ref(OrderOut), "Received."), "links": order_link},
                        "200": {
                            **_json(_ref(OrderOut), "Received before with the same content."),
                            "links": order_link,
                        },
                        "400": _json(errors, "The body breaks the schema."),
                        "409": _json(errors, "The number was received with other content."),
                        "411": _json(errors, "No Content-Length."),
                        "413": _json(errors, "The body is over 1 MB."),
                        "415": _json(errors, "Not JSON."),
                        "422": _json(errors, "Unknown category or village, or half a position."),
                        **auth_errors,
                    },
                }
            },
            "/api/hotline/orders/{number}": {
                "get": {
                    "operationId": "orderRead",
                    "summary": "An order's status and reply",
                    "security": [{"token": []}],
                    "parameters": [number, _language_header()],
                    "responses": {
                        "200": _json(_ref(OrderOut), "The order."),
                        "404": _json(errors, "No such order of the client's town."),
                        **auth_errors,
                    },
                }
            },
            "/open311/v2/discovery.json": {
                "get": {
                    "operationId": "open311Discovery",
                    "summary": "The discovery document",
                    "responses": {"200": _json(_ref(Discovery), "Where the endpoints are.")},
                }
            },
            "/open311/v2/services.json": {
                "get": {
                    "operationId": "open311Services",
                    "summary": "The town's categories, as services",
                    "parameters": [*jurisdiction, _language_header()],
                    "responses": {
                        "200": _json(_ref(Service, many=True), "The services."),
                        **open311_get,
                    },
                }
            },
            "/open311/v2/requests.json": {
                "get": {
                    "operationId": "open311Requests",
                    "summary": "Orders, newest first, a page at a time",
                    "description": (
                        "start_date and end_date span at most 90 days (default: the last 90). "
                        f"page_size is at most {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE})."
                    ),
                    "parameters": [
                        *_query_parameters(RequestsQuery, schemas),
                        _language_header(),
                    ],
                    "responses": {
                        "200": {
                            **_json(_ref(ServiceRequest, many=True), "One page.", page_headers),
                            "links": {
                                "first": {
                                    "operationId": "open311Request",
                                    "parameters": {
                                        "service_request_id": "$response.body#/0/service_request_id"
                                    },
                                }
                            },
                        },
                        **open311_get,
                    },
                }
            },
            "/open311/v2/requests/{service_request_id}.json": {
                "get": {
                    "operationId": "open311Request",
                    "summary": "One order (a list of one, as the specification has it)",
                    "parameters": [
                        {**number, "name": "service_request_id"},
                        *jurisdiction,
                        _language_header(),
                    ],
                    "responses": {
                        "200": _json(_ref(ServiceRequest, many=True), "The order."),
                        **open311_get,
                    },
                }
            },
        },
    }
    return document
