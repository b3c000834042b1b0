from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from huaisi.access import get_for_user, visible_to
from huaisi.roles import Capability, RoleKind
from huaisi.selectors import roles_in_force

from .models import Department, Grid, MicroGrid, Village


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


def departments_for_user(*, user) -> QuerySet[Department]:
    return visible_to(user, Department.objects.all()).order_by("code")
