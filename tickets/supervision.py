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

import calendar
import datetime
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Town

from .models import (
    Callback,
    Satisfaction,
    StandardItem,
    State,
    SupervisionReport,
    SupervisionScore,
    Unit,
    WorkOrder,
)
from .services import NotPermitted, WrongState, is_supervisor
from .worktime import TZ


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The first moment of `month` and of the next one, Asia/Shanghai."""
    start = datetime.datetime(month.year, month.month, 1, tzinfo=TZ)
    days = calendar.monthrange(month.year, month.month)[1]
    return start, start + datetime.timedelta(days=days)


def parse_month(value: str) -> datetime.date:
    """'2026-10' → 2026-10-01; ValueError otherwise."""
    year, month = value.strip().split("-")
    return datetime.date(int(year), int(month), 1)


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


@transaction.atomic(durable=True)
def order_score(
    *, actor, order: WorkOrder, points: dict[int, int], note: str = ""
) -> SupervisionScore:
    """The supervision team scores a replied order against the town's active checklist: every
    item gets 0 to its points. Scoring again replaces the score (a published report keeps the
    figures it was published with)."""
    order = WorkOrder.objects.select_related("lead_unit").get(pk=order.pk)
    if not is_supervisor(actor, order.town_id):
        raise NotPermitted(_("Only the town's supervision team may score orders."))
    if order.first_replied_at is None or order.lead_unit_id is None or order.handled_on_spot:
        raise WrongState(_("Only orders a unit has replied to are scored."), code="not_replied")
    items = list(StandardItem.objects.filter(town_id=order.town_id, is_active=True))
    if not items:
        raise ValidationError(_("The town has no standardisation checklist yet."))
    errors = {}
    given = {int(k): v for k, v in points.items()}
    for item in items:
        value = given.get(item.pk)
        if not isinstance(value, int) or not 0 <= value <= item.max_points:
            errors[f"item_{item.pk}"] = _("Give 0 to %(n)s points.") % {"n": item.max_points}
    if set(given) - {i.pk for i in items}:
        errors["items"] = _("Score only the items of the checklist.")
    if errors:
        raise ValidationError(errors)
    total = sum(given[i.pk] for i in items)
    possible = sum(i.max_points for i in items)
    score = (Decimal(total) * 100 / possible).quantize(Decimal("0.01"), ROUND_HALF_UP)
    result, _created = SupervisionScore.objects.update_or_create(
        order=order,
        defaults={
            "unit": order.lead_unit,
            "score": score,
            "items": {str(i.pk): given[i.pk] for i in items},
            "note": (note or "").strip(),
            "scored_by": actor,
            "scored_at": timezone.now(),
        },
    )
    return result


@transaction.atomic(durable=True)
def supervision_report_publish(
    *, town: Town, month: datetime.date, actor=None
) -> tuple[SupervisionReport, bool]:
    """Publish the frozen report of a finished month; returns (report, created). Publishing
    again returns the report published first: it never changes. `actor` None is the monthly
    job (or the management command)."""
    if actor is not None and not is_supervisor(actor, town.pk):
        raise NotPermitted(_("Only the town's supervision team may publish the report."))
    month = month.replace(day=1)
    now = timezone.now()
    if month_bounds(month)[1] > now:
        raise ValidationError(_("A month's report is published once the month is over."))
    existing = SupervisionReport.objects.filter(town=town, month=month).first()
    if existing is not None:
        return existing, False
    rows = [asdict(r) for r in unit_month_rows(town=town, month=month, as_of=now)]
    try:
        with transaction.atomic():
            report = SupervisionReport.objects.create(
                town=town, month=month, rows=rows, published_at=now, published_by=actor
            )
    except IntegrityError:
        # Published by another run a moment ago: theirs stands.
        return SupervisionReport.objects.get(town=town, month=month), False
    return report, True


def previous_month(today: datetime.date) -> datetime.date:
    first = today.replace(day=1)
    return (first - datetime.timedelta(days=1)).replace(day=1)


def supervision_publish_due(*, today: datetime.date | None = None) -> int:
    """Publish last month's report for every town that lacks it; returns how many were new.
    Each town in its own transaction, so one failure does not hold the others back."""
    month = previous_month(today or timezone.localdate())
    published = 0
    for town in Town.objects.order_by("pk"):
        _report, created = supervision_report_publish(town=town, month=month)
        published += created
    return published
