"""What every work-order action shares: who may act, the compare-and-set transition, the
timeline with its files, notifications, units and deadlines (see the package docstring)."""

import datetime
from collections.abc import Iterable, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Department, Town, Village
from huaisi.access import grants_for
from huaisi.models import Role
from huaisi.roles import CAPABILITIES, Capability, Level, RoleKind

from .. import worktime
from ..models import (
    CLOCK_STATES,
    Attachment,
    Category,
    DeadlineRule,
    Notification,
    State,
    TimelineEvent,
    Unit,
    Urgency,
    WorkOrder,
)
from .attachments import MAX_FILES, CheckedAttachment, attachment_check

# (working hours to accept, working days to reply) when no rule is set for the category.
DEFAULT_RULES = {Urgency.NORMAL: (2, 5), Urgency.URGENT: (1, 2), Urgency.VERY_URGENT: (1, 1)}
# Fields whose equality makes a resent city-platform order "the same order".
INTAKE_FINGERPRINT = (
    "category_id", "title", "description", "caller_name", "caller_phone", "address",
    "urgency", "upstream_deadline",
)  # fmt: skip


class NotPermitted(PermissionDenied):
    """The actor's roles do not allow this action on this order; `str()` says why."""


class WrongState(ValidationError):
    """The order is not (or no longer) in a state this action starts from."""


class UpstreamConflict(Exception):
    """The city platform sent an order number it sent before, with different content (the
    intake API answers 409). `order` is the order first received under that number."""

    def __init__(self, order: WorkOrder):
        super().__init__(order.upstream_number)
        self.order = order


# --- Who may act -------------------------------------------------------------------------


def _active(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def is_command_centre(user, town_id: int) -> bool:
    if not _active(user):
        return False
    if user.is_superuser:
        return True
    allowed = CAPABILITIES[Capability.DISPATCH_TICKETS]
    return any(
        g.kind in allowed and g.level == Level.TOWN and g.ancestors[Level.TOWN] == town_id
        for g in grants_for(user)
    )


def is_supervisor(user, town_id: int) -> bool:
    if not _active(user):
        return False
    if user.is_superuser:
        return True
    allowed = CAPABILITIES[Capability.SUPERVISE_TICKETS]
    return any(
        g.kind in allowed and g.level == Level.TOWN and g.ancestors[Level.TOWN] == town_id
        for g in grants_for(user)
    )


def handles_unit(user, unit: Unit | None) -> bool:
    """Whether `user` is a handler of `unit`: its department's handler, its village's clerk."""
    if unit is None or not _active(user):
        return False
    if user.is_superuser:
        return True
    allowed = CAPABILITIES[Capability.HANDLE_TICKETS]
    for g in grants_for(user):
        if g.kind not in allowed:
            continue
        if unit.department_id and g.ancestors.get(Level.DEPARTMENT) == unit.department_id:
            return True
        if (
            unit.village_id
            and g.level == Level.VILLAGE
            and g.ancestors[Level.VILLAGE] == unit.village_id
        ):
            return True
    return False


def can_report_in_grid(user, grid_id: int | None) -> bool:
    """Grid staff of this grid: its grid leader, or a micro-grid worker inside it."""
    if grid_id is None or not _active(user):
        return False
    if user.is_superuser:
        return True
    allowed = CAPABILITIES[Capability.REPORT_TICKETS]
    return any(
        g.kind in allowed and g.ancestors.get(Level.GRID) == grid_id for g in grants_for(user)
    )


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise NotPermitted(message)


def _require_command_centre(actor, order: WorkOrder) -> None:
    _require(
        is_command_centre(actor, order.town_id),
        _("Only the town's command centre may do this."),
    )


def _require_lead_handler(actor, order: WorkOrder) -> None:
    _require(
        handles_unit(actor, order.lead_unit),
        _("Only a handler of the order's lead unit may do this."),
    )


def _require_state(order: WorkOrder, states: Iterable[str]) -> None:
    if order.state not in states:
        raise WrongState(
            _("This cannot be done while the order is “%(state)s”.")
            % {"state": order.get_state_display()},
            code="wrong_state",
        )


def _lost_race(order: WorkOrder) -> WrongState:
    now_state = WorkOrder.objects.filter(pk=order.pk).values_list("state", flat=True).first()
    label = dict(State.choices).get(now_state, now_state)
    return WrongState(
        _(
            "Someone else already acted on this order (it is now “%(state)s”). Nothing was "
            "changed; reload the page to see what they did."
        )
        % {"state": label},
        code="conflict",
    )


# --- Units -------------------------------------------------------------------------------


def unit_for(*, department: Department | None = None, village: Village | None = None) -> Unit:
    """The handling unit of a department or village, made on first use."""
    if (department is None) == (village is None):
        raise ValueError("give a department or a village")
    if department is not None:
        unit, _created = Unit.objects.get_or_create(
            department=department, defaults={"town_id": department.town_id}
        )
    else:
        unit, _created = Unit.objects.get_or_create(
            village=village, defaults={"town_id": village.town_id}
        )
    return unit


def units_sync(*, town: Town) -> int:
    """Make sure every department and village of `town` has its unit; returns how many exist."""
    Unit.objects.bulk_create(
        [Unit(town=town, department=d) for d in Department.objects.filter(town=town)]
        + [Unit(town=town, village=v) for v in Village.objects.filter(town=town)],
        ignore_conflicts=True,
    )
    return Unit.objects.filter(town=town).count()


# --- Timeline, files and notifications -------------------------------------------------------


def _check_files(files: Sequence) -> list[CheckedAttachment]:
    if len(files) > MAX_FILES:
        raise ValidationError(
            {"files": _("At most %(n)s files per step.") % {"n": MAX_FILES}}, code="too_many"
        )
    checked = []
    for upload in files:
        try:
            checked.append(attachment_check(upload))
        except ValidationError as exc:
            # attachment_check's messages name the file the user chose.
            raise ValidationError({"files": " ".join(exc.messages)}, code=exc.code) from None
    return checked


def _event(
    *,
    order: WorkOrder,
    action: str,
    actor,
    at: datetime.datetime,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
    unit: Unit | None = None,
    data: dict | None = None,
    files: Sequence[CheckedAttachment] = (),
) -> TimelineEvent:
    event = TimelineEvent.objects.create(
        order=order,
        action=action,
        actor=actor if _active(actor) else None,
        at=at,
        from_state=from_state,
        to_state=to_state,
        note=note,
        unit=unit,
        data=data or {},
    )
    for checked in files:
        Attachment.objects.create(
            order=order,
            event=event,
            file=checked.file,
            thumbnail=checked.thumbnail or "",
            name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            uploaded_by=event.actor,
            created_at=at,
        )
    return event


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _notify_units(
    *, order_id: int, units: Sequence[Unit], kind: str, at: datetime.datetime
) -> None:
    """One notification per current handler of each unit (one INSERT … SELECT)."""
    if not units:
        return
    day = timezone.localdate(at)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {_table(Notification)} (user_id, order_id, kind, created_at)
            SELECT DISTINCT r.user_id, %s, %s, %s
              FROM {_table(Role)} r
              JOIN {_table(Unit)} u ON u.id = ANY(%s)
              JOIN auth_user au ON au.id = r.user_id AND au.is_active
             WHERE ((r.kind = %s AND r.department_id = u.department_id)
                 OR (r.kind = %s AND r.village_id = u.village_id))
               AND r.starts_on <= %s AND (r.ends_on IS NULL OR r.ends_on >= %s)
            """,  # noqa: S608 - table names from model meta, values bound
            [
                order_id,
                kind,
                at,
                [u.pk for u in units],
                RoleKind.DEPARTMENT_HANDLER,
                RoleKind.VILLAGE_CLERK,
                day,
                day,
            ],
        )


def _notify_command_centre(*, order: WorkOrder, kind: str, at: datetime.datetime) -> None:
    day = timezone.localdate(at)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {_table(Notification)} (user_id, order_id, kind, created_at)
            SELECT DISTINCT r.user_id, %s, %s, %s
              FROM {_table(Role)} r
              JOIN auth_user au ON au.id = r.user_id AND au.is_active
             WHERE r.kind = %s AND r.town_id = %s
               AND r.starts_on <= %s AND (r.ends_on IS NULL OR r.ends_on >= %s)
            """,  # noqa: S608 - table names from model meta, values bound
            [order.pk, kind, at, RoleKind.COMMAND_CENTRE, order.town_id, day, day],
        )


def _fresh(order: WorkOrder) -> WorkOrder:
    """The order as it is now, with its lead unit (the caller's copy may be stale)."""
    return WorkOrder.objects.select_related("lead_unit").get(pk=order.pk)


def _transition(
    order: WorkOrder,
    *,
    actor,
    action: str,
    to_state: str,
    at: datetime.datetime,
    note: str = "",
    data: dict | None = None,
    files: Sequence[CheckedAttachment] = (),
    unit: Unit | None = None,
    **fields,
) -> WorkOrder:
    """Compare-and-set from the state `order` was read in (and its lead unit, which the
    permission check relied on), then the timeline event."""
    if to_state not in CLOCK_STATES:
        fields.setdefault("overdue", False)
        fields.setdefault("due_soon", False)
    changed = WorkOrder.objects.filter(
        pk=order.pk, state=order.state, lead_unit_id=order.lead_unit_id
    ).update(state=to_state, updated_at=at, **fields)
    if changed != 1:
        raise _lost_race(order)
    _event(
        order=order,
        action=action,
        actor=actor,
        at=at,
        from_state=order.state,
        to_state=to_state,
        note=note,
        unit=unit if unit is not None else order.lead_unit,
        data=data,
        files=files,
    )
    return _fresh(order)


def _required_text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message}, code="required")
    return value


# --- Deadlines ---------------------------------------------------------------------------


def deadline_rule_for(*, category: Category, urgency: str) -> tuple[int, int]:
    """(working hours to accept, working days to reply): the category's rule, else its
    parent's, else the default for the urgency."""
    ids = [category.pk] + ([category.parent_id] if category.parent_id else [])
    rules = {
        r.category_id: r for r in DeadlineRule.objects.filter(category_id__in=ids, urgency=urgency)
    }
    for pk in ids:
        if pk in rules:
            return rules[pk].accept_working_hours, rules[pk].reply_working_days
    return DEFAULT_RULES[urgency]


def compute_deadlines(
    *,
    start: datetime.datetime,
    accept_hours: int,
    reply_days: int,
    upstream_deadline: datetime.datetime | None = None,
) -> dict:
    """The deadline fields of an order dispatched at `start` (see the module's docstring)."""
    accept_due = worktime.add_working_hours(start, accept_hours)
    reply_due = worktime.add_working_days(start, reply_days)
    if upstream_deadline is not None:
        reply_due = min(reply_due, upstream_deadline)
        accept_due = min(accept_due, upstream_deadline)
    return {
        "accept_due": accept_due,
        "accept_warn_at": worktime.warning_time(start, accept_due),
        "accept_escalate_at": worktime.add_working_hours(accept_due, accept_hours),
        **reply_deadlines(start=start, due=reply_due),
    }


def reply_deadlines(*, start: datetime.datetime, due: datetime.datetime) -> dict:
    return {
        "reply_due": due,
        "reply_warn_at": worktime.warning_time(start, due),
        "reply_escalate_at": worktime.add_working_days(due, 1),
    }


def _flags(due, warn_at, now) -> dict:
    return {"overdue": due < now, "due_soon": warn_at <= now <= due}
