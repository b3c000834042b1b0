"""Monthly rankings and half-year honour lists: frozen snapshots, one per village and period.

Each publication is one transaction of set-based SQL: insert the villages' publication rows
(ON CONFLICT DO NOTHING on the UNIQUE (village, period) keeps villages already published as
they are), then rank every eligible household of the new ones with RANK() in one INSERT …
SELECT. A crash at any point rolls the whole transaction back; a second run after a finished
one inserts nothing. Running it twice, or again after a crash, leaves exactly one publication
per village and period.

Who is ranked for a month: households whose civility pact was signed by the month's last day,
active ones (with zero points too) and any others that still have points that month. Points
earned in a month are approved entries whose `ranking_month` is that month, so an entry
approved after its deed's month was published counts in the month it was approved.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huaisi.periods import half_start, month_end, month_start, next_half

from ._common import (
    LOCK_HONOURS_HALF,
    LOCK_RANKING_MONTH,
    advisory_lock,
)

# Points per eligible household for one month, by village (the rows to rank).
MONTH_POINTS_SQL = """
    SELECT g.village_id, h.id AS household_id, COALESCE(s.points, 0) AS points
    FROM households_household h
    JOIN grids_microgrid m ON m.id = h.microgrid_id
    JOIN grids_grid g ON g.id = m.grid_id
    LEFT JOIN (
        SELECT household_id, SUM(points) AS points
        FROM points_entry
        WHERE status = 'approved' AND ranking_month = %(month)s
        GROUP BY household_id
    ) s ON s.household_id = h.id
    WHERE h.pact_signed_on <= %(month_end)s
      AND (h.status = 'active' OR s.points IS NOT NULL)
"""


def _villages_filter(town) -> tuple[str, dict]:
    if town is None:
        return "", {}
    return "WHERE v.town_id = %(town)s", {"town": town.pk}


def _check_closed(first_day_after: datetime.date, label: str) -> None:
    if first_day_after > timezone.localdate():
        raise ValidationError(
            _("%(period)s has not ended yet; it can be published from %(date)s.")
            % {"period": label, "date": first_day_after.isoformat()},
            code="not_ended",
        )


@transaction.atomic(durable=True)
def ranking_publish(*, month: datetime.date, town=None) -> int:
    """Close `month` (see `publish_month_rankings`), in its own transaction."""
    return publish_month_rankings(month=month, town=town)


@transaction.atomic
def publish_month_rankings(*, month: datetime.date, town=None) -> int:
    """Close `month`: publish each village's ranking (of `town`, or of every town) that is not
    published yet. Returns how many villages were published now.

    Takes the month's advisory lock exclusively: approvals of entries dated in that month
    hold it shared while they decide their ranking month (see `ranking_month_for`)."""
    month = month_start(month)
    end = month_end(month)
    _check_closed(end + datetime.timedelta(days=1), f"{month:%Y-%m}")
    advisory_lock(LOCK_RANKING_MONTH, month.year * 100 + month.month)
    where, params = _villages_filter(town)
    params |= {"month": month, "month_end": end, "now": timezone.now()}
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO points_rankingpublication (village_id, month, published_at)
            SELECT v.id, %(month)s, %(now)s FROM grids_village v {where}
            ORDER BY v.id
            ON CONFLICT (village_id, month) DO NOTHING
            RETURNING id
            """,  # noqa: S608 - only our own fixed fragments are formatted in
            params,
        )
        publication_ids = [row[0] for row in cursor.fetchall()]
        if not publication_ids:
            return 0
        cursor.execute(
            f"""
            INSERT INTO points_rankingrow (publication_id, household_id, points, rank)
            SELECT p.id, pool.household_id, pool.points,
                   RANK() OVER (PARTITION BY p.id ORDER BY pool.points DESC)
            FROM points_rankingpublication p
            JOIN ({MONTH_POINTS_SQL}) pool ON pool.village_id = p.village_id
            WHERE p.id = ANY(%(publications)s)
            """,  # noqa: S608
            params | {"publications": publication_ids},
        )
    return len(publication_ids)


def ranking_reference(*, month: datetime.date) -> list[tuple]:
    """The same aggregate as `ranking_publish`, as a plain SELECT (the benchmark's raw-SQL
    reference): (village id, household id, points, rank) for every village."""
    month = month_start(month)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT pool.village_id, pool.household_id, pool.points,
                   RANK() OVER (PARTITION BY pool.village_id ORDER BY pool.points DESC)
            FROM ({MONTH_POINTS_SQL}) pool
            """,  # noqa: S608
            {"month": month, "month_end": month_end(month)},
        )
        return cursor.fetchall()


def parse_half(label: str) -> datetime.date:
    """'2026H1' → 2026-01-01, '2026H2' → 2026-07-01."""
    text = (label or "").strip().upper()
    if len(text) != 6 or text[4] != "H" or text[5] not in "12" or not text[:4].isdigit():
        raise ValidationError(_("Write the half year as 2026H1 or 2026H2."), code="bad_half")
    return datetime.date(int(text[:4]), 1 if text[5] == "1" else 7, 1)


@transaction.atomic(durable=True)
def honours_publish(*, half: datetime.date, town=None) -> int:
    """The honour lists of the half year starting `half` (see `publish_half_honours`), in
    its own transaction."""
    return publish_half_honours(half=half, town=town)


@transaction.atomic
def publish_half_honours(*, half: datetime.date, town=None) -> int:
    """Publish each village's honour list (红榜) for the half year starting `half`: the
    households with the most points earned in it (sum over its six ranking months), ranks 1
    to 3 with ties at third all listed; only households with more than zero points."""
    start = half_start(half)
    end = next_half(start)
    label = f"{start.year}H{1 if start.month == 1 else 2}"
    _check_closed(end, label)
    advisory_lock(LOCK_HONOURS_HALF, start.year * 10 + (1 if start.month == 1 else 2))
    where, params = _villages_filter(town)
    params |= {"start": start, "end": end, "now": timezone.now()}
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO points_honourpublication (village_id, half_start, published_at)
            SELECT v.id, %(start)s, %(now)s FROM grids_village v {where}
            ORDER BY v.id
            ON CONFLICT (village_id, half_start) DO NOTHING
            RETURNING id
            """,  # noqa: S608
            params,
        )
        publication_ids = [row[0] for row in cursor.fetchall()]
        if not publication_ids:
            return 0
        cursor.execute(
            """
            INSERT INTO points_honourrow (publication_id, household_id, points, rank)
            SELECT publication_id, household_id, points, rank FROM (
                SELECT p.id AS publication_id, h.id AS household_id, s.points,
                       RANK() OVER (PARTITION BY p.id ORDER BY s.points DESC) AS rank
                FROM points_honourpublication p
                JOIN grids_grid g ON g.village_id = p.village_id
                JOIN grids_microgrid m ON m.grid_id = g.id
                JOIN households_household h ON h.microgrid_id = m.id
                JOIN (
                    SELECT household_id, SUM(points) AS points
                    FROM points_entry
                    WHERE status = 'approved'
                      AND ranking_month >= %(start)s AND ranking_month < %(end)s
                    GROUP BY household_id
                ) s ON s.household_id = h.id
                WHERE p.id = ANY(%(publications)s) AND s.points > 0
            ) ranked
            WHERE rank <= 3
            """,
            params | {"publications": publication_ids},
        )
    return len(publication_ids)
