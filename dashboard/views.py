"""The dashboards: the town's big screen, and the same panels for one village or one grid.

The views read the figures from the cache only (see `services`); the request's own queries are
the session, the user and their roles. Who sees which screen (decision: the issue names these
roles; the others have their own lists): the town's administrator, command centre and
supervision team see the town and every village and grid in it; a village clerk their village
and its grids; a grid leader their grid. Any other user gets 403; a dashboard user asking for
an area outside their scope gets 404, as if it did not exist.
"""

import json
import logging

from django.conf import settings
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
from patrols.models import FindingType
from tickets.models import OPEN_STATES, State
from volunteers.models import Project, Wish

from . import pdf, selectors, services
from .classes import quantile_classes

logger = logging.getLogger(__name__)

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


def _may_open(user) -> dict[str, bool]:
    """Which lists behind the panels the user may open (a panel they may not open shows its
    number without a link). From the user's roles, already read: no query."""
    town_tickets = user.is_superuser or any(
        g.kind in TOWN_KINDS and g.kind in CAPABILITIES[Capability.VIEW_TICKETS]
        for g in grants_for(user)
    )
    return {
        "board": user_can(user, Capability.DISPATCH_TICKETS),
        "orders": user_can(user, Capability.VIEW_TICKETS),
        "inspections": user_can(user, Capability.VIEW_INSPECTIONS),
        "units": town_tickets,
        "points": user_can(user, Capability.VIEW_POINTS),
        "volunteers": user_can(user, Capability.VIEW_VOLUNTEERS),
        "residents": user_can(user, Capability.VIEW_RESIDENTS),
    }


def _present(figures: dict, user) -> dict:
    """Labels in the reader's language and the link behind each number: the list it counts,
    with the filters that make the list's count the number (the area, the day or the month
    of the figures, the status)."""
    area = figures["area"]
    at_town = area["level"] == Level.TOWN
    # The lists' own area filters: a grid's screen asks for its grid and village.
    where = {"village": area[Level.VILLAGE], "grid": area[Level.GRID]}
    generated = parse_datetime(figures["generated_at"])
    day = timezone.localdate(generated) if generated else timezone.localdate()
    month = figures["month"]
    may = _may_open(user)

    def link(list_name: str, name: str, **params) -> str | None:
        return _url(name, **params) if may[list_name] else None

    orders = figures["orders"]
    state_labels = dict(State.choices)
    board = {
        view: link("board", "order-board", view=view, **where)
        or link("orders", "order-list", view=view, **where)
        for view in ("new", "overdue", "due_soon", "open")
    }
    states = [
        {
            **row,
            "label": state_labels[row["state"]],
            "url": link("orders", "order-list", state=row["state"], **where),
        }
        for row in orders["by_state"]
    ]
    open_states = [row for row in states if row["state"] in OPEN_STATES]
    wishes = [
        {
            **row,
            "label": dict(Wish.Status.choices)[row["status"]],
            "url": link("volunteers", "wish-list", status=row["status"], **where),
        }
        for row in figures["wishes"]
    ]
    # Projects are placed no finer than the village: a grid's screen shows its village's.
    projects = [
        {
            **row,
            "label": dict(Project.Status.choices)[row["status"]],
            "url": link(
                "volunteers",
                "project-list",
                status=row["status"],
                year=figures["year"],
                village=where["village"],
            ),
        }
        for row in figures["projects"]
    ]
    tags = [
        {
            **row,
            "label": dict(CareTag.choices)[row["tag"]],
            "url": link("residents", "resident-list", tag=row["tag"], **where),
        }
        for row in figures["care"]["by_tag"]
    ]
    points = [
        {
            **row,
            "url": link("points", "entry-list", status="approved", month=month, village=row["id"]),
        }
        for row in figures["points"]["by_village"]
    ]
    hours = [
        {
            **row,
            "url": link(
                "volunteers", "activity-list", status="confirmed", month=month, village=row["id"]
            ),
        }
        for row in figures["volunteers"]["by_village"]
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
    map_classes = quantile_classes([g["open"] for g in grids])
    # The hotspots layer: each marker opens its hotspot on the hotspots page, for those who
    # may open that page (the dispatchers); for the others it only shows where and what.
    hotspots_url = reverse("hotspot-list") if may["board"] else ""
    hotspots = [
        {
            "id": h["id"],
            "lat": h["lat"],
            "lng": h["lng"],
            "count": h["count"],
            "label": " · ".join(x for x in (_hotspot_what(h), h["village"]) if x),
            "url": f"{hotspots_url}#hotspot-{h['id']}" if hotspots_url else "",
        }
        # Figures cached before the layer existed have none (they expire within minutes).
        for h in figures.get("hotspots", [])
    ]
    for c in map_classes:
        c["label"] = str(c["low"]) if c["low"] == c["high"] else f"{c['low']}–{c['high']}"
    units_shown, units_more = _units_for_chart(figures["units"])
    return {
        "area": area,
        "at_town": at_town,
        "generated_at": timezone.localtime(generated) if generated else None,
        "month": month,
        "orders": orders,
        "board": board,
        "states": states,
        "patrols": figures["patrols"],
        "patrols_url": link(
            "inspections", "inspection-list", scope="area", date=day.isoformat(), **where
        ),
        "units": figures["units"],
        "units_more": units_more,
        "units_url": link("units", "unit-figures", month=month),
        "points": figures["points"],
        "points_rows": points,
        "points_url": link("points", "entry-list", status="approved", month=month, **where),
        "volunteers": figures["volunteers"],
        "volunteers_url": link(
            "volunteers", "activity-list", status="confirmed", month=month, **where
        ),
        "wishes": wishes,
        "wishes_url": link("volunteers", "wish-list", **where),
        "projects": projects,
        "projects_url": link(
            "volunteers", "project-list", year=figures["year"], village=where["village"]
        ),
        "care_total": figures["care"]["total"],
        "care_url": link("residents", "resident-list", **where),
        "tags": tags,
        "grids": grids,
        "map_counts": json.dumps({str(g["id"]): g["open"] for g in grids}),
        "map_classes": map_classes,
        "map_hotspots": json.dumps(hotspots, ensure_ascii=False),
        "hotspot_count": len(hotspots),
        "hotspots_url": hotspots_url,
        "map_classes_json": json.dumps(
            [{k: c[k] for k in ("high", "shade", "colour", "label")} for c in map_classes],
            ensure_ascii=False,
        ),
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
                    "labels": [u["unit"] for u in units_shown],
                    "series": [
                        {
                            "name": _("Satisfaction %"),
                            "values": [u["satisfaction_rate"] for u in units_shown],
                        },
                        {
                            "name": _("Replied on time %"),
                            "values": [u["reply_rate"] for u in units_shown],
                        },
                    ],
                    "urls": [link("units", "unit-figures", month=month)] * len(units_shown),
                },
                ensure_ascii=False,
            ),
            "points": _chart([r["name"] for r in points], [r["points"] for r in points], points),
            "hours": _chart([r["name"] for r in hours], [r["hours"] for r in hours], hours),
            "wishes": _chart([r["label"] for r in wishes], [r["count"] for r in wishes], wishes),
            "projects": _chart(
                [r["label"] for r in projects], [r["count"] for r in projects], projects
            ),
            "tags": _chart([r["label"] for r in tags], [r["count"] for r in tags], tags),
        },
    }


# The units chart shows this many units: some 25 crowded one panel with unreadable labels.
UNITS_IN_CHART = 10


def _units_for_chart(units: list[dict]) -> tuple[list[dict], int]:
    """The units with the most orders dispatched this month (in their ranking's order), and
    how many more there are: those are listed, all of them, on the unit figures page the
    panel links to."""
    if len(units) <= UNITS_IN_CHART:
        return units, 0
    busiest = sorted(units, key=lambda u: -(u["orders"] or 0))[:UNITS_IN_CHART]
    keep = {id(u) for u in busiest}
    return [u for u in units if id(u) in keep], len(units) - UNITS_IN_CHART


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


def _report_get(user, pk: int):
    """One report of the user's town (403 for anyone but a town role, 404 if not theirs)."""
    town_id = _report_town(user)
    report = selectors.reports_of_town(town_id=town_id).filter(pk=pk).first()
    if report is None:
        raise Http404
    return report


def _report_labels(f: dict) -> dict:
    """The report's rows with their labels in the reader's language (for the page and the
    PDF alike)."""
    labels = {
        "state": dict(State.choices),
        "wish": dict(Wish.Status.choices),
        "project": dict(Project.Status.choices),
        "tag": dict(CareTag.choices),
    }
    return {
        "states": [
            {**r, "label": labels["state"][r["state"]]} for r in f["orders_by_state"] if r["count"]
        ],
        "wishes": [{**r, "label": labels["wish"][r["status"]]} for r in f["wishes"]],
        "projects": [{**r, "label": labels["project"][r["status"]]} for r in f["projects"]],
        "tags": [{**r, "label": labels["tag"][r["tag"]]} for r in f["care"]["by_tag"]],
        "hotspots": _report_hotspots(f.get("hotspots")),
    }


def _hotspot_what(h: dict) -> str:
    """A hotspot's kind: its category, or the finding type of patrol findings fixed on the
    spot."""
    if h["category"]:
        return h["category"]
    return str(dict(FindingType.choices).get(h["finding_type"], h["finding_type"]))


def _hotspot_outcome(h: dict) -> str:
    """Whether a proactive order was made from the hotspot and whether complaints came back
    within 30 days of its closing (as the hourly job found at generation)."""
    if not h["order"]:
        return _("No proactive order")
    if not h["closed"]:
        return _("Proactive order %(number)s, open") % {"number": h["order"]}
    if h["came_back"] is None:
        return _("Proactive order %(number)s, closed") % {"number": h["order"]}
    if h["came_back"] == 0:
        return _("Proactive order %(number)s, closed; no complaints since") % {"number": h["order"]}
    return _("Proactive order %(number)s, closed; %(n)s complaints since") % {
        "number": h["order"],
        "n": h["came_back"],
    }


def _report_hotspots(section: dict | None) -> dict | None:
    """The 未诉先办 section with its labels; None for a report generated before it existed
    (the page and the PDF then leave the section out)."""
    if section is None:
        return None
    return {
        **section,
        "top": [
            {**h, "what": _hotspot_what(h), "outcome": _hotspot_outcome(h)} for h in section["top"]
        ],
    }


@require_GET
@login_required
def report_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The printable report of one month (the browser prints it; the PDF is `report_pdf`)."""
    report = _report_get(request.user, pk)
    context = {"report": report, "f": report.figures, **_report_labels(report.figures)}
    return render(request, "dashboard/report_detail.html", context)


@require_GET
@login_required
def report_pdf(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The report of one month as a PDF download, for the same readers as the page. Without
    its font the server cannot set the Chinese: 503 with a page that says so (and points to
    the printable page), not a PDF of empty boxes."""
    report = _report_get(request.user, pk)
    try:
        content = pdf.town_report_pdf(
            report=report,
            figures=report.figures,
            labels=_report_labels(report.figures),
            font_path=settings.REPORT_FONT_PATH,
        )
    except pdf.ReportFontMissing:
        logger.error("The report font %s is missing or unusable", settings.REPORT_FONT_PATH)
        return render(
            request, "dashboard/report_pdf_unavailable.html", {"report": report}, status=503
        )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="huaisi-report-{report.month:%Y-%m}.pdf"'
    )
    return response
