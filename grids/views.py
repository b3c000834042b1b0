import csv

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from huaisi.access import user_can
from huaisi.roles import Capability
from huaisi.views import HtmxHttpRequest

from . import selectors


def _require(request, capability: str) -> None:
    if not user_can(request.user, capability):
        raise PermissionDenied


@require_GET
@login_required
def village_list(request: HtmxHttpRequest) -> HttpResponse:
    _require(request, Capability.VIEW_AREAS)
    villages = selectors.village_list_for_user(user=request.user)
    return render(request, "grids/village_list.html", {"villages": villages})


@require_GET
@login_required
def village_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    village = selectors.village_get_for_user(user=request.user, pk=pk)
    grids = selectors.grid_list_for_user(user=request.user, village_id=village.pk)
    return render(request, "grids/village_detail.html", {"village": village, "grids": grids})


@require_GET
@login_required
@vary_on_headers("HX-Request")
def grid_list(request: HtmxHttpRequest) -> HttpResponse:
    _require(request, Capability.VIEW_AREAS)
    query = request.GET.get("q", "")[:50]
    grids = selectors.grid_list_for_user(user=request.user, query=query)
    context = {
        "grids": grids,
        "query": query,
        "can_export": user_can(request.user, Capability.EXPORT_AREAS),
    }
    template = "grids/grid_list.html"
    if request.htmx and request.htmx.target == "grid-results":
        template += "#results"
    return render(request, template, context)


@require_GET
@login_required
def grid_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    grid = selectors.grid_get_for_user(user=request.user, pk=pk)
    microgrids = selectors.microgrids_of_grid(user=request.user, grid=grid)
    return render(request, "grids/grid_detail.html", {"grid": grid, "microgrids": microgrids})


@require_GET
@login_required
def grid_export(request: HtmxHttpRequest) -> HttpResponse:
    """The grids the user may export, as CSV with a BOM so Chinese Excel opens it right."""
    _require(request, Capability.EXPORT_AREAS)
    query = request.GET.get("q", "")[:50]
    grids = selectors.grid_list_for_user(
        user=request.user, query=query, capability=Capability.EXPORT_AREAS
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="grids-{stamp}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(
        [_("Village or community"), _("Grid code"), _("Grid"), _("Grid leader"), _("Micro-grids")]
    )
    for grid in grids:
        writer.writerow(
            [grid.village.name, grid.code, grid.name, grid.leader_name or "", grid.microgrid_count]
        )
    return response
