"""Pages of patrol inspections: the phone form (works offline, see static/js/inspections.js),
its submission endpoint, lists, details, photos, and visit coverage."""

import hashlib
import json
import uuid
from typing import Annotated

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    ValidationError,
)
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from pydantic import AfterValidator, BaseModel, ConfigDict
from pydantic import ValidationError as PydanticError

from grids.models import Grid
from grids.selectors import area_choices_for_user
from huaisi.access import get_for_user, require_capability, user_can, user_can_in
from huaisi.edge import Integer, Moment, Number, Refused, Text, field_errors, json_depth_within
from huaisi.list_filters import AreaChoices, AreaFilter, ResultCount, read_area, read_day
from huaisi.roles import Capability
from huaisi.uploads import serve_private_file
from huaisi.views import HtmxHttpRequest

from . import selectors
from .forms import MAX_PAYLOAD_BYTES, parse_submission
from .models import FindingOutcome, FindingType
from .services import InspectionConflict, can_report_in_grid, inspection_submit, visit_target_set

PAGE_SIZE = 30
COVERAGE_PAGE_SIZE = 50
# What the service worker keeps for the form to open without a connection.
OFFLINE_ASSETS = (
    "css/huaisi.css",
    "css/inspections.css",
    "js/inspections.js",
    "vendor/htmx-2.0.11/htmx.min.js",
    "img/favicon.svg",
)


def _may_see_inspections(user) -> bool:
    return user_can(user, Capability.VIEW_INSPECTIONS) or user_can(user, Capability.LOG_INSPECTIONS)


@require_GET
@login_required
@vary_on_headers("HX-Request")
def inspection_list(request: HtmxHttpRequest) -> HttpResponse:
    """The user's own inspections, or (`scope=area`) every one of their area; by the day it
    started (`date=YYYY-MM-DD`, Asia/Shanghai), village and grid."""
    if not _may_see_inspections(request.user):
        raise PermissionDenied
    can_view_area = user_can(request.user, Capability.VIEW_INSPECTIONS)
    mine = request.GET.get("scope") != "area" or not can_view_area
    notices: list[str] = []
    day = read_day(request.GET.get("date"), notices)
    # One's own inspections are few: the village and grid filters are for the area's list.
    choices, area = AreaChoices(), AreaFilter()
    if not mine:
        choices = area_choices_for_user(user=request.user, capability=Capability.VIEW_INSPECTIONS)
        area = read_area(request.GET, choices, notices)
    inspections = selectors.inspections_for_user(
        user=request.user, mine=mine, day=day, village_id=area.village_id, grid_id=area.grid_id
    )
    page = Paginator(inspections, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "result_count": ResultCount(n=page.paginator.count),
        "filter_notices": notices,
        "date": day.isoformat() if day else "",
        "area_choices": choices,
        "area": area,
        "mine": mine,
        "can_view_area": can_view_area,
        "can_log": user_can(request.user, Capability.LOG_INSPECTIONS),
        "can_see_coverage": can_view_area and user_can(request.user, Capability.VIEW_RESIDENTS),
    }
    template = "patrols/inspection_list.html"
    if request.htmx and request.htmx.target == "inspection-results":
        template += "#results"
    return render(request, template, context)


@require_GET
@login_required
def inspection_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    inspection = selectors.inspection_get_for_user(user=request.user, pk=pk)
    if user_can(request.user, Capability.VIEW_TICKETS):
        for finding in inspection.findings.all():
            if finding.order_id:
                try:
                    finding.order_url = reverse("order-detail", args=[finding.order_id])
                except NoReverseMatch:
                    # The work-order pages are not installed: the number is shown alone.
                    break
    return render(request, "patrols/inspection_detail.html", {"inspection": inspection})


@require_GET
@login_required
def inspection_create(request: HtmxHttpRequest) -> HttpResponse:
    """The phone form. Everything it needs is in the page (grids, households, labels), so the
    service worker's cached copy works without a connection."""
    require_capability(request.user, Capability.LOG_INSPECTIONS)
    grids = list(selectors.grids_for_logging(user=request.user))
    households = []
    if grids and user_can(request.user, Capability.VIEW_RESIDENTS):
        households = list(
            selectors.households_for_form(user=request.user, grid_ids=[g.pk for g in grids])
        )
    context = {
        "grids": grids,
        "households": households,
        "finding_types": FindingType.choices,
        "outcomes": FindingOutcome,
        "can_report": any(can_report_in_grid(request.user, g) for g in grids),
    }
    return render(request, "patrols/inspection_form.html", context)


def _inspection_json(inspection, *, status: str) -> dict:
    return {
        "status": status,
        "id": inspection.pk,
        "uuid": str(inspection.client_uuid),
        "url": reverse("inspection-detail", args=[inspection.pk]),
    }


# The inspection's JSON nests three deep (body, findings, a finding); 8 leaves room.
PAYLOAD_DEPTH = 8
# Ids as the phone's JavaScript can hold them exactly.
_ID_MAX = 2**53
_OptionalText = Text(10_000) | None


def _uuid_text(value: str) -> str:
    try:
        uuid.UUID(value)
    except ValueError:
        raise Refused("text_format", _NO_UUID) from None
    return value


_NO_UUID = gettext_lazy("The inspection has no valid id. Start a new one.")


def _refuse_constant(name: str):
    raise ValueError(name)


class _FindingPayload(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: _OptionalText = None
    description: _OptionalText = None
    outcome: _OptionalText = None
    fixed_note: _OptionalText = None
    lat: Number(-90, 90) | None = None
    lng: Number(-180, 180) | None = None
    accuracy: Number(0, 1e7) | None = None
    photos: Integer(0, 50) | None = None


class _InspectionPayload(BaseModel):
    """What the phone form's outbox sends (static/js/inspections.js, payloadOf), checked for
    types and storable text before parse_submission reads it: a wrong type is refused, never
    dropped. Lengths, choices and times are the service's rules, with its own messages; these
    bounds only keep out what it could not handle. Unknown keys are ignored (a newer client)."""

    model_config = ConfigDict(extra="ignore")
    uuid: Annotated[Text(64), AfterValidator(_uuid_text)]
    grid: Integer(1, _ID_MAX) | None = None
    place: _OptionalText = None
    started_at: Moment | None = None
    ended_at: Moment | None = None
    households: list[Integer(1, _ID_MAX)] | None = None
    findings: list[_FindingPayload] | None = None


def _payload_field(loc: tuple) -> str:
    """The form's field names, as the service names them: findings-0-description."""
    if len(loc) >= 3 and loc[0] == "findings" and isinstance(loc[1], int):
        part = {"lat": "position", "lng": "position"}.get(str(loc[2]), str(loc[2]))
        return f"findings-{loc[1]}-{part}"
    if len(loc) >= 2 and loc[0] == "findings" and isinstance(loc[1], int):
        return f"findings-{loc[1]}"
    return str(loc[0])


def _read_payload(request) -> bytes | str:
    """The submitted JSON, checked: one JSON object within MAX_PAYLOAD_BYTES and
    PAYLOAD_DEPTH, of the right types, with storable text; else ValidationError by field."""
    try:
        raw = request.POST.get("payload") if "payload" in request.POST else request.body
    except RequestDataTooBig:
        raise ValidationError({"payload": _("The inspection's text is too long.")}) from None
    except (SuspiciousOperation, MultiPartParserError):
        raise ValidationError(
            {"payload": _("The inspection could not be read. Try again.")}
        ) from None
    raw = raw or b""
    encoded = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if len(encoded) > MAX_PAYLOAD_BYTES:
        raise ValidationError({"payload": _("The inspection's text is too long.")})
    if not json_depth_within(encoded, PAYLOAD_DEPTH):
        raise ValidationError(
            {"payload": _("The JSON is nested more than %(n)s levels deep.") % {"n": PAYLOAD_DEPTH}}
        )
    try:
        text = raw if isinstance(raw, str) else raw.decode("utf-8")
        data = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise ValidationError(
            {"payload": _("The inspection could not be read. Try again.")}
        ) from None
    if not isinstance(data, dict):
        raise ValidationError({"payload": _("The inspection could not be read. Try again.")})
    try:
        _InspectionPayload.model_validate(data)
    except PydanticError as exc:
        errors = {k: " ".join(v) for k, v in field_errors(exc, locate=_payload_field).items()}
        for key in errors:
            # A finding that is not an object at all: say which, not "the body".
            if key.startswith("findings-") and key.count("-") == 1:
                errors[key] = _("Finding %(n)s could not be read.") % {"n": int(key[9:]) + 1}
        raise ValidationError(errors) from None
    return text


@require_POST
@login_required
def inspection_submit_view(request: HtmxHttpRequest) -> JsonResponse:
    """JSON in (`payload`, multipart with photos, or a JSON body), JSON out: 201 stored, 200
    the same inspection sent again, 409 the same id with other content, 400 refused (naming
    the field, in the page's language: the outbox shows the message to its user)."""
    if not user_can(request.user, Capability.LOG_INSPECTIONS):
        return JsonResponse(
            {"status": "forbidden", "message": _("Your roles do not include logging inspections.")},
            status=403,
        )
    try:
        raw = _read_payload(request)
        arguments = parse_submission(raw, request.FILES)
        inspection, created = inspection_submit(actor=request.user, **arguments)
    except InspectionConflict:
        return JsonResponse(
            {
                "status": "conflict",
                "message": _(
                    "An inspection with this id was already received with different content. "
                    "Nothing was changed; send this one as a new inspection."
                ),
            },
            status=409,
        )
    except ValidationError as exc:
        errors = (
            {k: " ".join(v) for k, v in exc.message_dict.items()}
            if hasattr(exc, "error_dict")
            else {"__all__": " ".join(exc.messages)}
        )
        return JsonResponse(
            {
                "status": "invalid",
                "message": _("The inspection was not saved: %(why)s")
                % {"why": " ".join(errors.values())},
                "errors": errors,
            },
            status=400,
        )
    return JsonResponse(
        _inspection_json(inspection, status="created" if created else "stored"),
        status=201 if created else 200,
    )


@require_GET
@never_cache
def inspection_service_worker(request) -> HttpResponse:
    """static/js/sw-inspections.js, served from inside /areas/inspections/ so its scope covers
    the form, with the form's address and its assets' (hashed) URLs filled in."""
    path = finders.find("js/sw-inspections.js")
    if path is None:
        from django.contrib.staticfiles.storage import staticfiles_storage

        with staticfiles_storage.open("js/sw-inspections.js") as handle:
            source = handle.read().decode()
    else:
        with open(path, encoding="utf-8") as handle:
            source = handle.read()
    assets = [static(name) for name in OFFLINE_ASSETS]
    page = reverse("inspection-create")
    version = hashlib.sha256(json.dumps([page, *assets, source]).encode()).hexdigest()[:12]
    source = (
        source.replace('"__VERSION__"', json.dumps(version))
        .replace('"__PAGE__"', json.dumps(page))
        .replace('["__ASSETS__"]', json.dumps(assets))
    )
    response = HttpResponse(source, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("inspection-list")
    return response


@require_GET
@login_required
def inspection_photo(request, pk: int, size: str = "full") -> HttpResponse:
    """A photo, for those who may see its inspection (photos show residents' homes)."""
    photo = selectors.photo_get_for_user(user=request.user, pk=pk)
    stored = photo.thumbnail if size == "thumb" else photo.image
    return serve_private_file(stored, content_type="image/jpeg")


@require_GET
@login_required
def coverage_list(request: HtmxHttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_INSPECTIONS)
    require_capability(request.user, Capability.VIEW_RESIDENTS)
    days = _days(request)
    rows = selectors.coverage_summary(user=request.user, days=days)
    return render(request, "patrols/inspection_coverage_list.html", {"rows": rows, "days": days})


def _days(request) -> int | None:
    try:
        days = int(request.GET.get("days", ""))
    except ValueError:
        return None
    return days if 1 <= days <= 3650 else None


@require_GET
@login_required
@vary_on_headers("HX-Request")
def grid_coverage(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    grid = get_for_user(
        request.user,
        Grid.objects.select_related("village", "visit_target"),
        pk=pk,
        capability=Capability.VIEW_INSPECTIONS,
    )
    require_capability(request.user, Capability.VIEW_RESIDENTS)
    days = _days(request)
    households = selectors.coverage_of_grid(user=request.user, grid=grid, days=days)
    page = Paginator(households, COVERAGE_PAGE_SIZE).get_page(request.GET.get("page"))
    every, care_every = selectors.visit_targets(grid)
    context = {
        "grid": grid,
        "page": page,
        "days": days,
        "every_days": every,
        "care_every_days": care_every,
        "may_set_targets": user_can_in(request.user, Capability.SET_VISIT_TARGETS, grid),
    }
    template = "patrols/inspection_coverage.html"
    if request.htmx and request.htmx.target == "coverage-results":
        template += "#results"
    return render(request, template, context)


@require_POST
@login_required
def visit_target_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Set the grid's visit targets from the coverage page; bad input redraws the page with
    the reasons and changes nothing."""
    grid = get_for_user(
        request.user,
        Grid.objects.select_related("village", "visit_target"),
        pk=pk,
        capability=Capability.VIEW_INSPECTIONS,
    )
    require_capability(request.user, Capability.SET_VISIT_TARGETS)
    try:
        visit_target_set(
            grid=grid,
            every_days=request.POST.get("every_days"),
            care_every_days=request.POST.get("care_every_days"),
            by=request.user,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("The visit targets of %(grid)s are saved.") % {"grid": grid.name}
        )
    return redirect("grid-coverage", pk=grid.pk)
