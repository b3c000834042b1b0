"""The dashboards: the town's big screen, and the same panels for one village or one grid.

The views read the figures from the cache only (see `services`); the request's own queries are
the session, the user and their roles. Who sees which screen (decision: the issue names these
roles; the others have their own lists): the town's administrator, command centre and
supervision team see the town and every village and grid in it; a village clerk their village
and its grids; a grid leader their grid. Any other user gets 403; a dashboard user asking for
an area outside their scope gets 404, as if it did not exist.
"""

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from grids.models import Town
from households.models import CareTag
from huaisi.access import grants_for, user_can
from huaisi.roles import CAPABILITIES, Capability, Level, RoleKind
from huaisi.views import HtmxHttpRequest
from tickets.models import OPEN_STATES, State
from volunteers.models import Project, Wish

from . import selectors, services

TOWN_KINDS = frozenset({RoleKind.TOWN_ADMIN, RoleKind.COMMAND_CENTRE, RoleKind.SUPERVISOR})
DASHBOARD_KINDS = CAPABILITIES[Capability.VIEW_DASHBOARD]


def _dashboard_grants(user) -> list:
    grants = [g for g in grants_for(user) if g.kind in DASHBOARD_KINDS]
    if not grants and not user.is_superuser:
        raise PermissionDenied
    return grants


def _covers(grant, area: dict) -> bool:
    if grant.kind in TOWN_KINDS:
        return grant.ancestors[Level.TOWN] == area[Level.TOWN]
    if grant.kind == RoleKind.VILLAGE_CLERK:
        return (
            area[Level.VILLAGE] is not None
            and grant.ancestors[Level.VILLAGE] == area[Level.VILLAGE]
        )
    return area[Level.GRID] is not None and grant.ancestors[Level.GRID] == area[Level.GRID]


def _figures_for(user, *, level: str, pk: int) -> dict:
    """The area's figures, if the user may see the area: from the cache, else computed once
    (and cached)."""
    grants = _dashboard_grants(user)
    figures = services.dashboard_cached(level=level, pk=pk)
    area = figures["area"] if figures else selectors.area_describe(level=level, pk=pk)
    if area is None:
        raise Http404
    if not user.is_superuser and not any(_covers(g, area) for g in grants):
        raise Http404
    if figures is None:
        figures = services.dashboard_refresh(level=level, pk=pk)
        if figures is None:
            raise Http404
    services.dashboard_watch(level=level, pk=pk)
    return figures


def _url(name: str, **params) -> str:
    params = {k: v for k, v in params.items() if v not in (None, "")}
    return reverse(name) + (f"?{urlencode(params)}" if params else "")


def _present(figures: dict, user) -> dict:
    """Labels in the reader's language and the link behind each number."""
    area = figures["area"]
    village = area[Level.VILLAGE]
    at_town = area["level"] == Level.TOWN
    can_board = user_can(user, Capability.DISPATCH_TICKETS)
    orders = figures["orders"]
    state_labels = dict(State.choices)
    if can_board:
        board = {
            view: _url("order-board", view=view, village=village)
            for view in ("new", "overdue", "due_soon", "open")
        }
    else:
        # Without the board: the order list (open ones by state) or the unit's inbox.
        inbox = reverse("order-inbox") if user_can(user, Capability.HANDLE_TICKETS) else None
        board = dict.fromkeys(
            ("new", "overdue", "due_soon", "open"), inbox or reverse("order-list")
        )
    states = [
        {**row, "label": state_labels[row["state"]], "url": _url("order-list", state=row["state"])}
        for row in orders["by_state"]
    ]
    open_states = [row for row in states if row["state"] in OPEN_STATES]
    wishes = [
        {
            **row,
            "label": dict(Wish.Status.choices)[row["status"]],
            "url": _url("wish-list", status=row["status"], village=village),
        }
        for row in figures["wishes"]
    ]
    projects = [
        {
            **row,
            "label": dict(Project.Status.choices)[row["status"]],
            "url": _url(
                "project-list", status=row["status"], year=figures["year"], village=village
            ),
        }
        for row in figures["projects"]
    ]
    tags = [
        {
            **row,
            "label": dict(CareTag.choices)[row["tag"]],
            "url": _url("resident-list", tag=row["tag"]),
        }
        for row in figures["care"]["by_tag"]
    ]
    points = [
        {**row, "url": _url("entry-list", status="approved", village=row["id"])}
        for row in figures["points"]["by_village"]
    ]
    grids = [
        {
            "id": g["id"],
            "name": g["name"],
            "village": g["village"],
            "open": g["open"],
            "boundary": g["boundary"],
            "url": reverse("dashboard-grid", args=[g["id"]]),
        }
        for g in figures["map"]
    ]
    generated = parse_datetime(figures["generated_at"])
    return {
        "area": area,
        "at_town": at_town,
        "generated_at": timezone.localtime(generated) if generated else None,
        "month": figures["month"],
        "orders": orders,
        "board": board,
        "states": states,
        "patrols": figures["patrols"],
        "patrols_url": _url("inspection-list", scope="area"),
        "units": figures["units"],
        "units_url": _url("unit-figures", month=figures["month"]),
        "points": figures["points"],
        "points_rows": points,
        "points_url": _url("entry-list", status="approved", village=village),
        "volunteers": figures["volunteers"],
        "volunteers_url": _url("activity-list", status="confirmed", month=figures["month"]),
        "wishes": wishes,
        "projects": projects,
        "care_total": figures["care"]["total"],
        "tags": tags,
        "grids": grids,
        "map_counts": json.dumps({str(g["id"]): g["open"] for g in grids}),
        "map_grids": json.dumps(
            [
                {k: g[k] for k in ("id", "name", "village", "boundary", "url")}
                for g in grids
                if g["boundary"]
            ],
            ensure_ascii=False,
        ),
        "charts": {
            "states": _chart(
                [r["label"] for r in open_states],
                [r["count"] for r in open_states],
                open_states,
            ),
            "units": json.dumps(
                {
                    "labels": [u["unit"] for u in figures["units"]],
                    "series": [
                        {
                            "name": _("Satisfaction %"),
                            "values": [u["satisfaction_rate"] for u in figures["units"]],
                        },
                        {
                            "name": _("Replied on time %"),
                            "values": [u["reply_rate"] for u in figures["units"]],
                        },
                    ],
                    "urls": [_url("unit-figures", month=figures["month"])] * len(figures["units"]),
                },
                ensure_ascii=False,
            ),
            "points": _chart([r["name"] for r in points], [r["points"] for r in points], points),
            "hours": json.dumps(
                {
                    "labels": [v["name"] for v in figures["volunteers"]["by_village"]],
                    "series": [
                        {
                            "name": "",
                            "values": [v["hours"] for v in figures["volunteers"]["by_village"]],
                        }
                    ],
                    "urls": [],
                },
                ensure_ascii=False,
            ),
            "wishes": _chart([r["label"] for r in wishes], [r["count"] for r in wishes], wishes),
            "projects": _chart(
                [r["label"] for r in projects], [r["count"] for r in projects], projects
            ),
            "tags": _chart([r["label"] for r in tags], [r["count"] for r in tags], tags),
        },
    }


def _chart(labels, values, rows) -> str:
    return json.dumps(
        {
            "labels": [str(label) for label in labels],
            "series": [{"name": "", "values": values}],
            "urls": [row["url"] for row in rows],
        },
        ensure_ascii=False,
    )


def _render(request, figures: dict) -> HttpResponse:
    context = _present(figures, request.user)
    context["can_see_town"] = request.user.is_superuser or any(
        g.kind in TOWN_KINDS for g in grants_for(request.user)
    )
    template = "dashboard/dashboard.html"
    if request.htmx and request.htmx.target == "dash-live":
        template += "#live"
    return render(request, template, context)


@require_GET
@login_required
@vary_on_headers("HX-Request")
def town_dashboard(request: HtmxHttpRequest) -> HttpResponse:
    """The user's town; a village clerk or grid leader is sent to their own area's screen."""
    grants = _dashboard_grants(request.user)
    town_grant = next((g for g in grants if g.kind in TOWN_KINDS), None)
    if town_grant is not None:
        town_id = town_grant.ancestors[Level.TOWN]
    elif request.user.is_superuser:
        town_id = Town.objects.order_by("pk").values_list("pk", flat=True).first()
        if town_id is None:
            raise Http404
    else:
        grant = grants[0]
        if grant.kind == RoleKind.VILLAGE_CLERK:
            return redirect("dashboard-village", pk=grant.ancestors[Level.VILLAGE])
        return redirect("dashboard-grid", pk=grant.ancestors[Level.GRID])
    return _render(request, _figures_for(request.user, level=Level.TOWN, pk=town_id))


@require_GET
@login_required
@vary_on_headers("HX-Request")
def village_dashboard(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _render(request, _figures_for(request.user, level=Level.VILLAGE, pk=pk))


@require_GET
@login_required
@vary_on_headers("HX-Request")
def grid_dashboard(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _render(request, _figures_for(request.user, level=Level.GRID, pk=pk))


def _report_town(user) -> int:
    """The town whose reports the user reads: a town role's (403 for anyone else)."""
    if user.is_superuser:
        town_id = Town.objects.order_by("pk").values_list("pk", flat=True).first()
        if town_id is None:
            raise Http404
        return town_id
    grant = next((g for g in grants_for(user) if g.kind in TOWN_KINDS), None)
    if grant is None:
        raise PermissionDenied
    return grant.ancestors[Level.TOWN]


@require_GET
@login_required
def report_list(request: HtmxHttpRequest) -> HttpResponse:
    town_id = _report_town(request.user)
    reports = list(selectors.reports_of_town(town_id=town_id).only("pk", "month", "generated_at"))
    return render(request, "dashboard/report_list.html", {"reports": reports})


@require_GET
@login_required
def report_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The printable report of one month (the browser prints it, or saves it as PDF)."""
    town_id = _report_town(request.user)
    report = selectors.reports_of_town(town_id=town_id).filter(pk=pk).first()
    if report is None:
        raise Http404
    f = report.figures
    labels = {
        "state": dict(State.choices),
        "wish": dict(Wish.Status.choices),
        "project": dict(Project.Status.choices),
        "tag": dict(CareTag.choices),
    }
    context = {
        "report": report,
        "f": f,
        "states": [
            {**r, "label": labels["state"][r["state"]]} for r in f["orders_by_state"] if r["count"]
        ],
        "wishes": [{**r, "label": labels["wish"][r["status"]]} for r in f["wishes"]],
        "projects": [{**r, "label": labels["project"][r["status"]]} for r in f["projects"]],
        "tags": [{**r, "label": labels["tag"][r["tag"]]} for r in f["care"]["by_tag"]],
    }
    return render(request, "dashboard/report_detail.html", context)
