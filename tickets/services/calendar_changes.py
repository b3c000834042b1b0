"""Open deadlines follow changes to the holiday calendar.

The calendar (`workcalendar`, below this app) sends `working_days_changed` after a change
commits, naming each day that turned from working to non-working or back; `tickets.apps`
receives it and queues `tasks.deadlines_follow_calendar_task` with the change's days and id.

What moves (decisions the issue left open):
- Orders whose clock runs (dispatched: acceptance and reply; accepted, in progress,
  re-handling: the reply). Orders waiting for review or a callback, and closed ones, keep the
  deadlines they were judged by.
- Each deadline (`*_due`) and yellow point (`*_warn_at`) still in the future keeps the
  working time it had left when the change is applied, counted on the calendar as it was
  before the change (this change's days reverted) and laid out again on the calendar as it is.
  Time already past is not recounted, and a moment already passed does not move: an order
  that is overdue stays overdue. The 督办 point (`*_escalate_at`), if still ahead, keeps its
  working time after its deadline (moved or not).
- A deadline equal to the order's city-platform deadline is that platform's and does not
  move; one that moves is never set past it.
- Each order moved gets one timeline event (`Action.CALENDAR`, by the system) saying which
  deadlines moved from when to when; its data records the change's id, so running the same
  change again (a retried task) finds nothing left to do.
- The yellow/red flags of the current stage are set again for the moved deadlines.
- Orders are moved `BATCH` to a transaction. Each update is a compare-and-set on the state and
  deadlines read; an order whose deadlines an action changed in between is left as that
  action set them (it ran after the change committed, on the new calendar) and gets no event.
  A re-run after a crash moves only orders without this change's event; it would also take
  up such a left order again, as it does any order set after the change and before the task
  reached it (the task has no way to tell when a deadline was computed): rare, and bounded by
  the change's own days.
Should a second change to the same days come in before the first change's task ran, each task
reverts only its own days: run them in order (they are queued in order) and the result is
right; the timeline shows both.
"""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from workcalendar import selectors as calendar
from workcalendar.signals import DayChange

from .. import worktime
from ..models import ACCEPT_CLOCK_STATES, CLOCK_STATES, Action, TimelineEvent, WorkOrder

ACCEPT_FIELDS = ("accept_due", "accept_warn_at", "accept_escalate_at")
REPLY_FIELDS = ("reply_due", "reply_warn_at", "reply_escalate_at")
# Orders moved per transaction: row locks are held for one batch, never the whole install.
BATCH = 200


def _fields_of(state: str) -> tuple[str, ...]:
    return ACCEPT_FIELDS + REPLY_FIELDS if state in ACCEPT_CLOCK_STATES else REPLY_FIELDS


def _moved(
    moment: datetime.datetime, *, now: datetime.datetime, before, cap: datetime.datetime | None
) -> datetime.datetime:
    """Where `moment` lies on today's calendar, keeping its working time left from `now`."""
    if moment <= now or (cap is not None and moment == cap):
        return moment
    left = worktime.working_minutes_between(now, moment, is_working=before)
    if left == 0:
        return moment
    new = worktime.add_working_minutes(now, left)
    return min(new, cap) if cap is not None else new


def _note(changed: dict[str, tuple[datetime.datetime, datetime.datetime]]) -> str:
    labels = {"accept_due": _("accept by"), "reply_due": _("reply by")}
    parts = [
        _("%(deadline)s %(old)s → %(new)s")
        % {
            "deadline": labels[name],
            "old": timezone.localtime(old).strftime("%Y-%m-%d %H:%M"),
            "new": timezone.localtime(new).strftime("%Y-%m-%d %H:%M"),
        }
        for name, (old, new) in changed.items()
        if name in labels
    ]
    return _("The holiday calendar changed: %(moves)s.") % {"moves": "; ".join(parts)}


def deadlines_follow_calendar(
    *, changes: Iterable[DayChange], change_id: str, now: datetime.datetime | None = None
) -> int:
    """Move the open deadlines the change affects (see the module docstring); returns how
    many orders moved. Commits every `BATCH` orders, so no lock is held across the whole
    install; each order's move and its timeline event commit together, which keeps the task
    idempotent per `change_id` and per order: a run cut short and run again moves only the
    orders not moved yet, none twice."""
    now = now or timezone.now()
    calendar.calendar_refresh()
    today = timezone.localdate(now)
    flipped = {c.date: c.was_working for c in changes if c.date >= today}
    if not flipped:
        return 0

    def before(day: datetime.date) -> bool:
        was = flipped.get(day)
        return calendar.is_working_day(day) if was is None else was

    first = datetime.datetime.combine(min(flipped), datetime.time.min, worktime.TZ)
    done = TimelineEvent.objects.filter(
        order=OuterRef("pk"), action=Action.CALENDAR, data__calendar_change=change_id
    )
    orders = (
        WorkOrder.objects.filter(state__in=CLOCK_STATES)
        .filter(
            Q(state__in=ACCEPT_CLOCK_STATES, accept_escalate_at__gte=first)
            | Q(reply_escalate_at__gte=first)
        )
        .exclude(Exists(done))
        .select_related("lead_unit")
        .order_by("pk")
    )
    moved = 0
    last_pk = 0
    with translation.override(settings.LANGUAGE_CODE):
        while True:
            with transaction.atomic(durable=True):
                batch = list(orders.filter(pk__gt=last_pk)[:BATCH])
                if not batch:
                    break
                last_pk = batch[-1].pk
                moved += _move_batch(batch, now=now, before=before, change_id=change_id)
    return moved


def _move_batch(batch: list[WorkOrder], *, now: datetime.datetime, before, change_id: str) -> int:
    moved = 0
    events = []
    for order in batch:
        fields = _fields_of(order.state)
        old = {name: getattr(order, name) for name in fields}
        cap = order.upstream_deadline
        new = dict(old)
        for stage in ("accept", "reply") if order.state in ACCEPT_CLOCK_STATES else ("reply",):
            due, warn, escalate = (f"{stage}_due", f"{stage}_warn_at", f"{stage}_escalate_at")
            if old[due] is None:
                continue
            new[due] = _moved(old[due], now=now, before=before, cap=cap)
            if old[warn] is not None:
                new[warn] = min(_moved(old[warn], now=now, before=before, cap=None), new[due])
            if old[escalate] is not None and old[escalate] > now:
                # 督办 keeps its working time after the deadline, wherever that now lies.
                span = worktime.working_minutes_between(old[due], old[escalate], is_working=before)
                new[escalate] = worktime.add_working_minutes(new[due], span)
        changed = {name: (old[name], new[name]) for name in fields if old[name] != new[name]}
        if not changed:
            continue
        current = "accept" if order.state in ACCEPT_CLOCK_STATES else "reply"
        due, warn = new[f"{current}_due"], new[f"{current}_warn_at"]
        flags = {"overdue": due < now, "due_soon": warn <= now <= due} if due and warn else {}
        # Compare-and-set on the state and every deadline read (no lock is taken while the
        # batch is computed). An action that changed them meanwhile (dispatch, extension,
        # acceptance) ran after the calendar change committed, so it computed its deadlines on
        # the new calendar already: it wins and the order is left as that action set it.
        updated = WorkOrder.objects.filter(pk=order.pk, state=order.state, **old).update(
            updated_at=now, **{name: value for name, (_old, value) in changed.items()}, **flags
        )
        if updated != 1:
            continue
        moved += 1
        events.append(
            TimelineEvent(
                order=order,
                action=Action.CALENDAR,
                actor=None,
                at=now,
                from_state=order.state,
                to_state=order.state,
                unit=order.lead_unit,
                note=_note(changed),
                data={
                    "calendar_change": change_id,
                    "moved": {
                        name: [a.isoformat(), b.isoformat()] for name, (a, b) in changed.items()
                    },
                    **(
                        {"reply_due": new["reply_due"].isoformat()}
                        if "reply_due" in changed
                        else {}
                    ),
                },
            )
        )
    TimelineEvent.objects.bulk_create(events)
    return moved
