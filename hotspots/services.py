"""The analysis (one set-based SQL pass per town) and the one-click proactive order.

How "near" is decided without PostGIS (issue 20 leaves it open):
- Positions are snapped to square cells of R metres (latitude × 111,320 m; longitude × the same
  times the cosine of the town's latitude rounded to a whole degree, so the cells do not move
  when orders arrive). Two reports within R metres of each other always lie in the same or
  neighbouring cells, so counting each cell's 3×3 block never misses a cluster; the block can
  also join reports up to 2√2·R apart, which for a town's potholes and piles of rubbish is the
  right side to err on (a dispatcher looks at the map). Only the block with the most reports
  among its neighbours is kept (ties: the lower cell), so one cluster is one hotspot.
- Reports without a position are grouped by their address text (a patrol finding by its
  patrol's place) within the village, trimmed and lower-cased. Orders carry no micro-grid and a
  grid is far wider than 200 m, so the grid is not used as a place.
- "Same category": a work order's category; a patrol finding fixed on the spot by its finding
  type (a finding reported as an order counts once, as that order). Proactive orders (made from
  a hotspot) are not counted, so acting on a hotspot does not feed it.

Every run replaces what the previous one found, in one transaction under a per-town advisory
lock, so running it twice, or two workers at once, gives the same tables.
"""

import datetime
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Grid, Town, Village
from huaisi.periods import TZ, month_start
from huaisi.privacy import mask_phone
from patrols.models import FindingType, Inspection, InspectionFinding
from tickets.models import Category, Source, WorkOrder
from tickets.services import order_create_within

from .models import Hotspot, HotspotMember, RepeatCaller, RisingIssue

RADIUS_M = 200
WINDOW_DAYS = 30
MIN_REPORTS = 3
CAME_BACK_DAYS = 30
REPEAT_DAYS = 90
REPEAT_MIN = 3
RISING_MIN = 5
METRES_PER_DEGREE = 111_320


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _reports_sql() -> str:
    """Orders and fixed findings of town %(town)s received in [%(since)s, %(until)s)."""
    return f"""
        SELECT 'o' AS src, o.id, 'c' || o.category_id AS kind, o.village_id, o.created_at AS at,
               o.lat::float8 AS lat, o.lng::float8 AS lng, o.address AS place
          FROM {_t(WorkOrder)} o
         WHERE o.town_id = %(town)s AND o.source <> %(proactive)s
           AND o.created_at >= %(since)s AND o.created_at < %(until)s
        UNION ALL
        SELECT 'f', f.id, 'f' || f.type, g.village_id, i.ended_at,
               f.lat::float8, f.lng::float8, i.place
          FROM {_t(InspectionFinding)} f
          JOIN {_t(Inspection)} i ON i.id = f.inspection_id
          JOIN {_t(Grid)} g ON g.id = i.grid_id
          JOIN {_t(Village)} v ON v.id = g.village_id
         WHERE v.town_id = %(town)s AND f.outcome = 'fixed'
           AND i.ended_at >= %(since)s AND i.ended_at < %(until)s
    """  # noqa: S608 - table names from model meta


def _cells_sql() -> str:
    """Each placed report with its cell; %(cell_m)s metres a side."""
    return f"""
        WITH reports AS ({_reports_sql()}),
        ref AS (
            SELECT coalesce(cos(radians(round(avg(lat))))::float8, 1) AS k
              FROM reports WHERE lat IS NOT NULL
        )
        SELECT r.*, floor(r.lat * {METRES_PER_DEGREE} / %(cell_m)s)::bigint AS cy,
               floor(r.lng * {METRES_PER_DEGREE} * ref.k / %(cell_m)s)::bigint AS cx
          FROM reports r, ref WHERE r.lat IS NOT NULL
    """  # noqa: S608 - constants and model table names


# Neighbour look-ups are equi-joins on cells spread to their 3×3 neighbourhood (nine offsets),
# not range joins: linear in the number of cells (a range join compared every pair of cells of
# a category, 22 s at 1,000,000 orders).
OFFSETS = "(VALUES (-1), (0), (1)) AS dx(d), (VALUES (-1), (0), (1)) AS dy(d)"

FOUND_SQL = """
    CREATE TEMPORARY TABLE hotspots_found ON COMMIT DROP AS
    WITH cells AS MATERIALIZED ({cells}),
    counts AS (SELECT kind, cx, cy, count(*) AS n FROM cells GROUP BY kind, cx, cy),
    -- Each non-empty cell's 3×3 block total.
    spread AS (
        SELECT kind, cx + dx.d AS bx, cy + dy.d AS by, n FROM counts, {offsets}
    ),
    blocks AS (
        SELECT s.kind, s.bx AS cx, s.by AS cy, sum(s.n) AS total
          FROM spread s
          JOIN counts c ON c.kind = s.kind AND c.cx = s.bx AND c.cy = s.by
         GROUP BY s.kind, s.bx, s.by
        HAVING sum(s.n) >= %(min_reports)s
    ),
    -- For each cell, the best block centred within one cell of it (most reports, then the
    -- lowest cell); a block is kept when it is the best around its own centre.
    rivals AS (
        SELECT DISTINCT ON (b.kind, b.cx + dx.d, b.cy + dy.d)
               b.kind, b.cx + dx.d AS tx, b.cy + dy.d AS ty, b.cx AS wx, b.cy AS wy
          FROM blocks b, {offsets}
         ORDER BY b.kind, b.cx + dx.d, b.cy + dy.d, b.total DESC, b.cx, b.cy
    ),
    peaks AS (
        SELECT b.* FROM blocks b
          JOIN rivals r ON r.kind = b.kind AND r.tx = b.cx AND r.ty = b.cy
                       AND r.wx = b.cx AND r.wy = b.cy
    ),
    unplaced AS (
        SELECT r.*, lower(trim(r.place)) AS norm,
               count(*) OVER (PARTITION BY r.kind, r.village_id, lower(trim(r.place))) AS n
          FROM ({reports}) r
         WHERE r.lat IS NULL AND trim(r.place) <> ''
    )
    SELECT p.kind, 'cell:' || p.cx || ':' || p.cy AS key, c.src, c.id, c.at, c.lat, c.lng,
           c.village_id, c.place
      FROM cells c, {offsets}, peaks p
     WHERE p.kind = c.kind AND p.cx = c.cx + dx.d AND p.cy = c.cy + dy.d
    UNION ALL
    SELECT kind, left('addr:' || coalesce(village_id::text, '') || ':' || norm, 260), src, id,
           at, lat, lng, village_id, place
      FROM unplaced WHERE n >= %(min_reports)s
"""

STORE_SQL = """
    INSERT INTO {hotspot} (town_id, village_id, kind, key, category_id, finding_type, place,
                           lat, lng, count, first_at, last_at, active, computed_at)
    SELECT %(town)s, mode() WITHIN GROUP (ORDER BY village_id), kind, key,
           CASE WHEN kind LIKE 'c%%' THEN substr(kind, 2)::bigint END,
           CASE WHEN kind LIKE 'f%%' THEN substr(kind, 2) ELSE '' END,
           coalesce(left(mode() WITHIN GROUP (ORDER BY nullif(trim(place), '')), 200), ''),
           round(avg(lat)::numeric, 6), round(avg(lng)::numeric, 6),
           count(*), min(at), max(at), true, %(now)s
      FROM hotspots_found GROUP BY kind, key
    ON CONFLICT (town_id, kind, key) DO UPDATE
       SET village_id = EXCLUDED.village_id, place = EXCLUDED.place, lat = EXCLUDED.lat,
           lng = EXCLUDED.lng, count = EXCLUDED.count, first_at = EXCLUDED.first_at,
           last_at = EXCLUDED.last_at, active = true, computed_at = EXCLUDED.computed_at
"""

MEMBERS_SQL = """
    INSERT INTO {member} (hotspot_id, order_id, finding_id, at, lat, lng)
    SELECT h.id, CASE WHEN f.src = 'o' THEN f.id END, CASE WHEN f.src = 'f' THEN f.id END,
           f.at, round(f.lat::numeric, 6), round(f.lng::numeric, 6)
      FROM hotspots_found f
      JOIN {hotspot} h ON h.town_id = %(town)s AND h.kind = f.kind AND h.key = f.key
"""

# After a proactive order closed: reports of the hotspot's kind at its place (the same 3×3
# block, or the same address) within CAME_BACK_DAYS of the closing.
CAME_BACK_SQL = """
    WITH cells AS ({cells}),
    watched AS (
        SELECT h.id, h.kind, h.key, o.closed_at,
               CASE WHEN h.key LIKE 'cell:%%' THEN split_part(h.key, ':', 2)::bigint END AS cx,
               CASE WHEN h.key LIKE 'cell:%%' THEN split_part(h.key, ':', 3)::bigint END AS cy
          FROM {hotspot} h JOIN {order} o ON o.id = h.order_id
         WHERE h.town_id = %(town)s AND o.closed_at IS NOT NULL
    ),
    placed AS (
        SELECT w.id, count(c.id) AS n FROM watched w
          LEFT JOIN cells c ON c.kind = w.kind AND w.cx IS NOT NULL
               AND c.cx BETWEEN w.cx - 1 AND w.cx + 1 AND c.cy BETWEEN w.cy - 1 AND w.cy + 1
               AND c.at > w.closed_at AND c.at <= w.closed_at + %(came_back)s
         GROUP BY w.id
    ),
    unplaced AS (
        SELECT w.id, count(r.id) AS n FROM watched w
          LEFT JOIN ({reports}) r ON r.kind = w.kind AND w.cx IS NULL AND r.lat IS NULL
               AND w.key = left('addr:' || coalesce(r.village_id::text, '') || ':'
                                || lower(trim(r.place)), 260)
               AND r.at > w.closed_at AND r.at <= w.closed_at + %(came_back)s
         GROUP BY w.id
    )
    UPDATE {hotspot} h SET came_back = p.n + u.n
      FROM placed p JOIN unplaced u ON u.id = p.id
     WHERE h.id = p.id
"""


@dataclass
class Analysis:
    hotspots: int
    rising: int
    repeat_callers: int


def analyse_town(
    *,
    town: Town,
    now: datetime.datetime | None = None,
    radius_m: int = RADIUS_M,
    days: int = WINDOW_DAYS,
    min_reports: int = MIN_REPORTS,
) -> Analysis:
    """Recompute the town's hotspots, rising issues and repeat callers (idempotent)."""

    now = now or timezone.now()
    params = {
        "town": town.pk,
        "proactive": Source.PROACTIVE,
        "since": now - datetime.timedelta(days=days),
        "until": now,
        "cell_m": float(radius_m),
        "min_reports": min_reports,
        "now": now,
        "came_back": datetime.timedelta(days=CAME_BACK_DAYS),
    }
    names = {"hotspot": _t(Hotspot), "member": _t(HotspotMember), "order": _t(WorkOrder)}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('hotspots'), %s)", [town.pk])
        cursor.execute(
            FOUND_SQL.format(cells=_cells_sql(), reports=_reports_sql(), offsets=OFFSETS), params
        )
        cursor.execute(STORE_SQL.format(**names), params)
        # Not found this time: forgotten, unless an order was made from it (kept, inactive).
        Hotspot.objects.filter(town=town).exclude(computed_at=now).update(active=False)
        Hotspot.objects.filter(town=town, active=False, order__isnull=True).delete()
        HotspotMember.objects.filter(hotspot__town=town).delete()
        cursor.execute(MEMBERS_SQL.format(**names), params)
        cursor.execute("DROP TABLE hotspots_found")
        # Complaints since each closed proactive order: from the earliest closing to now.
        first_closed = (
            Hotspot.objects.filter(town=town, order__closed_at__isnull=False)
            .order_by("order__closed_at")
            .values_list("order__closed_at", flat=True)
            .first()
        )
        if first_closed is not None:
            cursor.execute(
                CAME_BACK_SQL.format(cells=_cells_sql(), reports=_reports_sql(), **names),
                {**params, "since": first_closed, "until": now + datetime.timedelta(seconds=1)},
            )
        rising = _rising(cursor, town=town, now=now)
        repeat = _repeat_callers(cursor, town=town, now=now)
        found = Hotspot.objects.filter(town=town, active=True).count()
    return Analysis(hotspots=found, rising=rising, repeat_callers=repeat)


def _rising(cursor, *, town: Town, now: datetime.datetime) -> int:

    this_month = month_start(timezone.localdate(now, timezone=TZ))
    first = this_month
    for _i in range(3):
        first = month_start(first - datetime.timedelta(days=1))
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=TZ)
    current = datetime.datetime.combine(this_month, datetime.time.min, tzinfo=TZ)
    RisingIssue.objects.filter(town=town, month=this_month).delete()
    cursor.execute(
        f"""
        INSERT INTO {_t(RisingIssue)} (town_id, village_id, category_id, month, count,
                                       previous_mean, computed_at)
        SELECT %(town)s, village_id, category_id, %(month)s, cur, round(prev / 3.0, 2), %(now)s
          FROM (
            SELECT village_id, category_id,
                   count(*) FILTER (WHERE created_at >= %(current)s) AS cur,
                   count(*) FILTER (WHERE created_at < %(current)s) AS prev
              FROM {_t(WorkOrder)}
             WHERE town_id = %(town)s AND village_id IS NOT NULL AND source <> %(proactive)s
               AND created_at >= %(start)s AND created_at <= %(now)s
             GROUP BY village_id, category_id
          ) x
         WHERE cur >= %(least)s AND cur >= 2 * prev / 3.0
        """,  # noqa: S608 - table names from model meta
        {
            "town": town.pk,
            "month": this_month,
            "now": now,
            "current": current,
            "start": start,
            "least": RISING_MIN,
            "proactive": Source.PROACTIVE,
        },
    )
    return cursor.rowcount


def _repeat_callers(cursor, *, town: Town, now: datetime.datetime) -> int:

    cursor.execute(
        f"""
        SELECT caller_phone, count(*), max(created_at), json_agg(json_build_array(id, number) ORDER BY created_at DESC)
          FROM {_t(WorkOrder)}
         WHERE town_id = %s AND caller_phone <> '' AND created_at > %s AND created_at <= %s
         GROUP BY caller_phone HAVING count(*) >= %s
        """,  # noqa: S608 - table name from model meta
        [town.pk, now - datetime.timedelta(days=REPEAT_DAYS), now, REPEAT_MIN],
    )
    rows = [
        RepeatCaller(
            town=town,
            masked_phone=mask_phone(phone),
            count=count,
            last_at=last,
            order_ids=ids,
            computed_at=now,
        )
        for phone, count, last, ids in cursor.fetchall()
    ]
    RepeatCaller.objects.filter(town=town).delete()
    RepeatCaller.objects.bulk_create(rows)
    return len(rows)


def analyse_all(*, now: datetime.datetime | None = None) -> int:
    """Every town, one transaction each; returns how many hotspots are active."""
    return sum(analyse_town(town=town, now=now).hotspots for town in Town.objects.order_by("pk"))


# --- The one-click proactive order --------------------------------------------------------


class HotspotOrderError(Exception):
    pass


def _describe(hotspot: Hotspot, category: Category) -> tuple[str, str]:
    what = category.name if hotspot.category_id else FindingType(hotspot.finding_type).label
    where = hotspot.place or _("the marked place")
    title = _("Proactive: %(what)s at %(where)s") % {"what": what, "where": where}
    numbers = ", ".join(
        m.order.number
        for m in hotspot.members.select_related("order").order_by("at")
        if m.order_id is not None
    )
    text = _(
        "%(count)s reports of %(what)s near %(where)s between %(first)s and %(last)s. "
        "Acting before residents call again (未诉先办)."
    ) % {
        "count": hotspot.count,
        "what": what,
        "where": where,
        "first": timezone.localdate(hotspot.first_at, timezone=TZ),
        "last": timezone.localdate(hotspot.last_at, timezone=TZ),
    }
    if numbers:
        text += " " + _("Orders: %(numbers)s.") % {"numbers": numbers}
    return title[:120], text[:5000]


@transaction.atomic(durable=True)
def hotspot_order(*, actor, hotspot_id: int, category: Category | None = None):
    """Turn a hotspot into a proactive work order (source 主动发现), new on the board for
    dispatch like any other. Returns (order, created): a second click, or two dispatchers at
    once, get the order the first made (the hotspot row is locked while it is made)."""
    hotspot = Hotspot.objects.select_for_update().select_related("town").get(pk=hotspot_id)
    if hotspot.order_id is not None:
        return hotspot.order, False
    if hotspot.category_id is not None:
        category = hotspot.category
    elif category is None or category.town_id != hotspot.town_id:
        raise HotspotOrderError(_("Choose the category the new order goes under."))
    title, description = _describe(hotspot, category)
    village = hotspot.village
    order, _created = order_create_within(
        actor=actor,
        town=hotspot.town,
        source=Source.PROACTIVE,
        category=category,
        title=title,
        description=description,
        village=village,
        address=hotspot.place[:200],
        lat=hotspot.lat,
        lng=hotspot.lng,
    )
    hotspot.order = order
    hotspot.save(update_fields=["order"])
    return order, True
