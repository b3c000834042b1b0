import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from huaisi.access import get_for_user, visible_to
from huaisi.list_filters import AreaChoices
from huaisi.models import SCOPE_FIELDS, Role
from huaisi.roles import Capability, Level, RoleKind
from huaisi.selectors import roles_in_force

from .models import Department, Grid, MicroGrid, Town, Village


def _open_holder_name(kind: str, field: str) -> Subquery:
    today = timezone.localdate()
    holders = (
        roles_in_force(on=today)
        .filter(kind=kind, **{field: OuterRef("pk")})
        .order_by("-starts_on")
        .values("user__first_name")[:1]
    )
    return Subquery(holders)


def village_list_for_user(*, user) -> QuerySet[Village]:
    villages = Village.objects.select_related("town").annotate(
        grid_count=Count("grids", distinct=True),
        microgrid_count=Count("grids__microgrids", distinct=True),
    )
    return visible_to(user, villages, capability=Capability.VIEW_AREAS).order_by("code")


def village_get_for_user(*, user, pk: int) -> Village:
    return get_for_user(
        user, Village.objects.select_related("town"), pk=pk, capability=Capability.VIEW_AREAS
    )


def grid_list_for_user(
    *, user, query: str = "", village_id: int | None = None, capability: str = Capability.VIEW_AREAS
) -> QuerySet[Grid]:
    grids = (
        Grid.objects.select_related("village")
        .annotate(
            microgrid_count=Count("microgrids"),
            leader_name=_open_holder_name(RoleKind.GRID_LEADER, "grid"),
        )
        .order_by("village__code", "code")
    )
    if village_id is not None:
        grids = grids.filter(village_id=village_id)
    query = query.strip()
    if query:
        grids = grids.filter(
            Q(name__icontains=query) | Q(code__icontains=query) | Q(village__name__icontains=query)
        )
    return visible_to(user, grids, capability=capability)


def area_choices_for_user(*, user, capability: str, town: Town | None = None) -> AreaChoices:
    """The villages and grids a list may be filtered by: the grids the user sees with
    `capability` (in `town`, if named) and their villages, in one query when first read. A
    village without a grid holds nothing a list could show, so it is not offered."""
    grids = Grid.objects.select_related("village").order_by("village__code", "code")
    if town is not None:
        grids = grids.filter(village__town=town)
    grids = visible_to(user, grids, capability=capability).only(
        "pk", "name", "code", "village_id", "village__name", "village__code", "village__town_id"
    )
    return AreaChoices(grids)


def grid_get_for_user(*, user, pk: int) -> Grid:
    return get_for_user(
        user,
        Grid.objects.select_related("village__town").annotate(
            leader_name=_open_holder_name(RoleKind.GRID_LEADER, "grid")
        ),
        pk=pk,
        capability=Capability.VIEW_AREAS,
    )


def microgrids_of_grid(*, user, grid: Grid) -> QuerySet[MicroGrid]:
    microgrids = MicroGrid.objects.filter(grid=grid).annotate(
        worker_name=_open_holder_name(RoleKind.MICROGRID_WORKER, "microgrid")
    )
    return visible_to(user, microgrids, capability=Capability.VIEW_AREAS).order_by("code")


def village_get_for_manager(*, user, pk: int, capability: str) -> Village:
    """A village the user may see (404 otherwise) and act on with `capability` (403)."""
    return get_for_user(user, Village.objects.select_related("town"), pk=pk, capability=capability)


def grid_get_for_manager(*, user, pk: int, capability: str) -> Grid:
    return get_for_user(
        user, Grid.objects.select_related("village__town"), pk=pk, capability=capability
    )


def microgrid_get_for_manager(*, user, pk: int, capability: str) -> MicroGrid:
    return get_for_user(
        user, MicroGrid.objects.select_related("grid__village__town"), pk=pk, capability=capability
    )


def towns_for_user(*, user, capability: str) -> QuerySet[Town]:
    return visible_to(user, Town.objects.all(), capability=capability).order_by("code")


def _handlers_today() -> Prefetch:
    handlers = (
        roles_in_force(on=timezone.localdate())
        .filter(kind=RoleKind.DEPARTMENT_HANDLER)
        .select_related("user__staff_profile")
        .order_by("starts_on", "pk")
    )
    return Prefetch("roles", queryset=handlers, to_attr="handlers")


def department_list_for_user(*, user, capability: str) -> QuerySet[Department]:
    """Departments with their handlers of today (two queries, however many there are)."""
    departments = Department.objects.select_related("town").prefetch_related(_handlers_today())
    return visible_to(user, departments, capability=capability).order_by("town__code", "code")


def department_get_for_user(*, user, pk: int, capability: str) -> Department:
    return get_for_user(
        user,
        Department.objects.select_related("town").prefetch_related(_handlers_today()),
        pk=pk,
        capability=capability,
    )


# --- Rosters ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Holder:
    """One person in one seat, as a roster shows them."""

    role_id: int
    kind: str
    user_id: int
    name: str
    username: str
    phone: str
    title: str
    starts_on: datetime.date
    ends_on: datetime.date | None

    @classmethod
    def of(cls, role: Role) -> "Holder":
        user = role.user
        profile = getattr(user, "staff_profile", None)
        return cls(
            role_id=role.pk,
            kind=role.kind,
            user_id=user.pk,
            name=user.first_name or user.username,
            username=user.username,
            phone=profile.phone if profile else "",
            title=profile.title if profile else "",
            starts_on=role.starts_on,
            ends_on=role.ends_on,
        )


@dataclass
class Seat:
    """A role kind over one area, with whoever held it on the roster's day (usually one
    person; none when vacant)."""

    kind: str
    scope: object
    holders: list[Holder] = field(default_factory=list)

    @property
    def label(self) -> str:
        return RoleKind(self.kind).label

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.scope.pk}"


@dataclass
class GridRoster:
    grid: Grid
    leader: Seat
    workers: list[Seat]


@dataclass
class VillageRoster:
    village: Village
    on: datetime.date
    village_seats: list[Seat]
    grids: list[GridRoster]


VILLAGE_ROSTER_KINDS = (RoleKind.VILLAGE_CLERK, RoleKind.ASSESSOR, RoleKind.VOLUNTEER_LEADER)


def village_roster(*, user, village: Village, on: datetime.date) -> VillageRoster:
    """Who held which seat in `village` on `on`: its clerks, assessment group and volunteer
    leaders, and each grid's leader and micro-grid's worker that `user` may see, with their
    work phones. Three queries whatever the number of grids and micro-grids."""
    grids = list(
        visible_to(user, Grid.objects.filter(village=village), capability=Capability.VIEW_AREAS)
        .only("pk", "code", "name", "village_id")
        .order_by("code")
    )
    microgrids = list(
        visible_to(
            user,
            MicroGrid.objects.filter(grid__village=village),
            capability=Capability.VIEW_AREAS,
        )
        .only("pk", "code", "name", "grid_id")
        .order_by("code")
    )
    roles = (
        roles_in_force(on=on)
        .filter(
            Q(village=village, kind__in=VILLAGE_ROSTER_KINDS)
            | Q(grid__in=[g.pk for g in grids], kind=RoleKind.GRID_LEADER)
            | Q(microgrid__in=[m.pk for m in microgrids], kind=RoleKind.MICROGRID_WORKER)
        )
        .select_related("user__staff_profile")
        .order_by("starts_on", "pk")
    )
    by_seat: dict[tuple[str, int], list[Holder]] = {}
    for role in roles:
        scope_id = role.village_id or role.grid_id or role.microgrid_id
        by_seat.setdefault((role.kind, scope_id), []).append(Holder.of(role))

    def seat(kind: str, scope) -> Seat:
        return Seat(kind=kind, scope=scope, holders=by_seat.get((kind, scope.pk), []))

    workers_of: dict[int, list[Seat]] = {}
    for micro in microgrids:
        workers_of.setdefault(micro.grid_id, []).append(seat(RoleKind.MICROGRID_WORKER, micro))
    return VillageRoster(
        village=village,
        on=on,
        village_seats=[seat(kind, village) for kind in VILLAGE_ROSTER_KINDS],
        grids=[
            GridRoster(
                grid=grid,
                leader=seat(RoleKind.GRID_LEADER, grid),
                workers=workers_of.get(grid.pk, []),
            )
            for grid in grids
        ],
    )


def roster_seats(*, roster: VillageRoster, kinds: frozenset[str]) -> list[Seat]:
    """The seats of a roster whose kind is one of `kinds`, in the page's order."""
    seats = [s for s in roster.village_seats if s.kind in kinds]
    for row in roster.grids:
        if row.leader.kind in kinds:
            seats.append(row.leader)
    for row in roster.grids:
        seats.extend(s for s in row.workers if s.kind in kinds)
    return seats


def role_get_for_user(*, user, pk: int) -> Role:
    """An open or ended role whose area (or department) the user may see; 404 otherwise,
    including for town-wide roles, which no roster page handles."""
    role = (
        Role.objects.select_related(
            "user__staff_profile",
            "village__town",
            "grid__village__town",
            "microgrid__grid__village__town",
            "department__town",
        )
        .filter(pk=pk)
        .first()
    )
    if role is None or role.level == Level.TOWN:
        raise Http404
    scope = role.scope
    if not visible_to(user, type(scope).objects.filter(pk=scope.pk)).exists():
        raise Http404
    return role


def staff_get_for_user(*, user, pk: int):
    """A member of staff the user may edit: someone who holds or held a role somewhere in a
    town the user maintains (404 for anyone else, so accounts cannot be probed)."""
    towns = visible_to(user, Town.objects.all(), capability=Capability.MANAGE_AREAS)
    in_towns = (
        Q(town__in=towns)
        | Q(village__town__in=towns)
        | Q(grid__village__town__in=towns)
        | Q(microgrid__grid__village__town__in=towns)
        | Q(department__town__in=towns)
    )
    staff = (
        get_user_model()
        .objects.select_related("staff_profile")
        .filter(pk=pk, huaisi_roles__in=Role.objects.filter(in_towns))
        .distinct()
        .first()
    )
    if staff is None:
        raise Http404
    return staff


def role_ended_before(*, role: Role) -> Role | None:
    """Whoever held `role`'s seat until the day before it started (the predecessor an
    assignment to a one-holder seat ended), if anyone."""
    field_name = f"{SCOPE_FIELDS[role.level]}_id"
    return (
        Role.objects.filter(
            kind=role.kind,
            ends_on=role.starts_on - datetime.timedelta(days=1),
            **{field_name: getattr(role, field_name)},
        )
        .exclude(pk=role.pk)
        .select_related("user")
        .first()
    )
