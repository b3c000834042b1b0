"""Pages of patrol inspections: the phone form (works offline, see static/js/inspections.js),
its submission endpoint, lists, details, photos, and visit coverage."""

import hashlib
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from huaisi.access import get_for_user, require_capability, user_can, user_can_in
from huaisi.list_filters import AreaChoices, AreaFilter, ResultCount, read_area, read_day
from huaisi.roles import Capability
from huaisi.uploads import serve_private_file
from huaisi.views import HtmxHttpRequest

from . import inspection_selectors as selectors
from .inspection_forms import parse_submission
from .inspections import InspectionConflict, inspection_submit, visit_target_set
from .models import FindingOutcome, FindingType, Grid
from .selectors import area_choices_for_user

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
    template = "grids/inspection_list.html"
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
    return render(request, "grids/inspection_detail.html", {"inspection": inspection})


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
        "can_report": any(_reports(request.user, g) for g in grids),
    }
    return render(request, "grids/inspection_form.html", context)


def _reports(user, grid) -> bool:
    from .inspections import reports_in_grid

    return reports_in_grid(user, grid)


def _inspection_json(inspection, *, status: str) -> dict:
    return {
        "status": status,
        "id": inspection.pk,
        "uuid": str(inspection.client_uuid),
        "url": reverse("inspection-detail", args=[inspection.pk]),
    }


@require_POST
@login_required
def inspection_submit_view(request: HtmxHttpRequest) -> JsonResponse:
    """JSON in (`payload`, multipart with photos, or a JSON body), JSON out: 201 stored, 200
    the same inspection sent again, 409 the same id with other content, 400 refused."""
    if not user_can(request.user, Capability.LOG_INSPECTIONS):
        return JsonResponse(
            {"status": "forbidden", "message": _("Your roles do not include logging inspections.")},
            status=403,
        )
    raw = request.POST.get("payload") if "payload" in request.POST else request.body
    try:
        arguments = parse_submission(raw or b"", request.FILES)
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
    return render(request, "grids/inspection_coverage_list.html", {"rows": rows, "days": days})


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
    template = "grids/inspection_coverage.html"
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
