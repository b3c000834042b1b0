"""Receiving orders: staff intake, grid reports and the city platform's idempotent intake."""

import datetime
from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Grid, Town, Village
from huaisi.phones import normalise_phone

from ..models import (
    Action,
    Category,
    OrderCounter,
    Source,
    State,
    Urgency,
    WorkOrder,
)
from .core import (
    INTAKE_FINGERPRINT,
    UpstreamConflict,
    _active,
    _check_files,
    _event,
    _require,
    _table,
    can_report_in_grid,
    is_command_centre,
)

# --- Intake ------------------------------------------------------------------------------


def order_intake_check(*, town: Town, data: dict) -> dict:
    """The intake fields of DATA checked and tidied as `order_create` stores them; raises
    `ValidationError` naming every bad field. Writes nothing (the intake API calls it to list
    the service's errors beside its own in one answer)."""
    errors: dict[str, str] = {}
    cleaned = dict(data)
    for name, limit, message in (
        ("title", 120, _("Enter a short title.")),
        ("description", 5000, _("Describe the matter.")),
    ):
        value = (data.get(name) or "").strip()
        if not value:
            errors[name] = message
        elif len(value) > limit:
            errors[name] = _("At most %(n)s characters.") % {"n": limit}
        cleaned[name] = value
    if data.get("source") not in Source.values:
        errors["source"] = _("Choose where the order came from.")
    if data.get("urgency") not in Urgency.values:
        errors["urgency"] = _("Choose the urgency.")
    category = data.get("category")
    if category is None or category.town_id != town.pk or not category.is_active:
        errors["category"] = _("Choose one of the town's categories.")
    phone = normalise_phone(data.get("caller_phone", ""))
    if (
        phone
        and not (phone[0].isdigit() and all(c.isdigit() or c == "-" for c in phone))
        or phone
        and not 3 <= len(phone) <= 20
    ):
        errors["caller_phone"] = _("Enter a phone number in digits, for example 13912345678.")
    cleaned["caller_phone"] = phone
    cleaned["caller_name"] = (data.get("caller_name") or "").strip()[:50]
    cleaned["address"] = (data.get("address") or "").strip()
    if len(cleaned["address"]) > 200:
        errors["address"] = _("At most %(n)s characters.") % {"n": 200}
    village, grid = data.get("village"), data.get("grid")
    if grid is not None and village is None:
        village = grid.village
    if village is not None and village.town_id != town.pk:
        errors["village"] = _("The village lies in another town.")
    if grid is not None and village is not None and grid.village_id != village.pk:
        errors["grid"] = _("The grid lies in another village.")
    cleaned["village"], cleaned["grid"] = village, grid
    lat, lng = data.get("lat"), data.get("lng")
    if (lat is None) != (lng is None):
        errors["lng"] = _("Give both latitude and longitude, or neither.")
    elif lat is not None and not (-90 <= Decimal(lat) <= 90 and -180 <= Decimal(lng) <= 180):
        errors["lat"] = _("The position is out of range.")
    upstream = (data.get("upstream_number") or "").strip()
    if len(upstream) > 40:
        errors["upstream_number"] = _("At most %(n)s characters.") % {"n": 40}
    cleaned["upstream_number"] = upstream
    if errors:
        raise ValidationError(errors)
    return cleaned


def _next_number(*, town_id: int, at: datetime.datetime) -> str:
    day = timezone.localdate(at)
    table = _table(OrderCounter)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (town_id, day, last) VALUES (%s, %s, 1)
            ON CONFLICT (town_id, day) DO UPDATE SET last = {table}.last + 1
            RETURNING last
            """,  # noqa: S608 - table name from model meta
            [town_id, day],
        )
        sequence = cursor.fetchone()[0]
    return f"HS{day:%Y%m%d}{sequence:04d}"


def _same_intake(order: WorkOrder, cleaned: dict) -> bool:
    wanted = {
        "category_id": cleaned["category"].pk,
        **{k: cleaned.get(k) for k in INTAKE_FINGERPRINT if k != "category_id"},
    }
    return all(getattr(order, k) == wanted[k] for k in INTAKE_FINGERPRINT)


def _order_create(
    *,
    actor,
    town: Town,
    source: str,
    category: Category,
    title: str,
    description: str,
    urgency: str = Urgency.NORMAL,
    caller_name: str = "",
    caller_phone: str = "",
    village: Village | None = None,
    grid: Grid | None = None,
    address: str = "",
    lat: Decimal | None = None,
    lng: Decimal | None = None,
    upstream_number: str = "",
    upstream_deadline: datetime.datetime | None = None,
    files: Sequence = (),
) -> tuple[WorkOrder, bool]:
    """Receive an order; returns (order, created).

    `actor` None is the city platform's intake (the API authenticates its client). Staff: the
    command centre takes any source; grid staff report problems in their own grid (source
    "grid"). Idempotent on (source, upstream number): the same content again returns the
    order first received (created False); different content raises `UpstreamConflict`.
    """
    if actor is not None:
        _require(
            is_command_centre(actor, town.pk)
            or (source == Source.GRID and grid is not None and can_report_in_grid(actor, grid.pk)),
            _("Only the command centre, or grid staff in their own grid, may record orders."),
        )
    cleaned = order_intake_check(
        town=town,
        data={
            "source": source,
            "category": category,
            "title": title,
            "description": description,
            "urgency": urgency,
            "caller_name": caller_name,
            "caller_phone": caller_phone,
            "village": village,
            "grid": grid,
            "address": address,
            "lat": lat,
            "lng": lng,
            "upstream_number": upstream_number,
            "upstream_deadline": upstream_deadline,
        },
    )
    checked = _check_files(files)

    def existing() -> WorkOrder | None:
        if not cleaned["upstream_number"]:
            return None
        return WorkOrder.objects.filter(
            source=source, upstream_number=cleaned["upstream_number"]
        ).first()

    found = existing()
    if found is not None:
        if _same_intake(found, cleaned):
            return found, False
        raise UpstreamConflict(found)
    now = timezone.now()
    try:
        with transaction.atomic():
            order = WorkOrder.objects.create(
                town=town,
                number=_next_number(town_id=town.pk, at=now),
                created_by=actor if _active(actor) else None,
                created_at=now,
                state=State.NEW,
                **{k: cleaned[k] for k in cleaned},
            )
    except IntegrityError:
        # Another intake of the same upstream number committed first.
        found = existing()
        if found is None:
            raise
        if _same_intake(found, cleaned):
            return found, False
        raise UpstreamConflict(found) from None
    _event(
        order=order,
        action=Action.CREATE,
        actor=actor,
        at=now,
        to_state=State.NEW,
        data={"source": source},
        files=checked,
    )
    return order, True


# Views, tasks and the API call `order_create` (its own durable transaction). Another app's
# service that reports an order as part of its own write (a patrol finding) calls
# `order_create_within`, which joins the caller's transaction: both commit or neither does.
order_create = transaction.atomic(durable=True)(_order_create)
order_create_within = transaction.atomic(_order_create)
