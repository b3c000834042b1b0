"""The points ledger's reads for staff: the rulebook, entries and the review queue, passbooks
and the households they belong to, and the ledger check."""

import datetime
import hmac

from django.db import connection
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from households.models import Household, Resident
from households.selectors import resident_search_for_user
from huaisi.access import get_for_user, visible_to
from huaisi.roles import Capability

from ..models import (
    Entry,
    EntryPhoto,
    PointsAccount,
    Rule,
)

ENTRY_RELATED = ("household__microgrid__grid__village", "rule", "recorded_by", "reviewed_by")


def rules_for_town(*, town, on: datetime.date | None = None) -> QuerySet[Rule]:
    """The published rulebook (public: it is posted in every village). With `on`, only the
    rules valid that day (what a clerk may record against)."""
    rules = Rule.objects.filter(town=town).order_by("group", "code")
    if on is not None:
        rules = rules.filter(valid_from__lte=on).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on)
        )
    return rules


def rule_get_for_user(*, user, pk: int, capability: str = Capability.MANAGE_RULEBOOK) -> Rule:
    return get_for_user(user, Rule.objects.select_related("town"), pk=pk, capability=capability)


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


def photo_get_for_user(*, user, pk: int) -> EntryPhoto:
    return get_for_user(user, EntryPhoto.objects.all(), pk=pk, capability=Capability.VIEW_POINTS)


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


def review_queue_choices(queue: QuerySet[Entry]) -> dict[str, list[dict]]:
    """The rules and recorders of the entries waiting in `queue`, with how many each, for the
    queue's filters (two grouped queries, whatever the queue's length)."""
    plain = queue.order_by().select_related(None).prefetch_related(None)
    rules = list(
        plain.values("rule_id", "rule__code", "rule__title")
        .annotate(n=Count("pk"))
        .order_by("rule__code", "rule_id")
    )
    recorders = list(
        plain.values("recorded_by_id", "recorded_by__first_name", "recorded_by__username")
        .annotate(n=Count("pk"))
        .order_by("recorded_by__first_name", "recorded_by__username")
    )
    return {"rules": rules, "recorders": recorders}


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


def present_heads() -> QuerySet[Resident]:
    """The households' present heads (not moved out, alive): whose name a household goes by
    on the points pages and the notice board."""
    return Resident.objects.filter(relation=Resident.Relation.HEAD, moved_out=False, deceased=False)


def household_find_for_user(
    *, user, query: str, capability: str = Capability.RECORD_POINTS, limit: int = 20
) -> list[Household]:
    """Households the user may act on for `capability`, by exact household or passbook number,
    else by a present resident's name (as the register's search finds it: the start or end of
    the name, pinyin initials). Each with its passbook (or none) and its head's name."""
    query = (query or "").strip()[:40]
    if not query:
        return []
    head = present_heads().filter(household=OuterRef("pk")).values("name")[:1]
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
    head = present_heads().filter(household=OuterRef("pk")).values("name")[:1]
    return get_for_user(
        user,
        Household.objects.select_related(
            "microgrid__grid__village__town", "house", "points_account"
        ).annotate(head_name=Subquery(head)),
        pk=pk,
        capability=capability,
    )


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
