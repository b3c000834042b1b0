"""Reads of the volunteers app, scoped through `huaisi.access.visible_to`; a team's own leader
also sees the team and its activities wherever they took place."""

from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.http import Http404

from huaisi.access import visible_to
from huaisi.periods import next_month, parse_month
from huaisi.roles import Capability

from .models import (
    Activity,
    Certificate,
    Membership,
    Participation,
    Photo,
    ProgressUpdate,
    Project,
    Team,
    Volunteer,
    Wish,
)

LIST_LIMIT = 50
# Besides their area, people see the activities of the teams they lead and those they logged
# (grid staff logging a patrol of a town-wide team).
ACTIVITY_OWN = ("team__leader", "logged_by")
VIEW = Capability.VIEW_VOLUNTEERS


def _scoped(user, queryset: QuerySet, *, led: str | tuple[str, ...] | None = None) -> QuerySet:
    """Rows the user's roles cover, plus (with `led`) rows of teams the user leads or rows
    the user wrote."""
    visible = visible_to(user, queryset, capability=VIEW)
    if led is None or not user.is_authenticated or user.is_superuser:
        return visible
    # As id subqueries: a lookup across memberships must not repeat rows.
    lookups = (led,) if isinstance(led, str) else led
    own = Q()
    for lookup in lookups:
        own |= Q(**{lookup: user})
    led_ids = queryset.model.objects.filter(own).values("pk")
    return queryset.filter(Q(pk__in=visible.values("pk")) | Q(pk__in=led_ids))


def _get(user, queryset: QuerySet, *, pk: int, led: str | tuple[str, ...] | None = None):
    try:
        return _scoped(user, queryset, led=led).get(pk=pk)
    except queryset.model.DoesNotExist:
        raise Http404 from None


def _hours_sum(**filters) -> Subquery:
    rows = (
        Participation.objects.filter(activity__status=Activity.Status.CONFIRMED, **filters)
        .order_by()
        .values("volunteer_id")
        .annotate(total=Sum("hours"))
        .values("total")
    )
    return Coalesce(
        Subquery(rows, output_field=DecimalField()),
        Value(Decimal(0)),
        output_field=DecimalField(),
    )


# --- Teams and volunteers ---------------------------------------------------------------------


def team_list_for_user(*, user) -> QuerySet[Team]:
    return (
        _scoped(user, Team.objects.select_related("village", "town"), led="leader")
        .annotate(
            member_count=Count("memberships", filter=Q(memberships__left_on__isnull=True)),
        )
        .order_by("village__code", "name")
    )


def team_get_for_user(*, user, pk: int) -> Team:
    return _get(user, Team.objects.select_related("village", "town", "leader"), pk=pk, led="leader")


def team_members(*, team: Team, year: int) -> dict[str, list[Membership]]:
    """The team's members now and in the past, each with their confirmed hours in the team
    this year (one query)."""
    memberships = (
        Membership.objects.filter(team=team)
        .select_related("volunteer__resident")
        .annotate(
            hours=_hours_sum(
                volunteer_id=OuterRef("volunteer_id"),
                activity__team_id=team.pk,
                activity__date__year=year,
            )
        )
        .order_by("volunteer__name", "-joined_on")
    )
    current, past = [], []
    for m in memberships:
        (current if m.left_on is None else past).append(m)
    return {"current": current, "past": past}


def membership_get_for_user(*, user, pk: int) -> Membership:
    return _get(
        user,
        Membership.objects.select_related("team__village", "team__town", "volunteer"),
        pk=pk,
        led="team__leader",
    )


def volunteer_get_for_user(*, user, pk: int) -> Volunteer:
    return _get(
        user,
        Volunteer.objects.select_related("village", "resident__household"),
        pk=pk,
        led="memberships__team__leader",
    )


def volunteer_memberships(*, volunteer: Volunteer) -> QuerySet[Membership]:
    return volunteer.memberships.select_related("team__village", "team__town").order_by(
        "-joined_on"
    )


def volunteer_hours(*, volunteer: Volunteer) -> list[dict]:
    """Confirmed hours by year, each with its months (newest first): one query."""
    rows = (
        Participation.objects.filter(
            volunteer=volunteer, activity__status=Activity.Status.CONFIRMED
        )
        .annotate(month=TruncMonth("activity__date"))
        .values("month")
        .annotate(hours=Sum("hours"), activities=Count("pk"))
        .order_by("-month")
    )
    years: dict[int, dict] = {}
    for row in rows:
        month = row["month"]
        year = years.setdefault(
            month.year, {"year": month.year, "hours": Decimal(0), "activities": 0, "months": []}
        )
        year["hours"] += row["hours"]
        year["activities"] += row["activities"]
        year["months"].append(row)
    return list(years.values())


def volunteer_pending_hours(*, volunteer: Volunteer) -> Decimal:
    return Participation.objects.filter(
        volunteer=volunteer, activity__status=Activity.Status.LOGGED
    ).aggregate(total=Sum("hours"))["total"] or Decimal(0)


def volunteer_recent(*, volunteer: Volunteer, limit: int = 20) -> QuerySet[Participation]:
    return (
        Participation.objects.filter(volunteer=volunteer)
        .select_related("activity__team", "point_entry")
        .order_by("-activity__date", "-pk")[:limit]
    )


def certificate_get_for_user(*, user, pk: int) -> Certificate:
    return _get(
        user,
        Certificate.objects.select_related("volunteer", "issued_by"),
        pk=pk,
        led="volunteer__memberships__team__leader",
    )


def certificate_check(*, code: str) -> Certificate | None:
    """The certificate with this code, for the public page (no scoping: the code is the key)."""
    if not code:
        return None
    return Certificate.objects.select_related("volunteer").filter(code=code).first()


# --- Activities --------------------------------------------------------------------------------


def activity_list_for_user(
    *,
    user,
    team: Team | None = None,
    status: str = "",
    kind: str = "",
    month: str = "",
    village_id: int | None = None,
    grid_id: int | None = None,
) -> QuerySet[Activity]:
    activities = Activity.objects.select_related("team", "village", "grid").annotate(
        people=Count("participations"), hours=Sum("participations__hours")
    )
    if team is not None:
        activities = activities.filter(team=team)
    if status in Activity.Status.values:
        activities = activities.filter(status=status)
    if kind in Activity.Kind.values:
        activities = activities.filter(kind=kind)
    if village_id is not None:
        activities = activities.filter(village_id=village_id)
    if grid_id is not None:
        activities = activities.filter(grid_id=grid_id)
    start = parse_month(month)
    if start:
        activities = activities.filter(date__gte=start, date__lt=next_month(start))
    return _scoped(user, activities, led=ACTIVITY_OWN).order_by("-date", "-pk")


def activity_get_for_user(*, user, pk: int) -> Activity:
    return _get(
        user,
        Activity.objects.select_related(
            "team__village", "team__town", "village", "grid", "logged_by", "confirmed_by"
        ).prefetch_related(
            Prefetch(
                "participations",
                queryset=Participation.objects.select_related(
                    "volunteer__resident__household", "point_entry"
                ).order_by("volunteer__name"),
            ),
            "photos",
            "staff",
        ),
        pk=pk,
        led=ACTIVITY_OWN,
    )


# --- Micro-wishes ------------------------------------------------------------------------------


def _wishes_in(wishes: QuerySet[Wish], *, village_id=None, grid_id=None) -> QuerySet[Wish]:
    if village_id:
        wishes = wishes.filter(village_id=village_id)
    if grid_id:
        wishes = wishes.filter(microgrid__grid_id=grid_id)
    return wishes


def wish_list_for_user(*, user, village_id=None, grid_id=None, status: str = "") -> QuerySet[Wish]:
    wishes = Wish.objects.select_related("resident", "village", "microgrid", "team")
    wishes = _wishes_in(wishes, village_id=village_id, grid_id=grid_id)
    if status in Wish.Status.values:
        wishes = wishes.filter(status=status)
    return _scoped(user, wishes, led="team__leader").order_by("-recorded_at", "-pk")


def wish_status_counts(*, user, village_id=None, grid_id=None) -> dict[str, int]:
    wishes = _wishes_in(Wish.objects.all(), village_id=village_id, grid_id=grid_id)
    rows = _scoped(user, wishes, led="team__leader").values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}


def wish_get_for_user(*, user, pk: int) -> Wish:
    return _get(
        user,
        Wish.objects.select_related(
            "resident", "village__town", "microgrid__grid", "team", "recorded_by", "claimed_by"
        ).prefetch_related("photos"),
        pk=pk,
        led="team__leader",
    )


# --- Livelihood projects -----------------------------------------------------------------------


def project_list_for_user(
    *, user, year: int | None = None, village_id=None, category: str = "", status: str = ""
) -> QuerySet[Project]:
    projects = Project.objects.select_related("village", "decision")
    if year:
        projects = projects.filter(year=year)
    if village_id:
        projects = projects.filter(village_id=village_id)
    if category in Project.Category.values:
        projects = projects.filter(category=category)
    if status in Project.Status.values:
        projects = projects.filter(status=status)
    return _scoped(user, projects).order_by("village__code", "title")


def project_get_for_user(*, user, pk: int) -> Project:
    return _get(
        user,
        Project.objects.select_related("village", "decision", "lead").prefetch_related(
            "updates__photos"
        ),
        pk=pk,
    )


def project_summary(*, projects: QuerySet[Project]) -> dict:
    """Counts and budget by category and by status, and the totals: one query."""
    rows = list(
        projects.order_by()
        .values("category", "status")
        .annotate(n=Count("pk"), budget=Sum("budget"))
    )
    categories = {
        value: {
            "label": label,
            "n": 0,
            "budget": Decimal(0),
            **dict.fromkeys(Project.Status.values, 0),
        }
        for value, label in Project.Category.choices
    }
    statuses = {
        value: {"label": label, "n": 0, "budget": Decimal(0)}
        for value, label in Project.Status.choices
    }
    total = {"n": 0, "budget": Decimal(0)}
    for row in rows:
        cat, st = categories[row["category"]], statuses[row["status"]]
        cat["n"] += row["n"]
        cat["budget"] += row["budget"]
        cat[row["status"]] += row["n"]
        st["n"] += row["n"]
        st["budget"] += row["budget"]
        total["n"] += row["n"]
        total["budget"] += row["budget"]
    return {
        "categories": list(categories.values()),
        "statuses": list(statuses.values()),
        "total": total,
    }


def project_years(*, projects: QuerySet[Project]) -> list[int]:
    return list(projects.order_by("-year").values_list("year", flat=True).distinct())


def public_projects(*, village, year: int) -> QuerySet[Project]:
    """A village's projects for its public notice page (no scoping: this list is public)."""
    return (
        Project.objects.filter(village=village, year=year)
        .select_related("decision")
        .prefetch_related(
            Prefetch("updates", queryset=ProgressUpdate.objects.order_by("-date", "-pk"))
        )
        .order_by("category", "title")
    )


# --- Photos ------------------------------------------------------------------------------------


def photo_get_for_user(*, user, pk: int) -> Photo:
    """A photo whose activity, wish or project the user may see."""
    photo = Photo.objects.filter(pk=pk).first()
    if photo is None:
        raise Http404
    if photo.activity_id:
        activity_get_for_user(user=user, pk=photo.activity_id)
    elif photo.wish_id:
        wish_get_for_user(user=user, pk=photo.wish_id)
    else:
        project_get_for_user(user=user, pk=photo.update.project_id)
    return photo
