"""The edge where the outside world's input comes in: typed values first, JSON errors always.

Reusable by every JSON endpoint (the intake API, Open311, the inspection outbox):

- `Text(...)`, `Choice(...)`, `Integer(...)`, `Number(...)`, `Moment`, `Day`: pydantic field
  types whose checks and OpenAPI schema come from one declaration, so the published contract
  is the one the code enforces. Text refuses NUL (PostgreSQL cannot store it) and lone
  surrogates (not UTF-8); `blank=False` text refuses empty and whitespace-only values.
- `load_json_body(request)`: the body as JSON, bounded in size (`MAX_BODY_BYTES`) and nesting
  depth (`MAX_DEPTH`, checked on the raw bytes before `json.loads` could recurse), NaN and
  Infinity refused (they are not JSON).
- `parse(model, data)`: a pydantic model from a dict, or `EdgeError` naming each bad field
  with a message in the active language (pydantic's own messages are English only).
- `json_error(errors, status)`: the one error shape, `{"errors": {"field": ["message"]}}`.
- `json_edge`: a view decorator that turns `EdgeError`, Django's own refusals of a request
  (too many fields, a body over Django's limit, 404) into that JSON shape.

Dates are limited to 2000-01-01 … 2099-12-31: nothing the town handles lies outside, and
every moment in that range survives a time-zone shift (year 9999 would not).
"""

import datetime
import json
import re
from collections.abc import Callable
from functools import wraps
from typing import Annotated, Any, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation.trans_real import parse_accept_lang_header
from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, Strict, ValidationError

M = TypeVar("M", bound=BaseModel)

MAX_BODY_BYTES = 1024 * 1024
MAX_DEPTH = 16
FIRST_DAY = datetime.date(2000, 1, 1)
LAST_DAY = datetime.date(2099, 12, 31)

# JSON Schema (ECMA-262) and Python both read these patterns; they state in the published
# schema what the validators below enforce.
NO_NUL = r"^[^\u0000]*$"
NOT_BLANK = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
# A calendar date of 2000–2099 (29 February in leap years only), optionally a time and an
# offset; W3C / ISO 8601 as Open311 and the city platform write them.
_DAY = (
    r"20[0-9]{2}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    r"|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    r"|02-(?:0[1-9]|1[0-9]|2[0-8]))"
    r"|20(?:[02468][048]|[13579][26])-02-29"
)
_TIME = r"T(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?"
_OFFSET = r"(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
DAY_PATTERN = rf"^(?:{_DAY})$"
MOMENT_PATTERN = rf"^(?:{_DAY}){_TIME}{_OFFSET}?$"
DAY_OR_MOMENT_PATTERN = rf"^(?:{_DAY})(?:{_TIME}{_OFFSET}?)?$"
_DAY_OR_MOMENT = re.compile(DAY_OR_MOMENT_PATTERN)
MOMENT_HINT = gettext_lazy(
    "Give a date and time of 2000–2099 in ISO 8601, for example 2026-12-01T17:30:00+08:00."
)
DAY_OR_MOMENT_HINT = gettext_lazy(
    "Give a date of 2000–2099, or a date and time (W3C format, for example 2026-11-01 or "
    "2026-11-01T00:00:00+08:00)."
)
_MOMENT = re.compile(MOMENT_PATTERN)


class EdgeError(Exception):
    """A request refused at the edge: the HTTP status and the messages per field."""

    def __init__(
        self, status: int, errors: dict[str, list[str]], *, headers: dict | None = None, **extra
    ):
        super().__init__(errors)
        self.status = status
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra

    def response(self) -> JsonResponse:
        response = json_error(self.errors, self.status, **self.extra)
        for name, value in self.headers.items():
            response.headers[name] = value
        return response


def api_language(request) -> str:
    """English, unless the caller's first choice of language is Chinese: an API's reader is a
    program and its developers, not the town's staff (whose pages follow the cookie)."""
    choices = parse_accept_lang_header(request.headers.get("Accept-Language", "")[:500])
    return "zh-hans" if choices and choices[0][0].startswith("zh") else "en"


def json_response(data, status: int = 200) -> JsonResponse:
    # Chinese stays readable in the body (UTF-8), not \u-escaped.
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def json_error(errors: dict[str, list[str]], status: int, **extra) -> JsonResponse:
    return json_response({"errors": errors, **extra}, status=status)


def general(message: str) -> dict[str, list[str]]:
    return {NON_FIELD_ERRORS: [message]}


# --- Text ----------------------------------------------------------------------------------


def text_problem(value: str) -> str | None:
    """Why VALUE cannot be stored as text, or None: NUL, or a lone surrogate."""
    if "\x00" in value:
        return _("Must not contain the NUL character (\\u0000).")
    if any("\ud800" <= c <= "\udfff" for c in value):
        return _("Must not contain a lone surrogate (\\ud800–\\udfff): send UTF-8 text.")
    return None


class Refused(ValueError):
    """A validator's refusal: CODE picks the message (`_MESSAGES`), HINT a lazy one. Both live
    in `args`, which is what survives pydantic copying the exception into its error list."""

    def __init__(self, code: str, hint=None):
        super().__init__(code, hint)

    @property
    def code(self) -> str:
        return self.args[0]

    @property
    def hint(self):
        return self.args[1]


def _storable(value: str) -> str:
    if "\x00" in value:
        raise Refused("text_nul")
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise Refused("text_blank")
    return value


def _matching(pattern: str, hint) -> Callable[[str], str]:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        # fullmatch: a trailing newline does not slip past "$" as it would with re.match.
        if not compiled.fullmatch(value):
            raise Refused("text_format", hint)
        return value

    return check


def Text(  # noqa: N802
    max_length: int, *, blank: bool = True, pattern: str | None = None, hint=None
) -> Any:
    """A string of at most MAX_LENGTH characters, storable; not blank unless BLANK; matching
    PATTERN (the refusal says HINT, a lazy translation) when given."""
    validators = [AfterValidator(_storable)]
    if not blank:
        validators.append(AfterValidator(_not_blank))
    if pattern:
        validators.append(AfterValidator(_matching(pattern, hint)))
    return Annotated[
        str,
        Strict(),
        Field(max_length=max_length, min_length=0 if blank else 1),
        *validators,
        Field(json_schema_extra={"pattern": pattern or (NO_NUL if blank else NOT_BLANK)}),
    ]


def _integral(value):
    # JSON Schema counts 3.0 as an integer; Python's json reads it as a float.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def Integer(minimum: int, maximum: int) -> Any:  # noqa: N802
    """A JSON integer (3 or 3.0; not "3", not true/false) in [MINIMUM, MAXIMUM]."""
    return Annotated[int, Strict(), Field(ge=minimum, le=maximum), BeforeValidator(_integral)]


def Number(minimum: float, maximum: float) -> Any:  # noqa: N802
    """A JSON number (not a string, not true/false) in [MINIMUM, MAXIMUM]."""
    return Annotated[float, Strict(), Field(ge=minimum, le=maximum, allow_inf_nan=False)]


def _moment(value: str) -> datetime.datetime:
    if not _MOMENT.fullmatch(value):
        raise Refused("moment")
    parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    # A time without an offset is the town's, like everything the platform sends.
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


Moment = Annotated[
    str,
    Strict(),
    Field(max_length=40, json_schema_extra={"pattern": MOMENT_PATTERN}),
    AfterValidator(_moment),
]
"""A date and time of 2000–2099 (W3C, offset optional: the town's time without one)."""


def day_or_moment(value: str, *, end: bool = False) -> datetime.datetime | None:
    """A date (the whole day: its first or, with END, its last instant) or a date and time of
    2000–2099 in the town's time unless an offset is given; None when it is not one."""
    if not _DAY_OR_MOMENT.fullmatch(value):
        return None
    if len(value) == 10:
        day = datetime.date.fromisoformat(value)
        moment = datetime.datetime.combine(day, datetime.time.max if end else datetime.time.min)
    else:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


# --- Errors in the caller's language ----------------------------------------------------------

_MESSAGES: dict[str, Callable[[dict], str]] = {
    "missing": lambda ctx: _("This field is required."),
    "string_type": lambda ctx: _("Must be a string."),
    "string_unicode": lambda ctx: _(
        "Must not contain a lone surrogate (\\ud800–\\udfff): send UTF-8 text."
    ),
    "text_nul": lambda ctx: _("Must not contain the NUL character (\\u0000)."),
    "text_blank": lambda ctx: _("This field may not be blank."),
    "string_too_long": lambda ctx: _("At most %(n)s characters.") % {"n": ctx["max_length"]},
    "string_too_short": lambda ctx: _("This field may not be blank."),
    "text_format": lambda ctx: str(ctx.get("hint") or _("Not in the expected format.")),
    "value_error": lambda ctx: _("This value is not valid."),
    "int_type": lambda ctx: _("Must be a whole number."),
    "int_from_float": lambda ctx: _("Must be a whole number."),
    "int_parsing": lambda ctx: _("Must be a whole number."),
    "float_type": lambda ctx: _("Must be a number."),
    "finite_number": lambda ctx: _("Must be a number."),
    "greater_than_equal": lambda ctx: _("Must be at least %(n)s.") % {"n": ctx["ge"]},
    "less_than_equal": lambda ctx: _("Must be at most %(n)s.") % {"n": ctx["le"]},
    "literal_error": lambda ctx: (
        _("Must be one of: %(choices)s.")
        % {"choices": ctx["expected"].replace("'", "").replace(" or ", ", ")}
    ),
    "moment": lambda ctx: str(MOMENT_HINT),
    "list_type": lambda ctx: _("Must be a list."),
    "too_long": lambda ctx: _("At most %(n)s items.") % {"n": ctx["max_length"]},
    "model_type": lambda ctx: _("The body must be one JSON object."),
    "model_attributes_type": lambda ctx: _("The body must be one JSON object."),
}


def _first_part(loc: tuple) -> str:
    return str(loc[0])


def field_errors(
    exc: ValidationError, *, locate: Callable[[tuple], str] = _first_part
) -> dict[str, list[str]]:
    """Pydantic's errors as {field: [messages]} in the active language; errors of the whole
    body under "__all__". A field named twice (a union's branches) keeps its first message.
    LOCATE names the field from pydantic's location (by default its first part)."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors(include_url=False, include_input=False):
        loc = error["loc"]
        field = locate(loc) if loc else NON_FIELD_ERRORS
        kind, ctx = error["type"], error.get("ctx") or {}
        refusal = ctx.get("error")
        if isinstance(refusal, Refused):
            kind, ctx = refusal.code, {"hint": refusal.hint}
        message = _MESSAGES.get(kind, _MESSAGES["value_error"])(ctx)
        if field not in errors:
            errors[field] = [message]
    return errors


def parse(model: type[M], data: object) -> M:
    """DATA as MODEL, or `EdgeError` (400) naming each bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise EdgeError(400, field_errors(exc)) from None


# --- Bodies -------------------------------------------------------------------------------------

_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = re.compile(rb"[^\[\]{}]+")
_INNERMOST = re.compile(rb"\[\]|\{\}")


def json_depth_within(raw: bytes, limit: int) -> bool:
    """Whether RAW nests arrays and objects at most LIMIT deep, strings' contents aside.

    Cheap and without recursion: a few regular-expression passes (C loops) over the bytes,
    each removing the innermost empty pairs; what is left after LIMIT passes is deeper."""
    brackets = _NOT_BRACKETS.sub(b"", _STRINGS.sub(b"", raw))
    for _pass in range(limit):
        if not brackets:
            return True
        brackets, count = _INNERMOST.subn(b"", brackets)
        if not count:
            # Unbalanced: json.loads says so.
            return True
    return not brackets


def _refuse_constant(name: str):
    raise ValueError(name)


def load_json_body(request, *, max_bytes: int = MAX_BODY_BYTES, max_depth: int = MAX_DEPTH):
    """The request's JSON body, or `EdgeError`: 411 without a length, 413 over MAX_BYTES (both
    before reading), 415 when not JSON, 400 when not valid UTF-8 JSON or nested deeper than
    MAX_DEPTH."""
    length = request.headers.get("Content-Length", "")
    if not (length.isascii() and length.isdigit()):
        raise EdgeError(411, general(_("Send a Content-Length header.")))
    if int(length) > max_bytes:
        raise EdgeError(
            413, general(_("The body is larger than %(size)s.") % {"size": _size(max_bytes)})
        )
    if (request.content_type or "") != "application/json":
        raise EdgeError(415, general(_("Send JSON (Content-Type: application/json).")))
    raw = request.body
    if not json_depth_within(raw, max_depth):
        raise EdgeError(
            400, general(_("The JSON is nested more than %(n)s levels deep.") % {"n": max_depth})
        )
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise EdgeError(400, general(_("The body is not valid JSON in UTF-8."))) from None


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{n // 1024} KB"


# --- Query strings ------------------------------------------------------------------------------


def query_dict(request, names: list[str], *, max_length: int = 2000) -> dict[str, str]:
    """The query parameters NAMES as single strings; a parameter given twice, or longer than
    MAX_LENGTH characters, is refused (400) rather than one of its values picked silently."""
    data: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for name in names:
        values = request.GET.getlist(name)
        if len(values) > 1:
            errors[name] = [_("Give this parameter once.")]
        elif values:
            problem = text_problem(values[0])
            if problem:
                errors[name] = [problem]
            elif len(values[0]) > max_length:
                errors[name] = [_("At most %(n)s characters.") % {"n": max_length}]
            else:
                data[name] = values[0]
    if errors:
        raise EdgeError(400, errors)
    return data


# --- Views --------------------------------------------------------------------------------------


def json_edge(view):
    """Whatever the request, a JSON answer: `EdgeError` as its status, Django's refusals of a
    malformed request (too many fields, a body over its limit) as 400/413, 404 as JSON."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except EdgeError as error:
            return error.response()
        except RequestDataTooBig:
            return json_error(general(_("The body is too large.")), 413)
        except SuspiciousOperation:
            return json_error(general(_("The request is malformed.")), 400)
        except Http404:
            return json_error(general(_("Not found.")), 404)

    return wrapped


def method_not_allowed(allowed: list[str]) -> JsonResponse:
    response = json_error(
        general(_("Method not allowed: use %(methods)s.") % {"methods": ", ".join(allowed)}), 405
    )
    response.headers["Allow"] = ", ".join(allowed)
    return response
