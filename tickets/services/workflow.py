"""The workflow actions after intake, one function each (see the package docstring)."""

import datetime
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import worktime
from ..models import (
    CLOCK_STATES,
    CO_OPINION_STATES,
    REPLY_CLOCK_STATES,
    Action,
    Callback,
    CoHandling,
    ExtensionRequest,
    JointMeeting,
    Notification,
    Satisfaction,
    Source,
    State,
    TimelineEvent,
    Unit,
    WorkOrder,
)
from .core import (
    WrongState,
    _check_files,
    _event,
    _flags,
    _fresh,
    _lost_race,
    _notify_command_centre,
    _notify_units,
    _require,
    _require_command_centre,
    _require_lead_handler,
    _require_state,
    _required_text,
    _transition,
    can_report_in_grid,
    compute_deadlines,
    deadline_rule_for,
    handles_unit,
    reply_deadlines,
)

# --- Dispatch ----------------------------------------------------------------------------


def _check_units(order: WorkOrder, lead_unit: Unit, co_units: Iterable[Unit]) -> list[Unit]:
    co = [u for u in dict.fromkeys(co_units) if u.pk != lead_unit.pk]
    for unit in [lead_unit, *co]:
        if unit.town_id != order.town_id:
            raise ValidationError({"lead_unit": _("Choose units of the order's own town.")})
    return co


def _dispatch(
    *,
    actor,
    order: WorkOrder,
    lead_unit: Unit,
    co_units: Iterable[Unit],
    note: str,
    at: datetime.datetime,
    data: dict | None = None,
) -> WorkOrder:
    co = _check_units(order, lead_unit, co_units)
    accept_hours, reply_days = deadline_rule_for(category=order.category, urgency=order.urgency)
    deadlines = compute_deadlines(
        start=at,
        accept_hours=accept_hours,
        reply_days=reply_days,
        upstream_deadline=order.upstream_deadline,
    )
    changed = WorkOrder.objects.filter(pk=order.pk, state=order.state).update(
        state=State.DISPATCHED,
        lead_unit=lead_unit,
        handler=None,
        dispatched_at=at,
        accepted_at=None,
        updated_at=at,
        **deadlines,
        **_flags(deadlines["accept_due"], deadlines["accept_warn_at"], at),
    )
    if changed != 1:
        raise _lost_race(order)
    CoHandling.objects.filter(order=order).delete()
    CoHandling.objects.bulk_create([CoHandling(order=order, unit=u, added_at=at) for u in co])
    _event(
        order=order,
        action=Action.DISPATCH,
        actor=actor,
        at=at,
        from_state=order.state,
        to_state=State.DISPATCHED,
        note=note,
        unit=lead_unit,
        data={
            "co_units": [str(u) for u in co],
            "accept_due": deadlines["accept_due"].isoformat(),
            "reply_due": deadlines["reply_due"].isoformat(),
            **(data or {}),
        },
    )
    _notify_units(order_id=order.pk, units=[lead_unit], kind=Notification.Kind.DISPATCHED, at=at)
    _notify_units(order_id=order.pk, units=co, kind=Notification.Kind.CO_HANDLING, at=at)
    return _fresh(order)


@transaction.atomic(durable=True)
def order_dispatch(
    *, actor, order: WorkOrder, lead_unit: Unit, co_units: Iterable[Unit] = (), note: str = ""
) -> WorkOrder:
    """派单: the command centre sends a new or returned order to a lead unit (optionally with
    co-handling units); both deadlines start now."""
    order = WorkOrder.objects.select_related("category", "lead_unit").get(pk=order.pk)
    _require_command_centre(actor, order)
    _require_state(order, (State.NEW, State.RETURNED))
    return _dispatch(
        actor=actor,
        order=order,
        lead_unit=lead_unit,
        co_units=co_units,
        note=(note or "").strip(),
        at=timezone.now(),
    )


@transaction.atomic(durable=True)
def order_joint_meeting(
    *,
    actor,
    order: WorkOrder,
    held_at: datetime.datetime,
    units: Sequence[Unit],
    attendee_names: str,
    minutes: str,
    decisions: str,
    lead_unit: Unit,
    co_units: Iterable[Unit] | None = None,
) -> JointMeeting:
    """联席会办: record the meeting the command centre convened over a new or returned order,
    and dispatch the order to the lead unit it named (the other units attending co-handle,
    unless `co_units` says otherwise)."""
    order = WorkOrder.objects.select_related("category", "lead_unit").get(pk=order.pk)
    _require_command_centre(actor, order)
    _require_state(order, (State.NEW, State.RETURNED))
    errors = {}
    units = list(dict.fromkeys(units))
    if len(units) < 2:
        errors["units"] = _("A joint meeting brings together at least two units.")
    elif lead_unit not in units:
        errors["lead_unit"] = _("The lead unit must be one of the units that attended.")
    now = timezone.now()
    if held_at > now:
        errors["held_at"] = _("Record a meeting once it has been held.")
    for name, value in (
        ("attendee_names", attendee_names),
        ("minutes", minutes),
        ("decisions", decisions),
    ):
        if not (value or "").strip():
            errors[name] = _("This field is required.")
    if errors:
        raise ValidationError(errors)
    meeting = JointMeeting.objects.create(
        order=order,
        convened_by=actor,
        held_at=held_at,
        attendee_names=attendee_names.strip(),
        minutes=minutes.strip(),
        decisions=decisions.strip(),
        lead_unit=lead_unit,
        created_at=now,
    )
    meeting.attendee_units.set(units)
    _event(
        order=order,
        action=Action.JOINT_MEETING,
        actor=actor,
        at=now,
        from_state=order.state,
        to_state=order.state,
        note=decisions.strip(),
        unit=lead_unit,
        data={"meeting": meeting.pk, "units": [str(u) for u in units]},
    )
    _dispatch(
        actor=actor,
        order=order,
        lead_unit=lead_unit,
        co_units=co_units if co_units is not None else [u for u in units if u != lead_unit],
        note="",
        at=now,
        data={"meeting": meeting.pk},
    )
    return meeting


# --- The unit's work ---------------------------------------------------------------------


@transaction.atomic(durable=True)
def order_accept(*, actor, order: WorkOrder, note: str = "") -> WorkOrder:
    """签收: the lead unit takes the order; the reply clock keeps running from dispatch."""
    order = _fresh(order)
    _require_lead_handler(actor, order)
    _require_state(order, (State.DISPATCHED,))
    now = timezone.now()
    return _transition(
        order,
        actor=actor,
        action=Action.ACCEPT,
        to_state=State.ACCEPTED,
        at=now,
        note=(note or "").strip(),
        accepted_at=now,
        **_flags(order.reply_due, order.reply_warn_at, now),
    )


@transaction.atomic(durable=True)
def order_claim(*, actor, order: WorkOrder, note: str = "") -> WorkOrder:
    """个人签收: a handler of the lead unit names themself the one who handles the order.

    Compare-and-set on "nobody has it yet" (with the lead unit and an open unit state): of two
    handlers taking the same order at once, one has it and the other is told who does."""
    _require_lead_handler(actor, order)
    _require_state(order, CLOCK_STATES)
    now = timezone.now()
    changed = WorkOrder.objects.filter(
        pk=order.pk,
        handler__isnull=True,
        lead_unit_id=order.lead_unit_id,
        state__in=CLOCK_STATES,
    ).update(handler=actor, updated_at=now)
    if changed != 1:
        holder = (
            WorkOrder.objects.filter(pk=order.pk, lead_unit_id=order.lead_unit_id)
            .select_related("handler")
            .first()
        )
        if holder is None or holder.handler is None:
            raise _lost_race(order)
        if holder.handler_id == actor.pk:
            raise WrongState(
                _("You handle %(number)s already.") % {"number": order.number}, code="claimed"
            )
        raise WrongState(
            _("%(number)s is handled by %(name)s already: nothing was changed.")
            % {"number": order.number, "name": holder.handler.get_full_name() or holder.handler},
            code="claimed",
        )
    _event(
        order=order,
        action=Action.CLAIM,
        actor=actor,
        at=now,
        from_state=order.state,
        to_state=order.state,
        note=(note or "").strip(),
        unit=order.lead_unit,
    )
    return _fresh(order)


@transaction.atomic(durable=True)
def order_start(*, actor, order: WorkOrder, note: str = "") -> WorkOrder:
    order = _fresh(order)
    _require_lead_handler(actor, order)
    _require_state(order, (State.ACCEPTED,))
    return _transition(
        order,
        actor=actor,
        action=Action.START,
        to_state=State.IN_PROGRESS,
        at=timezone.now(),
        note=(note or "").strip(),
    )


@transaction.atomic(durable=True)
def order_return(*, actor, order: WorkOrder, reason: str) -> WorkOrder:
    """退单: the lead unit hands the order back (not theirs to handle), with the reason; the
    command centre re-dispatches it."""
    order = _fresh(order)
    _require_lead_handler(actor, order)
    _require_state(order, (State.DISPATCHED, State.ACCEPTED))
    reason = _required_text(reason, "reason", _("Say why the order is returned."))
    now = timezone.now()
    order = _transition(
        order,
        actor=actor,
        action=Action.RETURN,
        to_state=State.RETURNED,
        at=now,
        note=reason,
        return_count=F("return_count") + 1,
        handler=None,
    )
    _notify_command_centre(order=order, kind=Notification.Kind.RETURNED, at=now)
    return order


@transaction.atomic(durable=True)
def order_extension_request(
    *, actor, order: WorkOrder, working_days: int, reason: str
) -> ExtensionRequest:
    """延期申请: ask the command centre for more working days for the reply (one pending
    request at a time)."""
    order = (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("lead_unit")
        .get(pk=order.pk)
    )
    _require_lead_handler(actor, order)
    _require_state(order, REPLY_CLOCK_STATES)
    reason = _required_text(reason, "reason", _("Say why more time is needed."))
    if not isinstance(working_days, int) or not 1 <= working_days <= 30:
        raise ValidationError({"working_days": _("Ask for 1 to 30 working days.")})
    if order.extensions.filter(status=ExtensionRequest.Status.PENDING).exists():
        raise WrongState(
            _("An extension request for this order is waiting for a decision already."),
            code="pending",
        )
    now = timezone.now()
    request = ExtensionRequest.objects.create(
        order=order,
        unit=order.lead_unit,
        requested_by=actor,
        requested_at=now,
        working_days=working_days,
        reason=reason,
        old_due=order.reply_due,
    )
    _event(
        order=order,
        action=Action.EXTENSION_REQUEST,
        actor=actor,
        at=now,
        from_state=order.state,
        to_state=order.state,
        note=reason,
        unit=order.lead_unit,
        data={"working_days": working_days, "request": request.pk},
    )
    _notify_command_centre(order=order, kind=Notification.Kind.EXTENSION_REQUESTED, at=now)
    return request


@transaction.atomic(durable=True)
def order_extension_decide(
    *, actor, request: ExtensionRequest, approve: bool, note: str = ""
) -> ExtensionRequest:
    """The command centre approves (the reply deadline moves on by the working days asked)
    or refuses (with a reason) a pending extension request."""
    order = (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("lead_unit")
        .get(pk=request.order_id)
    )
    _require_command_centre(actor, order)
    request = ExtensionRequest.objects.get(pk=request.pk)
    if request.status != ExtensionRequest.Status.PENDING:
        raise WrongState(_("This request has been decided already."), code="decided")
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": _("Say why the extension is refused.")})
    now = timezone.now()
    new_due = None
    if approve:
        _require_state(order, REPLY_CLOCK_STATES)
        new_due = worktime.add_working_days(order.reply_due, request.working_days)
    changed = ExtensionRequest.objects.filter(
        pk=request.pk, status=ExtensionRequest.Status.PENDING
    ).update(
        status=ExtensionRequest.Status.APPROVED if approve else ExtensionRequest.Status.REFUSED,
        decided_by=actor,
        decided_at=now,
        decision_note=note,
        new_due=new_due,
    )
    if changed != 1:
        raise WrongState(_("This request has been decided already."), code="decided")
    data = {"request": request.pk, "working_days": request.working_days}
    if approve:
        deadlines = reply_deadlines(start=now, due=new_due)
        WorkOrder.objects.filter(pk=order.pk).update(
            updated_at=now, **deadlines, **_flags(new_due, deadlines["reply_warn_at"], now)
        )
        data["reply_due"] = new_due.isoformat()
    _event(
        order=order,
        action=Action.EXTENSION_APPROVE if approve else Action.EXTENSION_REFUSE,
        actor=actor,
        at=now,
        from_state=order.state,
        to_state=order.state,
        note=note,
        unit=request.unit,
        data=data,
    )
    _notify_units(
        order_id=order.pk,
        units=[request.unit],
        kind=Notification.Kind.EXTENSION_DECIDED,
        at=now,
    )
    request.refresh_from_db()
    return request


@transaction.atomic(durable=True)
def order_reply(*, actor, order: WorkOrder, text: str, files: Sequence = ()) -> WorkOrder:
    """The lead unit answers: what was done, with photos or documents. The first reply is
    what timeliness is measured by."""
    order = _fresh(order)
    _require_lead_handler(actor, order)
    _require_state(order, REPLY_CLOCK_STATES)
    text = _required_text(text, "text", _("Write the reply."))
    checked = _check_files(files)
    now = timezone.now()
    order = _transition(
        order,
        actor=actor,
        action=Action.REPLY,
        to_state=State.REPLIED,
        at=now,
        note=text,
        files=checked,
        reply_text=text,
        replied_at=now,
        first_replied_at=Coalesce(F("first_replied_at"), now),
        replied_on_time=Coalesce(
            F("replied_on_time"), ExpressionWrapper(Q(reply_due__gte=now), BooleanField())
        ),
    )
    _notify_command_centre(order=order, kind=Notification.Kind.REPLIED, at=now)
    return order


@transaction.atomic(durable=True)
def order_co_opinion(*, actor, order: WorkOrder, text: str, files: Sequence = ()) -> TimelineEvent:
    """A co-handling unit's part (协办意见): what it found or did, with photos or documents,
    for the lead unit to use in its reply. The order does not move; the lead unit's handlers
    are notified.

    Allowed to a handler of one of the order's co-handling units while the lead unit handles
    the order (dispatched, accepted, in progress, re-handling). The order's row is locked, so
    a double click or a resend of the same text is refused as already sent, never written
    twice; a different text from the same unit is a further opinion."""
    order = (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("lead_unit")
        .get(pk=order.pk)
    )
    units = [c.unit for c in CoHandling.objects.select_related("unit").filter(order=order)]
    unit = next((u for u in units if handles_unit(actor, u)), None)
    # The lead unit answers in its reply; an opinion is the other units' part.
    _require(
        unit is not None and not handles_unit(actor, order.lead_unit),
        _("Only a handler of a co-handling unit of this order may do this."),
    )
    _require_state(order, CO_OPINION_STATES)
    text = _required_text(text, "text", _("Write your unit's opinion."))
    sent = TimelineEvent.objects.filter(
        order=order, action=Action.CO_OPINION, unit=unit, note=text
    ).exists()
    if sent:
        raise WrongState(
            _("%(unit)s already sent this opinion; it is in the order's timeline.")
            % {"unit": unit},
            code="already_sent",
        )
    checked = _check_files(files)
    now = timezone.now()
    event = _event(
        order=order,
        action=Action.CO_OPINION,
        actor=actor,
        at=now,
        from_state=order.state,
        to_state=order.state,
        note=text,
        unit=unit,
        files=checked,
    )
    _notify_units(
        order_id=order.pk, units=[order.lead_unit], kind=Notification.Kind.CO_OPINION, at=now
    )
    return event


# --- The command centre's checks ---------------------------------------------------------


@transaction.atomic(durable=True)
def order_review(*, actor, order: WorkOrder, approve: bool, note: str = "") -> WorkOrder:
    """审核: approve the reply (the order awaits the callback) or send it back to the unit
    (with the reason; the reply deadline stands)."""
    order = _fresh(order)
    _require_command_centre(actor, order)
    _require_state(order, (State.REPLIED,))
    note = (note or "").strip()
    now = timezone.now()
    if approve:
        return _transition(
            order, actor=actor, action=Action.REVIEW_APPROVE, to_state=State.REVIEWED, at=now,
            note=note,
        )  # fmt: skip
    note = _required_text(note, "note", _("Say what the reply lacks."))
    order = _transition(
        order,
        actor=actor,
        action=Action.REVIEW_REJECT,
        to_state=State.IN_PROGRESS,
        at=now,
        note=note,
        **_flags(order.reply_due, order.reply_warn_at, now),
    )
    _notify_units(
        order_id=order.pk, units=[order.lead_unit], kind=Notification.Kind.SENT_BACK, at=now
    )
    return order


@transaction.atomic(durable=True)
def order_callback(*, actor, order: WorkOrder, result: str, note: str = "") -> WorkOrder:
    """回访: the caller's verdict. Satisfied (or very) → ready to close; dissatisfied → the same
    unit handles it again (重办) with a fresh reply deadline, and the re-handling is counted."""
    order = WorkOrder.objects.select_related("lead_unit", "category").get(pk=order.pk)
    _require_command_centre(actor, order)
    _require_state(order, (State.REVIEWED,))
    if result not in Satisfaction.values:
        raise ValidationError({"result": _("Choose what the caller said.")})
    note = (note or "").strip()
    now = timezone.now()
    Callback.objects.create(
        order=order, unit=order.lead_unit, result=result, note=note, by=actor, at=now
    )
    if result != Satisfaction.DISSATISFIED:
        return _transition(
            order,
            actor=actor,
            action=Action.CALLBACK,
            to_state=State.CALLED_BACK,
            at=now,
            note=note,
            data={"result": result},
            satisfaction=result,
        )
    _accept_hours, reply_days = deadline_rule_for(category=order.category, urgency=order.urgency)
    deadlines = reply_deadlines(start=now, due=worktime.add_working_days(now, reply_days))
    order = _transition(
        order,
        actor=actor,
        action=Action.CALLBACK,
        to_state=State.REWORK,
        at=now,
        note=note,
        data={"result": result, "reply_due": deadlines["reply_due"].isoformat()},
        satisfaction=result,
        rework_count=F("rework_count") + 1,
        **deadlines,
        **_flags(deadlines["reply_due"], deadlines["reply_warn_at"], now),
    )
    _notify_units(order_id=order.pk, units=[order.lead_unit], kind=Notification.Kind.REWORK, at=now)
    return order


@transaction.atomic(durable=True)
def order_close(*, actor, order: WorkOrder, note: str = "") -> WorkOrder:
    """办结. After a satisfied callback; straight after review only with a note saying why
    there was no callback (an anonymous caller, a number that does not answer)."""
    order = _fresh(order)
    _require_command_centre(actor, order)
    _require_state(order, (State.CALLED_BACK, State.REVIEWED))
    note = (note or "").strip()
    if order.state == State.REVIEWED:
        note = _required_text(note, "note", _("Say why the caller was not called back."))
    now = timezone.now()
    return _transition(
        order, actor=actor, action=Action.CLOSE, to_state=State.CLOSED, at=now, note=note,
        closed_at=now,
    )  # fmt: skip


@transaction.atomic(durable=True)
def order_handled_on_spot(*, actor, order: WorkOrder, note: str, files: Sequence = ()) -> WorkOrder:
    """自行处置: grid staff fixed what they reported; the new grid report closes at once, with
    what was done (and photos). Such orders have no unit and do not enter unit scores."""
    order = _fresh(order)
    _require(
        order.source == Source.GRID and can_report_in_grid(actor, order.grid_id),
        _("Only grid staff of the order's grid may close their own grid report on the spot."),
    )
    _require_state(order, (State.NEW,))
    note = _required_text(note, "note", _("Say what was done on the spot."))
    checked = _check_files(files)
    now = timezone.now()
    return _transition(
        order,
        actor=actor,
        action=Action.ON_SPOT,
        to_state=State.CLOSED,
        at=now,
        note=note,
        files=checked,
        handled_on_spot=True,
        closed_at=now,
        replied_at=now,
        first_replied_at=now,
        reply_text=note,
    )


@transaction.atomic(durable=True)
def order_mark_duplicate(
    *, actor, order: WorkOrder, original: WorkOrder, note: str = ""
) -> WorkOrder:
    """The same matter as an earlier order: this one ends, pointing at the original (or at
    the original's own original, so chains never form)."""
    order = _fresh(order)
    _require_command_centre(actor, order)
    _require_state(
        order,
        (State.NEW, State.RETURNED, State.DISPATCHED, State.ACCEPTED, State.IN_PROGRESS),
    )
    original = WorkOrder.objects.get(pk=original.pk)
    if original.duplicate_of_id:
        original = WorkOrder.objects.get(pk=original.duplicate_of_id)
    if original.pk == order.pk or original.town_id != order.town_id:
        raise ValidationError(
            {"original": _("Choose another order of the same town as the original.")}
        )
    now = timezone.now()
    return _transition(
        order,
        actor=actor,
        action=Action.DUPLICATE,
        to_state=State.DUPLICATE,
        at=now,
        note=(note or "").strip(),
        data={"original": original.number},
        duplicate_of=original,
        closed_at=now,
    )


@transaction.atomic(durable=True)
def order_exclude_from_assessment(*, actor, order: WorkOrder, reason: str) -> WorkOrder:
    """不纳入考核: an unreasonable demand is left out of the unit's scores; the reason is kept
    on the order and in the timeline. Done once; it does not change the state."""
    order = _fresh(order)
    _require_command_centre(actor, order)
    reason = _required_text(reason, "reason", _("Say why the order is left out of assessment."))
    if len(reason) > 500:
        raise ValidationError({"reason": _("At most %(n)s characters.") % {"n": 500}})
    now = timezone.now()
    changed = WorkOrder.objects.filter(pk=order.pk, excluded_from_assessment=False).update(
        excluded_from_assessment=True, exclusion_reason=reason, updated_at=now
    )
    if changed != 1:
        raise WrongState(_("This order is left out of assessment already."), code="excluded")
    _event(
        order=order,
        action=Action.EXCLUDE,
        actor=actor,
        at=now,
        from_state=order.state,
        to_state=order.state,
        note=reason,
        unit=order.lead_unit,
    )
    return _fresh(order)


@transaction.atomic(durable=True)
def notifications_mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    """Mark the user's unread notifications read (all, or those in `ids`)."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())
