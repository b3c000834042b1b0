"""What one household is shown of its points: the kiosk's page (balance, this month's points,
live rank, recent entries and baskets) and the passbook statement."""

import datetime
import logging
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from households.models import Household
from huaisi.periods import days_bounds, month_end, month_start

from ..models import (
    Entry,
    PointsAccount,
    Redemption,
)
from ..services._common import STANDINGS_SECONDS, standings_key

logger = logging.getLogger(__name__)

STANDINGS_SQL = """
    WITH pool AS (
        SELECT h.id AS household_id, COALESCE(SUM(e.points), 0) AS points
        FROM households_household h
        JOIN grids_microgrid m ON m.id = h.microgrid_id
        JOIN grids_grid g ON g.id = m.grid_id
        LEFT JOIN points_entry e
            ON e.household_id = h.id AND e.status = 'approved' AND e.ranking_month = %(month)s
        WHERE g.village_id = %(village)s AND h.pact_signed_on <= %(month_end)s
          AND (h.status = 'active' OR e.id IS NOT NULL)
        GROUP BY h.id
    )
    SELECT household_id, points, RANK() OVER (ORDER BY points DESC) AS rank FROM pool
"""


def village_standings(*, village_id: int, month: datetime.date) -> dict[int, tuple[int, int]]:
    """{household id: (points, rank)} of every pact household of the village for `month`,
    live (as the published ranking would be now), shared through Redis for up to
    STANDINGS_SECONDS and dropped when an approval commits (services._common)."""
    try:
        # The key first (it carries the version an approval moves on), then the data.
        key = standings_key(village_id=village_id, month=month)
        standings = cache.get(key)
    except Exception:  # Redis down: read them from the database
        key, standings = None, None
    if standings is not None:
        return standings
    with connection.cursor() as cursor:
        cursor.execute(
            STANDINGS_SQL, {"month": month, "month_end": month_end(month), "village": village_id}
        )
        standings = {household: (points, rank) for household, points, rank in cursor}
    try:
        if key is not None:
            cache.set(key, standings, STANDINGS_SECONDS)
    except Exception:  # Redis down: the next visit reads them again
        logger.warning("could not cache the standings of village %s", village_id, exc_info=True)
    return standings


@dataclass(frozen=True)
class KioskEntry:
    points: int
    deed_date: datetime.date
    basis: str
    status: str
    reject_reason: str
    is_correction: bool
    title: str
    category: str


@dataclass(frozen=True)
class KioskBasket:
    total_points: int  # negative for a refund
    redeemed_on: datetime.date  # in the town's time zone
    receipt_number: str
    is_refund: bool
    lines: list[tuple[str, int]]  # (good, quantity)


@dataclass(frozen=True)
class KioskGood:
    name: str
    unit: str
    price_points: int
    stock: int


@dataclass(frozen=True)
class PublishedRank:
    month: datetime.date
    rank: int
    points: int


@dataclass
class HouseholdPoints:
    account_id: int
    balance: int
    passbook_number: str
    household_id: int
    household_number: str
    village_id: int
    village_name: str
    month: datetime.date
    month_points: int
    rank: int | None
    ranked: int | None
    published: PublishedRank | None
    entries: list[KioskEntry] = field(default_factory=list)
    redemptions: list[KioskBasket] = field(default_factory=list)
    goods: list[KioskGood] = field(default_factory=list)


# The kiosk's household page in one statement: it is opened at every sign-in, and one round
# trip with the lists built by PostgreSQL as JSON costs a fraction of six ORM queries.
HOUSEHOLD_POINTS_SQL = """
    SELECT a.id, a.balance, a.passbook_number, h.id, h.number, v.id, v.name,
        (SELECT COALESCE(json_agg(json_build_array(
                    e.points, e.deed_date, e.basis, e.status, e.reject_reason,
                    e.reverses_id IS NOT NULL, r.title, r.category)
                ORDER BY e.recorded_at DESC, e.id DESC), '[]')
         FROM (SELECT * FROM points_entry WHERE household_id = h.id
               ORDER BY recorded_at DESC, id DESC LIMIT %(entries)s) e
         JOIN points_rule r ON r.id = e.rule_id),
        (SELECT COALESCE(json_agg(json_build_array(
                    b.total_points, (b.redeemed_at AT TIME ZONE %(tz)s)::date, b.receipt_number,
                    b.reverses_id IS NOT NULL,
                    (SELECT COALESCE(json_agg(json_build_array(gd.name, l.quantity)
                                              ORDER BY l.id), '[]')
                     FROM points_redemptionline l JOIN points_good gd ON gd.id = l.good_id
                     WHERE l.redemption_id = b.id))
                ORDER BY b.redeemed_at DESC, b.id DESC), '[]')
         FROM (SELECT * FROM points_redemption WHERE household_id = h.id
               ORDER BY redeemed_at DESC, id DESC LIMIT %(redemptions)s) b),
        (SELECT COALESCE(json_agg(json_build_array(gd.name, gd.unit, gd.price_points, gd.stock)
                                  ORDER BY gd.price_points, gd.name), '[]')
         FROM points_good gd JOIN points_store s ON s.id = gd.store_id
         WHERE s.village_id = v.id AND gd.is_active),
        (SELECT json_build_array(p.month, rr.rank, rr.points)
         FROM points_rankingrow rr
         JOIN points_rankingpublication p ON p.id = rr.publication_id
         WHERE rr.household_id = h.id AND p.id = (
             SELECT id FROM points_rankingpublication WHERE village_id = v.id
             ORDER BY month DESC LIMIT 1))
    FROM points_pointsaccount a
    JOIN households_household h ON h.id = a.household_id
    JOIN grids_microgrid m ON m.id = h.microgrid_id
    JOIN grids_grid g ON g.id = m.grid_id
    JOIN grids_village v ON v.id = g.village_id
    WHERE a.id = %(account)s
"""


def household_points(
    *, account_id: int, entries: int = 30, redemptions: int = 10
) -> HouseholdPoints:
    """What the kiosk shows a household: balance, this month's points and live rank in the
    village, the latest entries with their basis (pending and rejected ones too: each
    household is told every addition and deduction and why), recent baskets, the goods the
    village supermarket offers, and its rank on the latest published notice board. One query
    (two while the village's standings are not cached). No ID or phone numbers are read."""
    params = {
        "account": account_id,
        "entries": entries,
        "redemptions": redemptions,
        "tz": timezone.get_current_timezone_name(),
    }
    with connection.cursor() as cursor:
        cursor.execute(HOUSEHOLD_POINTS_SQL, params)
        row = cursor.fetchone()
    if row is None:
        raise PointsAccount.DoesNotExist(f"no points account {account_id}")
    (account_id, balance, passbook, household_id, number, village_id, village_name,
     entry_rows, basket_rows, good_rows, published) = row  # fmt: skip
    month = month_start(timezone.localdate())
    standings = village_standings(village_id=village_id, month=month)
    points, rank = standings.get(household_id, (0, None))
    return HouseholdPoints(
        account_id=account_id,
        balance=balance,
        passbook_number=passbook,
        household_id=household_id,
        household_number=number,
        village_id=village_id,
        village_name=village_name,
        month=month,
        month_points=points,
        rank=rank,
        ranked=len(standings) if rank is not None else None,
        published=PublishedRank(
            datetime.date.fromisoformat(published[0]), published[1], published[2]
        )
        if published
        else None,
        entries=[
            KioskEntry(p, datetime.date.fromisoformat(d), basis, status, reason, fix, title, cat)
            for p, d, basis, status, reason, fix, title, cat in entry_rows
        ],
        redemptions=[
            KioskBasket(
                total,
                datetime.date.fromisoformat(day),
                receipt,
                refund,
                [(name, quantity) for name, quantity in lines],
            )
            for total, day, receipt, refund, lines in basket_rows
        ],  # fmt: skip
        goods=[KioskGood(*good) for good in good_rows],
    )


@dataclass
class StatementLine:
    at: datetime.datetime
    kind: str  # "entry" or "redemption"
    text: str
    points: int
    balance: int
    row: object


@dataclass
class Statement:
    household: Household
    start: datetime.date
    end: datetime.date
    opening: int
    closing: int
    lines: list[StatementLine]
    pending: list


def household_statement(
    *, household: Household, start: datetime.date, end: datetime.date
) -> Statement:
    """The passbook statement (逐一反馈) for the days `start`…`end`: the opening balance,
    every approved entry (at its approval) and every basket or refund in between with the
    running balance, and the entries still waiting for review. Five queries."""
    since, until = days_bounds(start, end)
    approved = Entry.objects.filter(household=household, status=Entry.Status.APPROVED)
    baskets = Redemption.objects.filter(household=household)
    earned_before = approved.filter(reviewed_at__lt=since).aggregate(s=Sum("points"))["s"] or 0
    spent_before = baskets.filter(redeemed_at__lt=since).aggregate(s=Sum("total_points"))["s"] or 0
    opening = earned_before - spent_before
    moves = [
        (e.reviewed_at, "entry", f"{e.rule.code} {e.rule.title}: {e.basis}", e.points, e)
        for e in approved.filter(reviewed_at__gte=since, reviewed_at__lt=until).select_related(
            "rule", "reviewed_by"
        )
    ] + [
        (r.redeemed_at, "redemption", r.receipt_number, -r.total_points, r)
        for r in baskets.filter(redeemed_at__gte=since, redeemed_at__lt=until)
    ]
    moves.sort(key=lambda move: (move[0], move[1]))
    balance = opening
    lines = []
    for at, kind, text, points, row in moves:
        balance += points
        lines.append(StatementLine(at, kind, text, points, balance, row))
    pending = list(
        Entry.objects.filter(household=household, status=Entry.Status.PENDING)
        .select_related("rule")
        .order_by("recorded_at")
    )
    return Statement(household, start, end, opening, balance, lines, pending)


def household_rejected_entries(*, household: Household, start: datetime.date, end: datetime.date):
    """Entries rejected during `start`…`end` (Asia/Shanghai days), with the reason: the
    statement tells the household about these too."""
    since, until = days_bounds(start, end)
    return (
        Entry.objects.filter(
            household=household,
            status=Entry.Status.REJECTED,
            reviewed_at__gte=since,
            reviewed_at__lt=until,
        )
        .select_related("rule", "reviewed_by")
        .order_by("reviewed_at")
    )
