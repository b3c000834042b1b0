"""Reads of the points app: scoped querysets for staff pages, the kiosk's household view, the
statement, the notice board, the store report and the ledger check. Each returns what its
page needs in a fixed number of queries."""

import datetime
import hmac
import logging
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connection
from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from households.models import Household, Resident
from households.selectors import resident_search_for_user
from huaisi.access import get_for_user, visible_to
from huaisi.roles import Capability

from .models import (
    Entry,
    EntryPhoto,
    Good,
    HonourPublication,
    HonourRow,
    PointsAccount,
    RankingPublication,
    RankingRow,
    Redemption,
    RedemptionLine,
    Rule,
    StockReceipt,
    Store,
)
from .services._common import (
    STANDINGS_SECONDS,
    month_end,
    month_start,
    next_month,
    standings_key,
)

ENTRY_RELATED = ("household__microgrid__grid__village", "rule", "recorded_by", "reviewed_by")


# --- Rulebook ---------------------------------------------------------------------------------


def rules_for_town(*, town, on: datetime.date | None = None) -> QuerySet[Rule]:
    """The published rulebook (public: it is posted in every village). With `on`, only the
    rules valid that day (what a clerk may record against)."""
    rules = Rule.objects.filter(town=town).order_by("group", "code")
    if on is not None:
        rules = rules.filter(valid_from__lte=on).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on)
        )
    return rules


# --- Ledger for staff -------------------------------------------------------------------------


def entries_for_user(*, user, capability: str = Capability.VIEW_POINTS) -> QuerySet[Entry]:
    return visible_to(
        user, Entry.objects.select_related(*ENTRY_RELATED), capability=capability
    ).order_by("-recorded_at", "-pk")


def entry_get_for_user(*, user, pk: int) -> Entry:
    return get_for_user(
        user,
        Entry.objects.select_related(*ENTRY_RELATED, "reverses").prefetch_related(
            "photos", "reversals"
        ),
        pk=pk,
        capability=Capability.VIEW_POINTS,
    )


def review_queue_for_user(*, user) -> QuerySet[Entry]:
    """Pending entries the user may review: their villages', not their own, oldest first."""
    return (
        visible_to(
            user,
            Entry.objects.select_related(*ENTRY_RELATED, "reverses").prefetch_related("photos"),
            capability=Capability.REVIEW_POINTS,
        )
        .filter(status=Entry.Status.PENDING)
        .exclude(recorded_by=user)
        .order_by("recorded_at", "pk")
    )


def accounts_for_user(*, user, capability: str = Capability.VIEW_POINTS) -> QuerySet[PointsAccount]:
    return visible_to(
        user,
        PointsAccount.objects.select_related("household__microgrid__grid__village"),
        capability=capability,
    )


def account_find_for_user(*, user, query: str, capability: str = Capability.RUN_STORE):
    """The store counter's search: an exact passbook or household number, or part of a
    present resident's name (at most 20 households)."""
    query = (query or "").strip()
    accounts = accounts_for_user(user=user, capability=capability)
    if not query:
        return accounts.none()
    exact = accounts.filter(Q(passbook_number=query) | Q(household__number=query))
    by_name = accounts.filter(
        household__residents__name__contains=query,
        household__residents__moved_out=False,
        household__residents__deceased=False,
    )
    ids = list(exact.values_list("pk", flat=True)[:20]) or list(
        by_name.values_list("pk", flat=True).distinct()[:20]
    )
    return accounts.filter(pk__in=ids).order_by("passbook_number")


def account_get_for_user(*, user, pk: int, capability: str = Capability.VIEW_POINTS):
    return get_for_user(
        user,
        PointsAccount.objects.select_related("household__microgrid__grid__village__town"),
        pk=pk,
        capability=capability,
    )


def account_get_by_card(*, passbook_number: str, token: str) -> PointsAccount | None:
    """The account a scanned card opens, or None if the card is unknown or was replaced."""
    account = (
        PointsAccount.objects.select_related("household")
        .filter(passbook_number=(passbook_number or "").strip())
        .first()
    )
    if account is None or not hmac.compare_digest(account.card_token, token or ""):
        return None
    return account


# --- Household view: kiosk and statement ------------------------------------------------------


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
    tz = timezone.get_current_timezone()
    since = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    until = datetime.datetime.combine(
        end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
    )
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


# --- Rankings, honours, notice board ----------------------------------------------------------


def publications_for_user(*, user) -> QuerySet[RankingPublication]:
    return visible_to(
        user,
        RankingPublication.objects.select_related("village"),
        capability=Capability.VIEW_POINTS,
    ).order_by("-month", "village__code")


def ranking_rows(*, publication: RankingPublication, limit: int | None = None) -> QuerySet:
    rows = (
        RankingRow.objects.filter(publication=publication)
        .select_related("household__house")
        .order_by("rank", "household__number")
    )
    return rows[:limit] if limit else rows


@dataclass
class NoticeBoard:
    village: object
    ranking: RankingPublication | None
    ranking_rows: list
    honours: HonourPublication | None
    honour_rows: list


def notice_board(*, village, ranking_limit: int = 50) -> NoticeBoard:
    """The village's latest published ranking and honour list (公示栏; public in the village
    hall). Households are shown by number and house, never by ID or phone. Four queries."""
    ranking = RankingPublication.objects.filter(village=village).order_by("-month").first()
    honours = HonourPublication.objects.filter(village=village).order_by("-half_start").first()
    rows = list(ranking_rows(publication=ranking, limit=ranking_limit)) if ranking else []
    honour_rows = (
        list(
            HonourRow.objects.filter(publication=honours)
            .select_related("household__house")
            .order_by("rank", "household__number")
        )
        if honours
        else []
    )
    return NoticeBoard(village, ranking, rows, honours, honour_rows)


def household_head_names(*, household_ids) -> dict[int, str]:
    """{household id: the present head's name} for the households that have one: the name a
    notice board posts beside the points. One query; reads nothing else of the residents."""
    return dict(
        Resident.objects.filter(
            household_id__in=list(household_ids),
            relation=Resident.Relation.HEAD,
            moved_out=False,
            deceased=False,
        ).values_list("household_id", "name")
    )


def honour_list(*, village, half: datetime.date | None = None):
    """(publication, rows) of the village's honour list for the half year starting `half`, or
    the latest; (None, []) when none is published. Two queries."""
    publications = HonourPublication.objects.filter(village=village)
    if half is not None:
        publications = publications.filter(half_start=half)
    publication = publications.order_by("-half_start").first()
    if publication is None:
        return None, []
    rows = list(
        HonourRow.objects.filter(publication=publication)
        .select_related("household")
        .order_by("rank", "household__number")
    )
    return publication, rows


def ranked_count(*, publication: RankingPublication) -> int:
    """How many households a published ranking ranks (the board shows the top of it)."""
    return RankingRow.objects.filter(publication=publication).count()


# --- Store -----------------------------------------------------------------------------------


def store_for_village(*, village) -> Store | None:
    return Store.objects.filter(village=village).first()


def goods_of_store(*, store: Store, active_only: bool = False) -> QuerySet[Good]:
    goods = Good.objects.filter(store=store)
    return goods.filter(is_active=True) if active_only else goods.order_by("-is_active", "name")


def redemption_get_for_user(*, user, pk: int) -> Redemption:
    """A receipt, with its lines and the refund if any."""
    return get_for_user(
        user,
        Redemption.objects.select_related(
            "store__village", "household__house", "redeemed_by", "reverses"
        ).prefetch_related(
            Prefetch("lines", queryset=RedemptionLine.objects.select_related("good"))
        ),
        pk=pk,
        capability=Capability.RUN_STORE,
    )


def store_month_report(*, store: Store, month: datetime.date) -> QuerySet[Good]:
    """Per good, for the month (Asia/Shanghai): quantity out (sold less refunded), points
    taken (likewise), quantity received, and the stock now. One query."""
    tz = timezone.get_current_timezone()
    month = month_start(month)
    since = datetime.datetime.combine(month, datetime.time.min, tzinfo=tz)
    until = datetime.datetime.combine(next_month(month), datetime.time.min, tzinfo=tz)
    lines = RedemptionLine.objects.filter(
        good=OuterRef("pk"),
        redemption__redeemed_at__gte=since,
        redemption__redeemed_at__lt=until,
    )
    sold = lines.filter(redemption__reverses__isnull=True)
    refunded = lines.filter(redemption__reverses__isnull=False)

    def total(qs, expression):
        return Coalesce(
            Subquery(qs.values("good").annotate(t=Sum(expression)).values("t")[:1]), Value(0)
        )

    received = StockReceipt.objects.filter(
        good=OuterRef("pk"), received_at__gte=since, received_at__lt=until
    )
    return (
        Good.objects.filter(store=store)
        .annotate(
            sold=total(sold, "quantity"),
            refunded=total(refunded, "quantity"),
            points_in=total(sold, F("quantity") * F("unit_points")),
            points_back=total(refunded, F("quantity") * F("unit_points")),
            received=Coalesce(
                Subquery(received.values("good").annotate(t=Sum("quantity")).values("t")[:1]),
                Value(0),
            ),
        )
        .annotate(
            quantity_out=F("sold") - F("refunded"), points_spent=F("points_in") - F("points_back")
        )
        .order_by("name")
    )


# --- The ledger check -------------------------------------------------------------------------

BALANCE_DIFFERENCES_SQL = """
    WITH earned AS (
        SELECT household_id, SUM(points) AS points FROM points_entry
        WHERE status = 'approved' GROUP BY household_id
    ), spent AS (
        SELECT household_id, SUM(total_points) AS points FROM points_redemption
        GROUP BY household_id
    ), expected AS (
        SELECT household_id, SUM(points) AS points FROM (
            SELECT household_id, points FROM earned
            UNION ALL SELECT household_id, -points FROM spent
        ) moves GROUP BY household_id
    )
    SELECT h.number, a.passbook_number, a.balance, COALESCE(x.points, 0)
    FROM expected x
    FULL JOIN points_pointsaccount a ON a.household_id = x.household_id
    JOIN households_household h ON h.id = COALESCE(a.household_id, x.household_id)
    WHERE a.id IS NULL OR a.balance IS DISTINCT FROM COALESCE(x.points, 0)
    ORDER BY h.number
"""

STOCK_DIFFERENCES_SQL = """
    WITH received AS (
        SELECT good_id, SUM(quantity) AS quantity FROM points_stockreceipt GROUP BY good_id
    ), sold AS (
        SELECT l.good_id,
               SUM(CASE WHEN r.reverses_id IS NULL THEN l.quantity ELSE -l.quantity END) AS quantity
        FROM points_redemptionline l JOIN points_redemption r ON r.id = l.redemption_id
        GROUP BY l.good_id
    )
    SELECT s.name, g.name, g.stock, COALESCE(rc.quantity, 0) - COALESCE(sd.quantity, 0)
    FROM points_good g
    JOIN points_store s ON s.id = g.store_id
    LEFT JOIN received rc ON rc.good_id = g.id
    LEFT JOIN sold sd ON sd.good_id = g.id
    WHERE g.stock <> COALESCE(rc.quantity, 0) - COALESCE(sd.quantity, 0)
    ORDER BY s.name, g.name
"""


def ledger_differences() -> tuple[list[tuple], list[tuple]]:
    """Balances and stock recomputed from the ledger, set-based: ([(household number,
    passbook number, balance held, balance from the ledger)], [(store, good, stock held,
    stock from receipts and baskets)]), only the rows that differ."""
    with connection.cursor() as cursor:
        cursor.execute(BALANCE_DIFFERENCES_SQL)
        balances = cursor.fetchall()
        cursor.execute(STOCK_DIFFERENCES_SQL)
        stock = cursor.fetchall()
    return balances, stock


# --- Staff pages -----------------------------------------------------------------------------


def household_find_for_user(
    *, user, query: str, capability: str = Capability.RECORD_POINTS, limit: int = 20
) -> list[Household]:
    """Households the user may act on for `capability`, by exact household or passbook number,
    else by a present resident's name (as the register's search finds it: the start or end of
    the name, pinyin initials). Each with its passbook (or none) and its head's name."""
    query = (query or "").strip()[:40]
    if not query:
        return []
    head = Resident.objects.filter(
        household=OuterRef("pk"), relation=Resident.Relation.HEAD, moved_out=False, deceased=False
    ).values("name")[:1]
    households = visible_to(
        user,
        Household.objects.select_related(
            "microgrid__grid__village", "house", "points_account"
        ).annotate(head_name=Subquery(head)),
        capability=capability,
    ).order_by("number")
    exact = list(
        households.filter(Q(number=query) | Q(points_account__passbook_number=query))[:limit]
    )
    if exact:
        return exact
    residents = resident_search_for_user(user=user, query=query).values("household_id")
    return list(households.filter(pk__in=residents)[:limit])


def household_get_for_points(*, user, pk: int, capability: str = Capability.VIEW_POINTS):
    """A household with its passbook (if opened) and its head's name: 404 outside the user's
    areas, 403 where they see it without `capability`."""
    head = Resident.objects.filter(
        household=OuterRef("pk"), relation=Resident.Relation.HEAD, moved_out=False, deceased=False
    ).values("name")[:1]
    return get_for_user(
        user,
        Household.objects.select_related(
            "microgrid__grid__village__town", "house", "points_account"
        ).annotate(head_name=Subquery(head)),
        pk=pk,
        capability=capability,
    )


def household_rejected_entries(*, household: Household, start: datetime.date, end: datetime.date):
    """Entries rejected during `start`…`end` (Asia/Shanghai days), with the reason: the
    statement tells the household about these too."""
    tz = timezone.get_current_timezone()
    since = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    until = datetime.datetime.combine(
        end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
    )
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


def balance_after(*, redemption: Redemption) -> int:
    """The household's balance just after `redemption` (for a receipt printed again later):
    approved entries up to then less baskets up to and including it. Two queries."""
    earned = (
        Entry.objects.filter(
            household_id=redemption.household_id,
            status=Entry.Status.APPROVED,
            reviewed_at__lte=redemption.redeemed_at,
        ).aggregate(s=Sum("points"))["s"]
        or 0
    )
    spent = (
        Redemption.objects.filter(household_id=redemption.household_id)
        .filter(
            Q(redeemed_at__lt=redemption.redeemed_at)
            | Q(redeemed_at=redemption.redeemed_at, pk__lte=redemption.pk)
        )
        .aggregate(s=Sum("total_points"))["s"]
        or 0
    )
    return earned - spent


def rule_get_for_user(*, user, pk: int, capability: str = Capability.MANAGE_RULEBOOK) -> Rule:
    return get_for_user(user, Rule.objects.select_related("town"), pk=pk, capability=capability)


def photo_get_for_user(*, user, pk: int) -> EntryPhoto:
    return get_for_user(user, EntryPhoto.objects.all(), pk=pk, capability=Capability.VIEW_POINTS)


def stores_for_user(*, user) -> QuerySet[Store]:
    return visible_to(
        user, Store.objects.select_related("village"), capability=Capability.VIEW_POINTS
    ).order_by("village__code")


def store_get_for_user(*, user, pk: int, capability: str = Capability.VIEW_POINTS) -> Store:
    return get_for_user(
        user, Store.objects.select_related("village__town"), pk=pk, capability=capability
    )


def good_get_for_user(*, user, pk: int, capability: str = Capability.RUN_STORE) -> Good:
    return get_for_user(
        user, Good.objects.select_related("store__village"), pk=pk, capability=capability
    )


def redemptions_of_store(*, store: Store) -> QuerySet[Redemption]:
    return (
        Redemption.objects.filter(store=store)
        .select_related("household", "redeemed_by", "reverses")
        .order_by("-redeemed_at", "-pk")
    )


def ranking_get_for_user(*, user, pk: int) -> RankingPublication:
    return get_for_user(
        user,
        RankingPublication.objects.select_related("village"),
        pk=pk,
        capability=Capability.VIEW_POINTS,
    )


def honour_publications_for_user(*, user) -> QuerySet[HonourPublication]:
    return visible_to(
        user,
        HonourPublication.objects.select_related("village"),
        capability=Capability.VIEW_POINTS,
    ).order_by("-half_start", "village__code")


def honour_get_for_user(*, user, pk: int) -> HonourPublication:
    return get_for_user(
        user,
        HonourPublication.objects.select_related("village"),
        pk=pk,
        capability=Capability.VIEW_POINTS,
    )


def honour_rows(*, publication: HonourPublication) -> QuerySet[HonourRow]:
    return (
        HonourRow.objects.filter(publication=publication)
        .select_related("household__house")
        .order_by("rank", "household__number")
    )
