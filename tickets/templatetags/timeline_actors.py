"""Who took each step of an order's timeline, as whom: the actor's own unit or role, and the
unit the step concerned apart from it.

An event's `unit` is the unit the step is about (the lead unit by default), not the actor's.
Shown as "name · unit" it made the command centre's dispatch read "李秀玉 · 综合行政执法局",
as if she worked there. The actor's own label comes from the roles they held on the day of the
step: a handler or clerk of the event's unit is shown with that unit alone; anyone else with
their own unit or role ("李秀玉 · 指挥中心") and the unit concerned after an arrow.
"""

from django import template
from django.utils.timezone import localdate

from huaisi.models import Role
from huaisi.roles import RoleKind

register = template.Library()

# When someone holds several roles, the one that most likely took an order step names them.
_PREFERENCE = [
    RoleKind.COMMAND_CENTRE,
    RoleKind.SUPERVISOR,
    RoleKind.TOWN_ADMIN,
    RoleKind.DEPARTMENT_HANDLER,
    RoleKind.VILLAGE_CLERK,
    RoleKind.GRID_LEADER,
    RoleKind.MICROGRID_WORKER,
    RoleKind.ASSESSOR,
    RoleKind.VOLUNTEER_LEADER,
]


def _own_label(role: Role) -> str:
    if role.kind == RoleKind.DEPARTMENT_HANDLER and role.department_id:
        return role.department.name
    if role.kind == RoleKind.VILLAGE_CLERK and role.village_id:
        return role.village.name
    return str(role.get_kind_display())


@register.simple_tag
def timeline_actors(rows) -> dict:
    """{event pk: {"name", "as", "unit"}} for the timeline's rows, in one query for every
    actor's roles. "as" is the actor's own unit or role (empty when they hold none), "unit" the
    unit concerned when it is not theirs (else None)."""
    events = [row["event"] for row in rows]
    actor_ids = {e.actor_id for e in events if e.actor_id}
    roles: dict[int, list[Role]] = {}
    if actor_ids:
        for role in Role.objects.filter(user_id__in=actor_ids).select_related(
            "department", "village"
        ):
            roles.setdefault(role.user_id, []).append(role)
    labels = {}
    for e in events:
        if not e.actor_id:
            continue
        day = localdate(e.at)
        held = [
            r
            for r in roles.get(e.actor_id, [])
            if r.starts_on <= day and (r.ends_on is None or r.ends_on >= day)
        ] or roles.get(e.actor_id, [])
        unit = e.unit
        if unit is not None and any(
            (r.kind == RoleKind.DEPARTMENT_HANDLER and r.department_id == unit.department_id)
            or (r.kind == RoleKind.VILLAGE_CLERK and r.village_id == unit.village_id)
            for r in held
            if r.department_id or r.village_id
        ):
            own, concerned = str(unit), None
        else:
            held.sort(key=lambda r: _PREFERENCE.index(r.kind) if r.kind in _PREFERENCE else 99)
            own, concerned = (_own_label(held[0]) if held else ""), unit
        labels[e.pk] = {
            "name": e.actor.get_full_name() or e.actor.get_username(),
            "as": own,
            "unit": concerned,
        }
    return labels


@register.filter
def for_event(labels: dict, pk: int) -> dict | None:
    return labels.get(pk)
