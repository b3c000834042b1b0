"""The command centre's dispatch board: counts, the orders by view and filter, each unit's load,
pending extension requests; new orders are dispatched from their row.

The live part polls every 30 seconds. The poll sends a fingerprint of what it shows; when
nothing changed the answer is 204 and htmx leaves the page alone, so a dispatcher half-way
through choosing a unit is not interrupted by a refresh that would show the same thing.
"""

import hashlib

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from grids.selectors import area_choices_for_user
from huaisi.access import require_capability
from huaisi.list_filters import count_rows, read_area
from huaisi.roles import Capability
from huaisi.views import HtmxHttpRequest

from .. import selectors
from ..badges import board_rows_html
from ..models import Source, State
from ._common import Page, int_or_none, page_number, query_without, town_for, unit_options

VIEWS = (
    ("new", "new"),
    ("overdue", "overdue"),
    ("due_soon", "due_soon"),
    ("open", "open"),
    ("closed", "closed"),
)


def _fingerprint(*parts) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


@require_GET
@login_required
@vary_on_headers("HX-Request")
def board(request: HtmxHttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.DISPATCH_TICKETS)
    town = town_for(request.user, Capability.DISPATCH_TICKETS)
    params = request.GET
    view = params.get("view", "new")
    if view not in selectors.BOARD_VIEWS:
        view = "new"
    categories = list(selectors.categories_of_town(town=town))
    by_category = {c.pk: c for top in categories for c in (top, *top.children.all())}
    units = list(selectors.units_of_town(town=town))
    by_unit_id = {u.pk: u for u in units}
    choices = area_choices_for_user(
        user=request.user, capability=Capability.DISPATCH_TICKETS, town=town
    )
    notices: list[str] = []
    area = read_area(params, choices, notices)
    state = params.get("state", "")
    state = state if state in State.values else ""
    source = params.get("source", "")
    source = source if source in Source.values else ""
    category = by_category.get(int_or_none(params.get("category")))
    unit = by_unit_id.get(int_or_none(params.get("unit")))
    query = params.get("q", "").strip()[:40]
    orders = selectors.dispatch_board(
        user=request.user,
        town=town,
        view=view,
        unit=unit,
        category=category,
        source=source,
        query=query,
        state=state,
        village_id=area.village_id,
        grid_id=area.grid_id,
    )
    page = Page.of(orders, page_number(params))
    result_count = count_rows(orders, known=page.total)
    counts = selectors.board_counts(town=town)
    load = list(selectors.board_by_unit(town=town))
    extensions = list(selectors.pending_extensions(town=town))
    seen = _fingerprint(
        counts,
        result_count,
        [(o.pk, o.state, o.updated_at, o.overdue, o.due_soon) for o in page.rows],
        [(u.pk, u.open_count, u.overdue_count, u.due_soon_count) for u in load],
        [e.pk for e in extensions],
    )
    if request.htmx and params.get("seen") == seen:
        return HttpResponse(status=204)
    live_query = query_without(params, "seen")
    here = f"{request.path}?{live_query}" if live_query else request.path
    options = unit_options(units)
    context = {
        "rows_html": board_rows_html(request, page.rows, unit_options=options, here=here),
        "town": town,
        "view": view,
        "views": VIEWS,
        "counts": counts,
        "page": page,
        "load": load,
        "extensions": extensions,
        "units": units,
        "categories": categories,
        "area_choices": choices,
        "area": area,
        "result_count": result_count,
        "filter_notices": notices,
        "states": State.choices,
        "sources": Source.choices,
        "f": {
            "state": state,
            "source": source,
            "category": category.pk if category else None,
            "unit": unit.pk if unit else None,
            "q": query,
        },
        "seen": seen,
        "live_query": live_query,
        "page_query": query_without(params, "seen", "page"),
        "view_query": query_without(params, "seen", "page", "view"),
    }
    template = "tickets/board.html"
    if request.htmx and request.htmx.target == "board-live":
        template += "#live"
    return render(request, template, context)
