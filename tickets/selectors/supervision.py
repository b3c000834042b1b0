"""督查: the supervision team's scores and each unit's monthly figures.

Which orders count for a unit in a month: those it leads that were (last) dispatched to it in
that month, Asia/Shanghai time; duplicates, orders handled on the spot (they have no unit) and
orders left out of assessment (不纳入考核) do not count. A re-dispatched order counts for the
unit that finally had it, in the month of that dispatch.

The figures, each over the orders whose outcome is known at the time of reckoning:
- acceptance on time: accepted by the acceptance deadline / accepted or past that deadline;
- reply on time: first reply by the reply deadline of the time / replied or past that deadline;
- standardisation: the mean of the supervision team's scores (0–100) of those orders;
- satisfaction: (very satisfied + satisfied) / callbacks, every callback counted;
- re-handling: orders re-handled at least once / orders replied.
A rate with nothing to count is empty (shown as "—"), not zero. The ranking orders units by
the mean of the figures they have, in percent (re-handling as 100 − its rate); ties share a
rank.
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, F, Q, QuerySet
from django.utils import timezone

from grids.models import Town
from huaisi.access import visible_to
from huaisi.periods import month_bounds
from huaisi.roles import Capability

from ..models import (
    Callback,
    Satisfaction,
    StandardItem,
    State,
    SupervisionReport,
    SupervisionScore,
    Unit,
    WorkOrder,
)
from .orders import LIST_RELATED


def _percent(part: int | Decimal, whole: int) -> float | None:
    if not whole:
        return None
    value = Decimal(part) * 100 / Decimal(whole)
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@dataclass
class UnitMonth:
    unit_id: int
    unit: str
    orders: int
    accepted_on_time: int
    accept_counted: int
    accept_rate: float | None
    replied_on_time: int
    reply_counted: int
    reply_rate: float | None
    scored: int
    standard_score: float | None
    callbacks: int
    satisfied: int
    satisfaction_rate: float | None
    replied: int
    reworked: int
    rework_rate: float | None
    overall: float | None = None
    rank: int | None = None


def assessed_orders(*, town: Town, month: datetime.date) -> QuerySet[WorkOrder]:
    start, end = month_bounds(month)
    return WorkOrder.objects.filter(
        town=town,
        lead_unit__isnull=False,
        dispatched_at__gte=start,
        dispatched_at__lt=end,
        excluded_from_assessment=False,
        handled_on_spot=False,
    ).exclude(state=State.DUPLICATE)


def unit_month_rows(
    *, town: Town, month: datetime.date, as_of: datetime.datetime | None = None
) -> list[UnitMonth]:
    """Every unit's figures for `month`, ranked (three grouped queries, whatever the size)."""
    as_of = as_of or timezone.now()
    orders = assessed_orders(town=town, month=month)
    per_unit = {
        row["lead_unit"]: row
        for row in orders.values("lead_unit").annotate(
            n_orders=Count("id"),
            n_accepted_on_time=Count(
                "id", filter=Q(accepted_at__isnull=False, accepted_at__lte=F("accept_due"))
            ),
            n_accept_counted=Count(
                "id", filter=Q(accepted_at__isnull=False) | Q(accept_due__lt=as_of)
            ),
            n_replied_on_time=Count("id", filter=Q(replied_on_time=True)),
            n_reply_counted=Count(
                "id", filter=Q(replied_on_time__isnull=False) | Q(reply_due__lt=as_of)
            ),
            n_replied=Count("id", filter=Q(first_replied_at__isnull=False)),
            n_reworked=Count("id", filter=Q(rework_count__gt=0)),
        )
    }
    if not per_unit:
        return []
    scores = {
        row["order__lead_unit"]: row
        for row in SupervisionScore.objects.filter(order__in=orders)
        .values("order__lead_unit")
        .annotate(scored=Count("id"), mean=Avg("score"))
    }
    callbacks = {
        row["order__lead_unit"]: row
        for row in Callback.objects.filter(order__in=orders)
        .values("order__lead_unit")
        .annotate(
            callbacks=Count("id"),
            satisfied=Count(
                "id",
                filter=Q(result__in=[Satisfaction.VERY_SATISFIED, Satisfaction.SATISFIED]),
            ),
        )
    }
    names = {
        u.pk: str(u)
        for u in Unit.objects.filter(pk__in=per_unit).select_related("department", "village")
    }
    rows = []
    for unit_id, r in per_unit.items():
        s = scores.get(unit_id, {"scored": 0, "mean": None})
        c = callbacks.get(unit_id, {"callbacks": 0, "satisfied": 0})
        mean = s["mean"]
        rows.append(
            UnitMonth(
                unit_id=unit_id,
                unit=names[unit_id],
                orders=r["n_orders"],
                accepted_on_time=r["n_accepted_on_time"],
                accept_counted=r["n_accept_counted"],
                accept_rate=_percent(r["n_accepted_on_time"], r["n_accept_counted"]),
                replied_on_time=r["n_replied_on_time"],
                reply_counted=r["n_reply_counted"],
                reply_rate=_percent(r["n_replied_on_time"], r["n_reply_counted"]),
                scored=s["scored"],
                standard_score=(
                    None
                    if mean is None
                    else float(Decimal(mean).quantize(Decimal("0.01"), ROUND_HALF_UP))
                ),
                callbacks=c["callbacks"],
                satisfied=c["satisfied"],
                satisfaction_rate=_percent(c["satisfied"], c["callbacks"]),
                replied=r["n_replied"],
                reworked=r["n_reworked"],
                rework_rate=_percent(r["n_reworked"], r["n_replied"]),
            )
        )
    _rank(rows)
    return rows


def _rank(rows: list[UnitMonth]) -> None:
    for row in rows:
        parts = [
            v
            for v in (
                row.accept_rate,
                row.reply_rate,
                row.standard_score,
                row.satisfaction_rate,
                None if row.rework_rate is None else 100 - row.rework_rate,
            )
            if v is not None
        ]
        row.overall = (
            float((Decimal(sum(parts)) / len(parts)).quantize(Decimal("0.01"), ROUND_HALF_UP))
            if parts
            else None
        )
    rows.sort(key=lambda r: (r.overall is None, -(r.overall or 0), r.unit))
    previous, rank = None, 0
    for position, row in enumerate(rows, start=1):
        if row.overall is None:
            continue
        if row.overall != previous:
            rank, previous = position, row.overall
        row.rank = rank


def scoring_queue(*, town: Town) -> QuerySet[WorkOrder]:
    """Replied orders the supervision team has not scored yet, oldest reply first."""
    return (
        WorkOrder.objects.filter(
            town=town,
            first_replied_at__isnull=False,
            lead_unit__isnull=False,
            handled_on_spot=False,
            score__isnull=True,
        )
        .exclude(state=State.DUPLICATE)
        .select_related(*LIST_RELATED)
        .order_by("first_replied_at", "pk")
    )


def checklist_of_town(*, town: Town) -> QuerySet[StandardItem]:
    return StandardItem.objects.filter(town=town, is_active=True).order_by("position", "pk")


def supervision_reports_for_user(*, user) -> QuerySet[SupervisionReport]:
    return visible_to(
        user,
        SupervisionReport.objects.select_related("town"),
        capability=Capability.VIEW_TICKETS,
    ).order_by("-month")
