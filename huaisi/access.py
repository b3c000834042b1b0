"""Who may see which rows: the one place that narrows a queryset to a user's roles.

Every selector that returns area-bound rows goes through `visible_to`. A model takes part by
declaring `area_paths`: for each level it can be placed at, the lookup from the model to that
level's id (for example a grid's `{Level.TOWN: "village__town", Level.VILLAGE: "village",
Level.GRID: "pk"}`).

A role sees rows at its own level of scope and below. Where the model is coarser than the role
(a micro-grid worker looking at grids), the role sees the row that contains its scope (the
worker's own grid), never its neighbours, and never climbing above the village: town-wide
rows are for town roles. Department roles see only rows placed in their
department. Superusers see everything.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from .roles import AREA_LEVELS, ASSIGNABLE_KINDS, CAPABILITIES, SCOPE_LEVEL, Level


@dataclass(frozen=True)
class Grant:
    kind: str
    level: Level
    # The id of the role's scope and of each area above it, by level.
    ancestors: dict[Level, int]


# Only the ids each level needs: the role query never reads an area's name or boundary.
_ANCESTOR_IDS = (
    "town_id",
    "department_id", "department__town_id",
    "village_id", "village__town_id",
    "grid_id", "grid__village_id", "grid__village__town_id",
    "microgrid_id", "microgrid__grid_id", "microgrid__grid__village_id",
    "microgrid__grid__village__town_id",
)  # fmt: skip


def _ancestors(kind: str, ids: dict) -> dict[Level, int]:
    level = SCOPE_LEVEL[kind]
    if level == Level.TOWN:
        return {Level.TOWN: ids["town_id"]}
    if level == Level.DEPARTMENT:
        return {Level.TOWN: ids["department__town_id"], Level.DEPARTMENT: ids["department_id"]}
    if level == Level.VILLAGE:
        return {Level.TOWN: ids["village__town_id"], Level.VILLAGE: ids["village_id"]}
    if level == Level.GRID:
        return {
            Level.TOWN: ids["grid__village__town_id"],
            Level.VILLAGE: ids["grid__village_id"],
            Level.GRID: ids["grid_id"],
        }
    return {
        Level.TOWN: ids["microgrid__grid__village__town_id"],
        Level.VILLAGE: ids["microgrid__grid__village_id"],
        Level.GRID: ids["microgrid__grid_id"],
        Level.MICROGRID: ids["microgrid_id"],
    }


# The roles in force on a day, with the ids above each scope: `roles_in_force(on).filter(user=…)
# .values("kind", *_ANCESTOR_IDS)` written out once. Every signed-in request runs it, and
# building that seven-join query through the ORM cost 1 ms of Python against 0.15 ms in
# PostgreSQL; tests/test_access checks it against the ORM form for every demo role.
_GRANTS_SQL = """
SELECT r.kind, r.town_id,
       r.department_id, d.town_id,
       r.village_id, v.town_id,
       r.grid_id, g.village_id, gv.town_id,
       r.microgrid_id, m.grid_id, mg.village_id, mgv.town_id
  FROM huaisi_role r
  LEFT JOIN grids_department d ON d.id = r.department_id
  LEFT JOIN grids_village v ON v.id = r.village_id
  LEFT JOIN grids_grid g ON g.id = r.grid_id
  LEFT JOIN grids_village gv ON gv.id = g.village_id
  LEFT JOIN grids_microgrid m ON m.id = r.microgrid_id
  LEFT JOIN grids_grid mg ON mg.id = m.grid_id
  LEFT JOIN grids_village mgv ON mgv.id = mg.village_id
 WHERE r.user_id = %s AND r.starts_on <= %s AND (r.ends_on IS NULL OR r.ends_on >= %s)
 ORDER BY r.id
"""


def role_rows(*, user_id: int, on: datetime.date) -> list[dict]:
    """The user's roles in force on `on`, as `{"kind": …, <each of _ANCESTOR_IDS>: …}`."""
    with connection.cursor() as cursor:
        cursor.execute(_GRANTS_SQL, [user_id, on, on])
        return [dict(zip(("kind", *_ANCESTOR_IDS), row, strict=True)) for row in cursor]


def grants_for(user) -> list[Grant]:
    """The user's roles in force today, read once per user object (so once per request)."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_huaisi_grants", None)
    if cached is not None:
        return cached
    grants = [
        Grant(
            kind=row["kind"], level=SCOPE_LEVEL[row["kind"]], ancestors=_ancestors(row["kind"], row)
        )
        for row in role_rows(user_id=user.pk, on=timezone.localdate())
    ]
    user._huaisi_grants = grants
    return grants


def forget_grants(user) -> None:
    """Drop the cached grants after the user's roles changed."""
    user.__dict__.pop("_huaisi_grants", None)


def user_can(user, capability: str) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    allowed = CAPABILITIES[capability]
    return any(grant.kind in allowed for grant in grants_for(user))


def grant_towns(user, capability: str | None = None) -> list[int]:
    """The towns the user's roles lie in (those holding `capability`, if one is named), from
    the grants already read: no query. A superuser's grants name no town: callers decide what
    "every town" means for them."""
    allowed = CAPABILITIES[capability] if capability else None
    return sorted(
        {
            grant.ancestors[Level.TOWN]
            for grant in grants_for(user)
            if allowed is None or grant.kind in allowed
        }
    )


def require_capability(user, capability: str) -> None:
    """Refuse (403) a user none of whose roles holds `capability`."""
    if not user_can(user, capability):
        raise PermissionDenied


def _compared_level(grant: Grant, levels) -> Level | None:
    """The level at which a row placed at `levels` is compared with the grant's scope: its
    own level if the row has it, else the nearest coarser one. Climb no higher than the
    village: a town-wide row (a department, a town report) is for town roles, not for every
    grid leader of the town. Department grants compare departments only."""
    if grant.level == Level.DEPARTMENT:
        return Level.DEPARTMENT if Level.DEPARTMENT in levels else None
    reachable = AREA_LEVELS[: AREA_LEVELS.index(grant.level) + 1]
    if grant.level != Level.TOWN:
        reachable = reachable[1:]
    return next((level for level in reversed(reachable) if level in levels), None)


def _grant_filter(grant: Grant, paths: dict[Level, str]) -> Q | None:
    level = _compared_level(grant, paths)
    return None if level is None else Q(**{paths[level]: grant.ancestors[level]})


def visible_to(user, queryset: QuerySet, *, capability: str | None = None) -> QuerySet:
    """The rows of `queryset` that `user` may see (with `capability`, if one is named)."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_superuser:
        return queryset
    paths: dict[Level, str] = queryset.model.area_paths
    allowed_kinds: Iterable[str] | None = CAPABILITIES[capability] if capability else None
    condition = Q()
    matched = False
    for grant in grants_for(user):
        if allowed_kinds is not None and grant.kind not in allowed_kinds:
            continue
        q = _grant_filter(grant, paths)
        if q is not None:
            condition |= q
            matched = True
    if not matched:
        return queryset.none()
    return queryset.filter(condition)


def get_for_user(user, queryset: QuerySet, *, pk, capability: str | None = None) -> Model:
    """Fetch one row the user may see: 404 when it is outside their scope, so a URL does not
    even reveal that the row exists; 403 when they see it but lack the capability."""
    try:
        obj = visible_to(user, queryset).get(pk=pk)
    except queryset.model.DoesNotExist:
        raise Http404 from None
    if capability and not may_see(user, obj, capability=capability, queryset=queryset):
        raise PermissionDenied
    return obj


def _grant_covers(grant: Grant, area: dict[Level, int | None]) -> bool:
    """`_grant_filter` applied to one row in memory."""
    level = _compared_level(grant, area)
    return level is not None and area[level] is not None and area[level] == grant.ancestors[level]


def may_see(user, obj: Model, *, capability: str, queryset: QuerySet | None = None) -> bool:
    """Whether `obj` is among `visible_to(user, …, capability=capability)`. Decided from the
    grants in memory when the row's areas are loaded (no query), else by one EXISTS."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    area = _area_ids(obj, loaded_only=True)
    if area is None:
        queryset = queryset if queryset is not None else type(obj)._default_manager.all()
        return visible_to(user, queryset.filter(pk=obj.pk), capability=capability).exists()
    allowed = CAPABILITIES[capability]
    return any(grant.kind in allowed and _grant_covers(grant, area) for grant in grants_for(user))


def _area_ids(obj: Model, *, loaded_only: bool) -> dict[Level, int | None] | None:
    """The id of `obj` and of each area above it, by level, read from its `area_paths` (a
    null foreign key on the way gives None). With `loaded_only`, None as soon as a related
    row on the way is not loaded yet, instead of reading it (a query per hop)."""
    found: dict[Level, int | None] = {}
    for level, path in obj.area_paths.items():
        if path == "pk":
            found[level] = obj.pk
            continue
        *hops, last = path.split("__")
        target = obj
        for hop in hops:
            if target is None:
                break
            if loaded_only and not target._meta.get_field(hop).is_cached(target):
                return None
            target = getattr(target, hop)
        found[level] = None if target is None else getattr(target, f"{last}_id")
    return found


def ancestors_of(obj: Model) -> dict[Level, int | None]:
    """The id of `obj` and of each area above it, by level, read from its `area_paths`
    (the related rows on the way must be loaded, or each hop costs a query)."""
    return _area_ids(obj, loaded_only=False)


def _covering_grants(user, obj: Model) -> list[Grant]:
    """The user's grants whose scope is `obj` or an area above it. Unlike `visible_to`, a
    finer role does not cover the coarser area containing it: seeing a village is not running
    it."""
    area = ancestors_of(obj)
    return [
        grant
        for grant in grants_for(user)
        if area.get(grant.level) is not None and area[grant.level] == grant.ancestors[grant.level]
    ]


def user_can_in(user, capability: str, obj: Model) -> bool:
    """Whether one of the user's roles holding `capability` covers `obj` (no query beyond the
    grants): for showing an action's link only where the action would be allowed."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    allowed = CAPABILITIES[capability]
    return any(grant.kind in allowed for grant in _covering_grants(user, obj))


def assignable_kinds(user, obj: Model) -> frozenset[str]:
    """The role kinds the user may assign (and end) in `obj`, an area or department."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return frozenset().union(*ASSIGNABLE_KINDS.values())
    kinds: set[str] = set()
    for grant in _covering_grants(user, obj):
        kinds |= ASSIGNABLE_KINDS.get(grant.kind, frozenset())
    return frozenset(kinds)
