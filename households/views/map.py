"""The map of a village or a grid: a page that draws itself from the area's JSON.

Who may look: anyone who sees the area (404 otherwise, as for every scoped page) and may read
the register there (403 otherwise). What they see inside is narrowed again, house by house, by
their roles.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Model
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from huaisi.views import HtmxHttpRequest

from .. import selectors


def _map_page(request: HtmxHttpRequest, *, area: Model, kind: str, data_url: str) -> HttpResponse:
    context = {
        "area": area,
        "kind": kind,
        "data_url": data_url,
        "tile_url": settings.MAP_TILE_URL,
        "categories": selectors.MARKER_CATEGORIES,
    }
    return render(request, "households/map.html", context)


@require_GET
@login_required
def village_map(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    village = selectors.village_get_for_map(user=request.user, pk=pk)
    return _map_page(
        request, area=village, kind="village", data_url=reverse("village-map-data", args=[pk])
    )


@require_GET
@login_required
def village_map_data(request: HtmxHttpRequest, pk: int) -> JsonResponse:
    village = selectors.village_get_for_map(user=request.user, pk=pk)
    return JsonResponse(selectors.village_map_data(user=request.user, village=village))


@require_GET
@login_required
def grid_map(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    grid = selectors.grid_get_for_map(user=request.user, pk=pk)
    return _map_page(request, area=grid, kind="grid", data_url=reverse("grid-map-data", args=[pk]))


@require_GET
@login_required
def grid_map_data(request: HtmxHttpRequest, pk: int) -> JsonResponse:
    grid = selectors.grid_get_for_map(user=request.user, pk=pk)
    return JsonResponse(selectors.grid_map_data(user=request.user, grid=grid))
