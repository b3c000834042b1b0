"""The points supermarket: stores, goods, receipts and the monthly store report."""

import datetime

from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from huaisi.access import get_for_user, visible_to
from huaisi.periods import month_bounds
from huaisi.roles import Capability

from ..models import (
    Entry,
    Good,
    Redemption,
    RedemptionLine,
    StockReceipt,
    Store,
)


def stores_for_user(*, user) -> QuerySet[Store]:
    return visible_to(
        user, Store.objects.select_related("village"), capability=Capability.VIEW_POINTS
    ).order_by("village__code")


def store_get_for_user(*, user, pk: int, capability: str = Capability.VIEW_POINTS) -> Store:
    return get_for_user(
        user, Store.objects.select_related("village__town"), pk=pk, capability=capability
    )


def store_for_village(*, village) -> Store | None:
    return Store.objects.filter(village=village).first()


def goods_of_store(*, store: Store, active_only: bool = False) -> QuerySet[Good]:
    goods = Good.objects.filter(store=store)
    return goods.filter(is_active=True) if active_only else goods.order_by("-is_active", "name")


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


def store_month_report(*, store: Store, month: datetime.date) -> QuerySet[Good]:
    """Per good, for the month (Asia/Shanghai): quantity out (sold less refunded), points
    taken (likewise), quantity received, and the stock now. One query."""
    since, until = month_bounds(month)
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
