"""The dashboard's figures for one area (the town, a village or a grid), read across every app.

Each panel is one or two grouped queries whatever the size of the area, and the same filters
as the list the panel links to, so a number on the screen is the count of the list behind it.
The figures are the same for everyone allowed to see the area, so they are computed per area
(not per user), cached by `services`, and the views only check that the user covers the area.

Decision: these aggregates read the other apps' models directly (read-only, grouped), because
the apps' selectors are scoped per user and return rows, not area totals; the filters repeat
those of the lists' selectors (`tickets.selectors.dispatch_board`, `volunteers.selectors`
wish and project lists, `households.selectors.resident_search_for_user`), and the tests hold
the two together. The per-unit supervision figures come from `tickets.selectors.supervision`.
"""

import datetime
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from grids.models import Grid, Town, Village
from hotspots.models import Hotspot, RepeatCaller, RisingIssue
from households.models import CareTag, Resident
from huaisi.periods import month_bounds, month_start, next_month
from huaisi.roles import Level
from patrols.models import Inspection
from points.models import Entry
from tickets.models import CLOCK_STATES, OPEN_STATES, State, Unit, WorkOrder
from tickets.selectors import unit_month_rows
from volunteers.models import Activity, Participation, Project, Wish

from .models import TownReport

MAP_HOTSPOTS = 200
REPORT_HOTSPOTS = 10

LEVELS = (Level.TOWN, Level.VILLAGE, Level.GRID)
RECENT_PATROLS = 8


def area_describe(*, level: str, pk: int) -> dict | None:
    """The area's name and the ids of it and the areas above it; None if it does not exist."""
    if level == Level.TOWN:
        row = Town.objects.filter(pk=pk).values("pk", "name").first()
        if row is None:
            return None
        return {
            "level": level,
            "id": pk,
            "name": row["name"],
            "town": pk,
            "village": None,
            "grid": None,
        }
    if level == Level.VILLAGE:
        row = Village.objects.filter(pk=pk).values("pk", "name", "town_id", "town__name").first()
        if row is None:
            return None
        return {
            "level": level,
            "id": pk,
            "name": row["name"],
            "town": row["town_id"],
            "town_name": row["town__name"],
            "village": pk,
            "grid": None,
        }
    if level == Level.GRID:
        row = (
            Grid.objects.filter(pk=pk)
            .values("pk", "name", "village_id", "village__name", "village__town_id")
            .first()
        )
        if row is None:
            return None
        return {
            "level": level,
            "id": pk,
            "name": row["name"],
            "town": row["village__town_id"],
            "village": row["village_id"],
            "village_name": row["village__name"],
            "grid": pk,
        }
    return None


def in_area(queryset: QuerySet, area: dict) -> QuerySet:
    """`queryset` narrowed to the area, through the model's `area_paths`; a model placed no
    finer than the village (livelihood projects) is narrowed to the grid's village."""
    paths = queryset.model.area_paths
    levels = LEVELS[: LEVELS.index(area["level"]) + 1]
    for level in reversed(levels):
        if level in paths:
            return queryset.filter(**{paths[level]: area[level]})
    return queryset.none()


def this_month(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    start = month_start(today)
    return start, next_month(start)


def _grouped(queryset: QuerySet, field: str) -> dict:
    return {
        row[field]: row["n"] for row in queryset.order_by().values(field).annotate(n=Count("pk"))
    }


def orders_figures(*, area: dict) -> dict:
    """Orders located in the area: by state, open, new (to dispatch), overdue, due soon,
    with the board's definitions (`tickets.selectors.dispatch_board`)."""
    orders = in_area(WorkOrder.objects.all(), area)
    clock = Q(state__in=CLOCK_STATES)
    totals = orders.aggregate(
        n_open=Count("pk", filter=Q(state__in=OPEN_STATES)),
        n_new=Count("pk", filter=Q(state__in=[State.NEW, State.RETURNED])),
        n_overdue=Count("pk", filter=clock & Q(overdue=True)),
        n_due_soon=Count("pk", filter=clock & Q(due_soon=True, overdue=False)),
    )
    counts = {key.removeprefix("n_"): value for key, value in totals.items()}
    by_state = _grouped(orders, "state")
    counts["by_state"] = [
        {"state": value, "count": by_state.get(value, 0)} for value in State.values
    ]
    return counts


def map_figures(*, area: dict) -> list[dict]:
    """The area's grids with their boundary (GeoJSON) and open orders located in each."""
    grids = in_area(Grid.objects.all(), area).order_by("village__code", "code")
    open_by_grid = _grouped(
        in_area(WorkOrder.objects.filter(state__in=OPEN_STATES), area).exclude(grid=None), "grid"
    )
    return [
        {
            "id": g["pk"],
            "name": g["name"],
            "village": g["village__name"],
            "village_id": g["village_id"],
            "boundary": g["boundary"],
            "open": open_by_grid.get(g["pk"], 0),
        }
        for g in grids.values("pk", "name", "village_id", "village__name", "boundary")
    ]


def patrol_figures(*, area: dict, now: datetime.datetime) -> dict:
    """Patrol inspections started today (Asia/Shanghai) in the area."""
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    today = in_area(
        Inspection.objects.filter(
            started_at__gte=start, started_at__lt=start + datetime.timedelta(days=1)
        ),
        area,
    )
    totals = today.aggregate(count=Count("pk"), grids=Count("grid", distinct=True))
    totals["grid_total"] = in_area(Grid.objects.all(), area).count()
    totals["recent"] = [
        {
            "grid": row["grid__name"],
            "place": row["place"],
            "at": timezone.localtime(row["started_at"]).strftime("%H:%M"),
        }
        for row in today.order_by("-started_at", "-pk").values("grid__name", "place", "started_at")[
            :RECENT_PATROLS
        ]
    ]
    return totals


def _rate(value) -> float | None:
    return None if value is None else float(value)


def unit_figures(*, area: dict, month: datetime.date, now: datetime.datetime) -> list[dict]:
    """This month's supervision figures of each handling unit
    (`tickets.selectors.supervision`): the town sees every unit, a village its own; a grid is
    no handling unit."""
    if area["level"] == Level.GRID:
        return []
    town = Town.objects.get(pk=area["town"])
    rows = unit_month_rows(town=town, month=month, as_of=now)
    if area["level"] == Level.VILLAGE:
        own = set(Unit.objects.filter(village_id=area["village"]).values_list("pk", flat=True))
        rows = [row for row in rows if row.unit_id in own]
    return [
        {
            "unit": row.unit,
            "orders": row.orders,
            "reply_rate": _rate(row.reply_rate),
            "accept_rate": _rate(row.accept_rate),
            "satisfaction_rate": _rate(row.satisfaction_rate),
            # What the rank orders by (tickets.selectors.supervision._rank): shown beside it,
            # since two of its five parts (standardisation, re-handling) are not columns here.
            "overall": row.overall,
            "rank": row.rank,
        }
        for row in sorted(rows, key=lambda r: (r.rank or 10_000, r.unit))
    ]


def _villages(area: dict) -> QuerySet[Village]:
    """The villages of the area (a grid's: its own), by code."""
    if area["level"] == Level.TOWN:
        return Village.objects.filter(town_id=area["town"]).order_by("code")
    return Village.objects.filter(pk=area["village"])


def points_figures(*, area: dict, month: datetime.date, end: datetime.date) -> dict:
    """Approved point entries dated this month (the ranking's month), by village."""
    entries = in_area(
        Entry.objects.filter(status=Entry.Status.APPROVED, deed_date__gte=month, deed_date__lt=end),
        area,
    )
    rows = {
        row["village"]: row
        for row in entries.order_by()
        .values(village=F("household__microgrid__grid__village"))
        .annotate(n=Count("pk"), points=Sum("points"))
    }
    villages = _villages(area)
    by_village = [
        {
            "id": v["pk"],
            "name": v["name"],
            "entries": rows.get(v["pk"], {}).get("n", 0),
            "points": rows.get(v["pk"], {}).get("points") or 0,
        }
        for v in villages.values("pk", "name")
    ]
    return {
        "entries": sum(v["entries"] for v in by_village),
        "points": sum(v["points"] for v in by_village),
        "by_village": by_village,
    }


def volunteer_figures(*, area: dict, month: datetime.date, end: datetime.date) -> dict:
    """Confirmed volunteer hours on activities dated this month, in all and by village; the
    volunteers who served; the confirmed activities of the month (the activity list's count,
    with or without hours on them)."""
    participations = in_area(
        Participation.objects.filter(
            activity__status=Activity.Status.CONFIRMED,
            activity__date__gte=month,
            activity__date__lt=end,
        ),
        area,
    )
    by_village = {
        row["activity__village"]: float(row["hours"] or 0)
        for row in participations.order_by()
        .values("activity__village")
        .annotate(hours=Sum("hours"))
    }
    done = participations.aggregate(
        hours=Sum("hours"), volunteers=Count("volunteer", distinct=True)
    )
    activities = in_area(
        Activity.objects.filter(status=Activity.Status.CONFIRMED, date__gte=month, date__lt=end),
        area,
    ).count()
    hours = done["hours"] or Decimal(0)
    return {
        "hours": float(hours),
        "volunteers": done["volunteers"],
        "activities": activities,
        "by_village": [
            {"id": v["pk"], "name": v["name"], "hours": by_village.get(v["pk"], 0.0)}
            for v in _villages(area).values("pk", "name")
        ],
    }


def wish_figures(*, area: dict) -> list[dict]:
    by_status = _grouped(in_area(Wish.objects.all(), area), "status")
    return [{"status": value, "count": by_status.get(value, 0)} for value in Wish.Status.values]


def project_figures(*, area: dict, year: int) -> list[dict]:
    """This year's livelihood projects by status (a grid shows its village's)."""
    by_status = _grouped(in_area(Project.objects.filter(year=year), area), "status")
    return [{"status": value, "count": by_status.get(value, 0)} for value in Project.Status.values]


def care_figures(*, area: dict) -> dict:
    """Present residents (not moved out, not deceased) in all and by care tag, one scan."""
    residents = in_area(Resident.objects.filter(moved_out=False, deceased=False), area)
    counts = residents.aggregate(
        total=Count("pk"),
        **{
            f"tag_{tag}": Count("pk", filter=Q(care_tags__contains=[tag])) for tag in CareTag.values
        },
    )
    return {
        "total": counts["total"],
        "by_tag": [{"tag": value, "count": counts[f"tag_{value}"]} for value in CareTag.values],
    }


def map_hotspots(*, area: dict) -> list[dict]:
    """The area's current hotspots that have a position, for the map's hotspot layer (one
    query): where, how many reports, and of what. No personal data. A grid's screen shows none:
    a hotspot is kept by town and village, not by grid."""
    if area["level"] == Level.GRID:
        return []
    rows = Hotspot.objects.filter(
        town_id=area[Level.TOWN], active=True, lat__isnull=False, lng__isnull=False
    )
    if area["level"] == Level.VILLAGE:
        rows = rows.filter(village_id=area[Level.VILLAGE])
    rows = rows.order_by("-count", "-last_at", "-pk").values(
        "pk", "lat", "lng", "count", "category__name", "finding_type", "village__name"
    )[:MAP_HOTSPOTS]
    return [
        {
            "id": r["pk"],
            "lat": float(r["lat"]),
            "lng": float(r["lng"]),
            "count": r["count"],
            "category": r["category__name"] or "",
            "finding_type": r["finding_type"],
            "village": r["village__name"] or "",
        }
        for r in rows
    ]


def report_hotspots(*, town_id: int, month: datetime.date) -> dict:
    """The report's 未诉先办 section: hotspots with reports in the month (as the hourly job
    left them at generation), the top ones by reports, the month's rising issues and how many
    repeat callers there were (the count only: no number, not even masked, in a printed
    report)."""
    start_at, end_at = month_bounds(month)
    hotspots = Hotspot.objects.filter(
        Q(active=True) | Q(order__isnull=False),
        town_id=town_id,
        first_at__lt=end_at,
        last_at__gte=start_at,
    )
    top = hotspots.order_by("-count", "-last_at", "-pk").values(
        "pk",
        "count",
        "category__name",
        "finding_type",
        "village__name",
        "place",
        "order__number",
        "order__closed_at",
        "came_back",
    )[:REPORT_HOTSPOTS]
    rising = (
        RisingIssue.objects.filter(town_id=town_id, month=month)
        .order_by("-count", "village__name", "category__name")
        .values("village__name", "category__name", "count", "previous_mean")
    )
    return {
        "count": hotspots.count(),
        "top": [
            {
                "id": h["pk"],
                "count": h["count"],
                "category": h["category__name"] or "",
                "finding_type": h["finding_type"],
                "village": h["village__name"] or "",
                "place": h["place"],
                "order": h["order__number"] or "",
                "closed": h["order__closed_at"] is not None,
                "came_back": h["came_back"],
            }
            for h in top
        ],
        "rising": [
            {
                "village": r["village__name"],
                "category": r["category__name"],
                "count": r["count"],
                "previous_mean": str(r["previous_mean"]),
            }
            for r in rising
        ],
        "repeat_callers": RepeatCaller.objects.filter(town_id=town_id).count(),
    }


def area_figures(*, area: dict, now: datetime.datetime | None = None) -> dict:
    """Every panel of the area's dashboard, as plain data (cached as is). Labels are not
    cached: the view adds them in the reader's language."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    month, end = this_month(today)
    return {
        "area": area,
        "generated_at": now.isoformat(),
        "month": month.strftime("%Y-%m"),
        "year": today.year,
        "orders": orders_figures(area=area),
        "map": map_figures(area=area),
        "hotspots": map_hotspots(area=area),
        "patrols": patrol_figures(area=area, now=now),
        "units": unit_figures(area=area, month=month, now=now),
        "points": points_figures(area=area, month=month, end=end),
        "volunteers": volunteer_figures(area=area, month=month, end=end),
        "wishes": wish_figures(area=area),
        "projects": project_figures(area=area, year=today.year),
        "care": care_figures(area=area),
    }


def report_figures(*, town_id: int, month: datetime.date) -> dict:
    """The monthly report's figures for the town: orders received in the month by state (as
    they stand), each unit's supervision figures, points approved and volunteer hours of the
    month by village, the year's projects, wishes and care tags as of generation."""
    area = area_describe(level=Level.TOWN, pk=town_id)
    end = next_month(month)
    now = timezone.now()
    start_at, end_at = month_bounds(month)
    received = WorkOrder.objects.filter(
        town_id=town_id, created_at__gte=start_at, created_at__lt=end_at
    )
    by_state = _grouped(received, "state")
    return {
        "area": area,
        "month": month.strftime("%Y-%m"),
        "generated_at": now.isoformat(),
        "orders_received": sum(by_state.values()),
        "orders_by_state": [
            {"state": value, "count": by_state.get(value, 0)} for value in State.values
        ],
        "units": unit_figures(area=area, month=month, now=now),
        "points": points_figures(area=area, month=month, end=end),
        "volunteers": volunteer_figures(area=area, month=month, end=end),
        "wishes": wish_figures(area=area),
        "projects": project_figures(area=area, year=month.year),
        "care": care_figures(area=area),
        "hotspots": report_hotspots(town_id=town_id, month=month),
    }


def reports_of_town(*, town_id: int) -> QuerySet[TownReport]:
    return TownReport.objects.filter(town_id=town_id).order_by("-month")
