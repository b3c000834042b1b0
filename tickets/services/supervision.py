"""The supervision team's writes (督查): scoring replied orders and publishing the frozen
monthly report. Which orders count and how the figures are reckoned: the docstring of
`tickets.selectors.supervision`."""

import datetime
from dataclasses import asdict
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Town
from huaisi.periods import month_bounds, previous_month

from ..models import StandardItem, SupervisionReport, SupervisionScore, WorkOrder
from ..selectors.supervision import unit_month_rows
from .core import NotPermitted, WrongState, is_supervisor


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


def supervision_publish_due(*, today: datetime.date | None = None) -> int:
    """Publish last month's report for every town that lacks it; returns how many were new.
    Each town in its own transaction, so one failure does not hold the others back."""
    month = previous_month(today)
    published = 0
    for town in Town.objects.order_by("pk"):
        _report, created = supervision_report_publish(town=town, month=month)
        published += created
    return published
