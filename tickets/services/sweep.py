"""The deadline sweep, run by beat every five minutes (`tasks.deadline_sweep_task`).

Set-based from start to end, whatever the number of open orders: one UPDATE brings the
yellow/red flags of every order whose clock runs up to date (writing only rows whose flags
change), and one statement of data-modifying CTEs issues the notices due — 催办 (urging) for
an overdue stage, 督办 (supervision order) past its escalation point — with their timeline
events, the counters on the orders and the in-app notifications (the unit's handlers; for
督办 also the town's supervision team).

Idempotent: a notice is unique per (order, kind, stage, deadline) and inserted with ON CONFLICT
DO NOTHING, and only the notices actually inserted produce events, counts and notifications.
So a re-run, or two sweeps at once, issue nothing twice; a moved deadline that passes in its
turn gets notices of its own.
"""

import datetime
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from huaisi.models import Role
from huaisi.roles import RoleKind

from ..models import (
    ACCEPT_CLOCK_STATES,
    CLOCK_STATES,
    Notification,
    TimelineEvent,
    Unit,
    UrgingNotice,
    WorkOrder,
)
from .core import _table


@dataclass(frozen=True)
class SweepResult:
    flags_changed: int
    urged: int
    supervised: int
    notifications: int


_CURRENT = {
    "due": "CASE WHEN o.state = ANY(%(accept_states)s) THEN o.accept_due ELSE o.reply_due END",
    "warn": "CASE WHEN o.state = ANY(%(accept_states)s) THEN o.accept_warn_at ELSE o.reply_warn_at END",
    "escalate": (
        "CASE WHEN o.state = ANY(%(accept_states)s) THEN o.accept_escalate_at "
        "ELSE o.reply_escalate_at END"
    ),
}


def _flags_sql() -> str:
    return f"""
        UPDATE {_table(WorkOrder)} AS t
           SET overdue = c.is_overdue, due_soon = c.is_due_soon
          FROM (SELECT o.id,
                       COALESCE(({_CURRENT["due"]}) < %(now)s, FALSE) AS is_overdue,
                       COALESCE(({_CURRENT["warn"]}) <= %(now)s
                                AND ({_CURRENT["due"]}) >= %(now)s, FALSE) AS is_due_soon
                  FROM {_table(WorkOrder)} o
                 WHERE o.state = ANY(%(clock_states)s)) AS c
         WHERE t.id = c.id
           AND (t.overdue, t.due_soon) IS DISTINCT FROM (c.is_overdue, c.is_due_soon)
    """  # noqa: S608 - table names from model meta, values bound


def _notices_sql() -> str:
    return f"""
        WITH clock AS (
            SELECT o.id, o.lead_unit_id, o.town_id, o.state,
                   CASE WHEN o.state = ANY(%(accept_states)s) THEN 'accept' ELSE 'reply' END AS phase,
                   {_CURRENT["due"]} AS due_at,
                   {_CURRENT["escalate"]} AS escalate_at
              FROM {_table(WorkOrder)} o
             WHERE o.state = ANY(%(clock_states)s) AND o.lead_unit_id IS NOT NULL
        ), candidate AS (
            SELECT id, lead_unit_id, 'urge' AS kind, phase, due_at
              FROM clock WHERE due_at < %(now)s
            UNION ALL
            SELECT id, lead_unit_id, 'supervise' AS kind, phase, due_at
              FROM clock WHERE escalate_at < %(now)s
        ), issued AS (
            INSERT INTO {_table(UrgingNotice)} (order_id, unit_id, kind, phase, due_at, issued_at)
            SELECT id, lead_unit_id, kind, phase, due_at, %(now)s FROM candidate
            ON CONFLICT (order_id, kind, phase, due_at) DO NOTHING
            RETURNING order_id, unit_id, kind, phase, due_at
        ), counted AS (
            UPDATE {_table(WorkOrder)} AS t
               SET urge_count = t.urge_count + n.urges,
                   supervise_count = t.supervise_count + n.supervisions
              FROM (SELECT order_id,
                           count(*) FILTER (WHERE kind = 'urge') AS urges,
                           count(*) FILTER (WHERE kind = 'supervise') AS supervisions
                      FROM issued GROUP BY order_id) AS n
             WHERE t.id = n.order_id
            RETURNING t.id
        ), events AS (
            INSERT INTO {_table(TimelineEvent)}
                   (order_id, action, actor_id, at, note, from_state, to_state, unit_id, data)
            SELECT i.order_id, i.kind, NULL, %(now)s, '', c.state, c.state, i.unit_id,
                   jsonb_build_object('phase', i.phase, 'due_at', i.due_at)
              FROM issued i JOIN clock c ON c.id = i.order_id
            RETURNING id
        ), active_roles AS (
            SELECT r.user_id, r.kind, r.department_id, r.village_id, r.town_id
              FROM {_table(Role)} r
              JOIN auth_user au ON au.id = r.user_id AND au.is_active
             WHERE r.starts_on <= %(today)s AND (r.ends_on IS NULL OR r.ends_on >= %(today)s)
               AND r.kind = ANY(ARRAY[%(handler)s, %(clerk)s, %(supervisor)s])
        ), notified AS (
            -- Who is told: the unit's handlers (a department's, or a village's clerks), and
            -- for a supervision order also the town's supervisors. One equi-join per kind
            -- (UNION also drops repeats): a join ON one OR of the three compared every notice
            -- with every role, which grew with the number of towns sharing the database.
            INSERT INTO {_table(Notification)} (user_id, order_id, kind, created_at)
            SELECT r.user_id, i.order_id, i.kind, %(now)s
              FROM issued i
              JOIN {_table(Unit)} u ON u.id = i.unit_id
              JOIN active_roles r ON r.kind = %(handler)s AND r.department_id = u.department_id
            UNION
            SELECT r.user_id, i.order_id, i.kind, %(now)s
              FROM issued i
              JOIN {_table(Unit)} u ON u.id = i.unit_id
              JOIN active_roles r ON r.kind = %(clerk)s AND r.village_id = u.village_id
            UNION
            SELECT r.user_id, i.order_id, i.kind, %(now)s
              FROM issued i
              JOIN clock c ON c.id = i.order_id
              JOIN active_roles r ON r.kind = %(supervisor)s AND r.town_id = c.town_id
             WHERE i.kind = 'supervise'
            RETURNING id
        )
        SELECT (SELECT count(*) FROM issued WHERE kind = 'urge'),
               (SELECT count(*) FROM issued WHERE kind = 'supervise'),
               (SELECT count(*) FROM notified),
               (SELECT count(*) FROM events),
               (SELECT count(*) FROM counted)
    """  # noqa: S608 - table names from model meta, values bound


def _params(now: datetime.datetime) -> dict:
    return {
        "now": now,
        "today": timezone.localdate(now),
        "accept_states": list(ACCEPT_CLOCK_STATES),
        "clock_states": list(CLOCK_STATES),
        "handler": RoleKind.DEPARTMENT_HANDLER,
        "clerk": RoleKind.VILLAGE_CLERK,
        "supervisor": RoleKind.SUPERVISOR,
    }


@transaction.atomic(durable=True)
def deadline_sweep(*, now: datetime.datetime | None = None) -> SweepResult:
    """Mark due-soon and overdue orders and issue the notices due (two statements)."""
    return sweep_run(now=now or timezone.now())


@transaction.atomic
def sweep_run(*, now: datetime.datetime) -> SweepResult:
    """The sweep inside a caller's transaction (the demo seed)."""
    params = _params(now)
    with connection.cursor() as cursor:
        cursor.execute(_flags_sql(), params)
        flags = cursor.rowcount
        cursor.execute(_notices_sql(), params)
        urged, supervised, notifications, _events, _counted = cursor.fetchone()
    return SweepResult(
        flags_changed=flags, urged=urged, supervised=supervised, notifications=notifications
    )


def overdue_flags_reference(*, now: datetime.datetime | None = None) -> int:
    """The bench's reference: the single plain UPDATE that marks overdue and due-soon orders,
    without notices, to compare the whole sweep with."""
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_flags_sql(), _params(now))
        return cursor.rowcount
