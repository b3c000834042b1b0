"""Reads of patrol inspections and of visit coverage, scoped to what the user may see.

Coverage decision: a household is due for a visit when its last visit (the latest
`InspectionVisit.visited_at`) is older than its grid's target — `VisitTarget.every_days`, or
`care_every_days` when one of its present residents carries a care tag — or when it was never
visited. Grids without a `VisitTarget` row use DEFAULT_VISIT_DAYS (90) and
DEFAULT_CARE_VISIT_DAYS (30). The list can instead ask for "not visited in N days". Every
figure is one SQL statement over the households, whatever their number.
"""

import datetime

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from grids.models import Grid
from households.models import Household, Resident
from huaisi.access import get_for_user, visible_to
from huaisi.roles import Capability

from .models import (
    DEFAULT_CARE_VISIT_DAYS,
    DEFAULT_VISIT_DAYS,
    FindingOutcome,
    Inspection,
    InspectionFinding,
    InspectionPhoto,
    InspectionVisit,
)


def inspections_for_user(
    *,
    user,
    mine: bool = True,
    day: datetime.date | None = None,
    village_id: int | None = None,
    grid_id: int | None = None,
) -> QuerySet[Inspection]:
    """The user's own inspections (mine) or every inspection of their area, newest first,
    with what the list shows; those started on `day` (Asia/Shanghai), in a village, a grid."""
    if mine:
        inspections = (
            Inspection.objects.filter(inspector_id=user.pk)
            if user.is_authenticated
            else Inspection.objects.none()
        )
    else:
        inspections = visible_to(
            user, Inspection.objects.all(), capability=Capability.VIEW_INSPECTIONS
        )
    if day is not None:
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
        inspections = inspections.filter(
            started_at__gte=start, started_at__lt=start + datetime.timedelta(days=1)
        )
    if village_id is not None:
        inspections = inspections.filter(grid__village_id=village_id)
    if grid_id is not None:
        inspections = inspections.filter(grid_id=grid_id)
    return (
        inspections.select_related("grid__village", "inspector")
        .annotate(
            finding_count=Count("findings", distinct=True),
            reported_count=Count(
                "findings", filter=Q(findings__outcome=FindingOutcome.REPORT), distinct=True
            ),
            household_count=Count("visits", distinct=True),
        )
        .order_by("-started_at", "-pk")
    )


def inspection_get_for_user(*, user, pk: int) -> Inspection:
    """One inspection with its findings, photos, orders and households: 404 outside the
    user's area (their own inspections they always see)."""
    photos = InspectionPhoto.objects.order_by("position")
    findings = (
        InspectionFinding.objects.select_related("order")
        .prefetch_related(Prefetch("photos", queryset=photos))
        .order_by("position")
    )
    visits = InspectionVisit.objects.select_related("household").order_by("household__number")
    base = Inspection.objects.select_related("grid__village", "inspector").prefetch_related(
        Prefetch("findings", queryset=findings), Prefetch("visits", queryset=visits)
    )
    if user.is_authenticated:
        own = base.filter(pk=pk, inspector_id=user.pk).first()
        if own is not None:
            return own
    return get_for_user(user, base, pk=pk, capability=Capability.VIEW_INSPECTIONS)


def photo_get_for_user(*, user, pk: int) -> InspectionPhoto:
    photos = InspectionPhoto.objects.select_related("finding__inspection")
    if user.is_authenticated:
        own = photos.filter(pk=pk, finding__inspection__inspector_id=user.pk).first()
        if own is not None:
            return own
    return get_for_user(user, photos, pk=pk, capability=Capability.VIEW_INSPECTIONS)


def grids_for_logging(*, user) -> QuerySet[Grid]:
    """The grids the user may log inspections in."""
    grids = Grid.objects.select_related("village").order_by("village__code", "code")
    return visible_to(user, grids, capability=Capability.LOG_INSPECTIONS)


def _head_name() -> Subquery:
    heads = Resident.objects.filter(
        household=OuterRef("pk"), relation=Resident.Relation.HEAD, moved_out=False, deceased=False
    ).values("name")[:1]
    return Subquery(heads)


def _has_care_tag() -> Exists:
    return Exists(
        Resident.objects.filter(
            household=OuterRef("pk"), moved_out=False, deceased=False, care_tags__len__gt=0
        )
    )


def households_for_form(*, user, grid_ids) -> QuerySet[Household]:
    """The active households of these grids the user may see, for the visit checklist."""
    households = Household.objects.filter(
        microgrid__grid_id__in=grid_ids, status=Household.Status.ACTIVE
    )
    return (
        visible_to(user, households, capability=Capability.VIEW_RESIDENTS)
        .annotate(head_name=_head_name(), grid_id=F("microgrid__grid_id"), has_care=_has_care_tag())
        .order_by("number")
        .values("pk", "number", "head_name", "grid_id", "has_care")
    )


def _with_coverage(households: QuerySet[Household], *, now: datetime.datetime, days: int | None):
    """Annotate last_visit, has_care, due_days and overdue (set-based, one statement)."""
    last = (
        InspectionVisit.objects.filter(household=OuterRef("pk"))
        .order_by("-visited_at")
        .values("visited_at")[:1]
    )
    if days is not None:
        due_days = Value(days)
    else:
        due_days = Case(
            When(
                has_care=True,
                then=Coalesce(
                    F("microgrid__grid__visit_target__care_every_days"),
                    Value(DEFAULT_CARE_VISIT_DAYS),
                ),
            ),
            default=Coalesce(
                F("microgrid__grid__visit_target__every_days"), Value(DEFAULT_VISIT_DAYS)
            ),
            output_field=IntegerField(),
        )
    return households.annotate(
        last_visit=Subquery(last, output_field=DateTimeField()),
        has_care=_has_care_tag(),
        due_days=due_days,
        due_before=ExpressionWrapper(
            Value(now) - F("due_days") * Value(datetime.timedelta(days=1)),
            output_field=DateTimeField(),
        ),
    )


OVERDUE = Q(last_visit__isnull=True) | Q(last_visit__lt=F("due_before"))


def coverage_of_grid(
    *, user, grid: Grid, days: int | None = None, now: datetime.datetime | None = None
) -> QuerySet[Household]:
    """The grid's active households the user may see that are due for a visit, never
    visited first, then the longest unvisited, with their head's name."""
    households = visible_to(
        user,
        Household.objects.filter(microgrid__grid=grid, status=Household.Status.ACTIVE),
        capability=Capability.VIEW_RESIDENTS,
    )
    return (
        _with_coverage(households, now=now or timezone.now(), days=days)
        .filter(OVERDUE)
        .annotate(head_name=_head_name())
        .select_related("microgrid")
        .order_by(F("last_visit").asc(nulls_first=True), "number")
    )


def coverage_summary(*, user, days: int | None = None, now: datetime.datetime | None = None):
    """Per grid the user may see: active households, how many are due for a visit, and how
    many of those carry a care tag (one grouped statement)."""
    grid_ids = visible_to(user, Grid.objects.all(), capability=Capability.VIEW_INSPECTIONS).values(
        "pk"
    )
    households = visible_to(
        user,
        Household.objects.filter(microgrid__grid__in=grid_ids, status=Household.Status.ACTIVE),
        capability=Capability.VIEW_RESIDENTS,
    )
    rows = (
        _with_coverage(households, now=now or timezone.now(), days=days)
        .values(
            "microgrid__grid",
            "microgrid__grid__name",
            "microgrid__grid__code",
            "microgrid__grid__village__name",
            "microgrid__grid__village__code",
        )
        .annotate(
            total=Count("pk"),
            overdue=Count("pk", filter=OVERDUE),
            care_overdue=Count("pk", filter=OVERDUE & Q(has_care=True)),
            never=Count("pk", filter=Q(last_visit__isnull=True)),
        )
        .order_by("microgrid__grid__village__code", "microgrid__grid__code")
    )
    return [
        {
            "grid_id": r["microgrid__grid"],
            "grid_name": r["microgrid__grid__name"],
            "grid_code": r["microgrid__grid__code"],
            "village_name": r["microgrid__grid__village__name"],
            "total": r["total"],
            "overdue": r["overdue"],
            "care_overdue": r["care_overdue"],
            "never": r["never"],
        }
        for r in rows
    ]


def visit_targets(grid: Grid) -> tuple[int, int]:
    """(every_days, care_every_days) for the grid (a reverse one-to-one: one query unless
    select_related)."""
    # A missing reverse one-to-one raises RelatedObjectDoesNotExist, an AttributeError.
    target = getattr(grid, "visit_target", None)
    if target is None:
        return DEFAULT_VISIT_DAYS, DEFAULT_CARE_VISIT_DAYS
    return target.every_days, target.care_every_days
