"""Activities: the list, logging one with its hours and photos, confirming, photos."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from grids.models import Village
from grids.selectors import area_choices_for_user
from huaisi.access import require_capability
from huaisi.list_filters import first_rows, read_area, read_month
from huaisi.roles import Capability, RoleKind
from huaisi.selectors import roles_in_force
from huaisi.uploads import serve_private_file
from huaisi.views import HtmxHttpRequest

from .. import selectors, services
from ..forms import ActivityForm, apply_errors
from ..models import Activity
from ._common import grids_in
from .teams import log_villages


@require_GET
@login_required
@vary_on_headers("HX-Request")
def activity_list(request: HtmxHttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_VOLUNTEERS)
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    notices: list[str] = []
    start = read_month(request.GET.get("month"), notices)
    month = f"{start:%Y-%m}" if start else ""
    choices = area_choices_for_user(user=request.user, capability=Capability.VIEW_VOLUNTEERS)
    area = read_area(request.GET, choices, notices)
    activities = selectors.activity_list_for_user(
        user=request.user,
        status=status,
        kind=kind,
        month=month,
        village_id=area.village_id,
        grid_id=area.grid_id,
    )
    first = first_rows(activities, selectors.LIST_LIMIT)
    context = {
        "activities": first.rows,
        "more": first.more,
        "limit": selectors.LIST_LIMIT,
        "result_count": first.count,
        "filter_notices": notices,
        "area_choices": choices,
        "area": area,
        "status": status,
        "kind": kind,
        "month": month,
        "statuses": Activity.Status.choices,
        "kinds": Activity.Kind.choices,
    }
    template = "volunteers/activity_list.html"
    if request.htmx and request.htmx.target == "activity-results":
        template += "#results"
    return render(request, template, context)


def _staff_choices(villages):
    """Grid leaders and micro-grid workers in force in these villages."""
    today = timezone.localdate()
    roles = roles_in_force(on=today).filter(
        kind__in=[RoleKind.GRID_LEADER, RoleKind.MICROGRID_WORKER]
    )
    ids = [v.pk for v in villages]
    user_ids = (
        roles.filter(grid__village_id__in=ids)
        .values("user_id")
        .union(roles.filter(microgrid__grid__village_id__in=ids).values("user_id"))
    )
    return get_user_model().objects.filter(pk__in=user_ids).order_by("username")


@require_http_methods(["GET", "POST"])
@login_required
def activity_create(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_VOLUNTEERS)
    team = selectors.team_get_for_user(user=request.user, pk=pk)
    villages = log_villages(request.user, team)
    if not villages or not team.is_active:
        raise PermissionDenied
    village_qs = Village.objects.filter(pk__in=[v.pk for v in villages]).order_by("code")
    members = list(
        team.memberships.filter(left_on__isnull=True)
        .select_related("volunteer")
        .order_by("volunteer__name")
    )
    form = ActivityForm(
        request.POST or None,
        request.FILES or None,
        villages=village_qs,
        grids=grids_in(village_qs),
        staff=_staff_choices(villages),
        members=members,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            activity = services.activity_log(
                team=team,
                by=request.user,
                kind=data["kind"],
                date=data["date"],
                place=data["place"],
                village=data["village"],
                grid=data["grid"],
                description=data["description"],
                participants=form.participants(),
                staff=data["staff"],
                photos=data["photos"],
                counts=form.counts(),
                idempotency_key=data["idempotency_key"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request, _("The activity was logged; its hours wait for the team leader.")
            )
            return redirect("activity-detail", pk=activity.pk)
    return render(
        request, "volunteers/activity_form.html", {"form": form, "team": team, "members": members}
    )


@require_GET
@login_required
def activity_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_VOLUNTEERS)
    activity = selectors.activity_get_for_user(user=request.user, pk=pk)
    participations = list(activity.participations.all())
    context = {
        "activity": activity,
        "participations": participations,
        "total_hours": sum((p.hours for p in participations), start=0),
        "can_confirm": activity.status == Activity.Status.LOGGED
        and services.has_team_role(
            request.user, Capability.CONFIRM_HOURS, activity.team, village=activity.village
        ),
    }
    return render(request, "volunteers/activity_detail.html", context)


@require_POST
@login_required
def activity_confirm(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_VOLUNTEERS)
    activity = selectors.activity_get_for_user(user=request.user, pk=pk)
    try:
        activity = services.activity_confirm(activity=activity, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        proposed = activity.participations.filter(point_entry__isnull=False).count()
        messages.success(
            request,
            _("Hours confirmed. %(n)s household point entries were proposed for review.")
            % {"n": proposed},
        )
    return redirect("activity-detail", pk=activity.pk)


@require_GET
@login_required
@cache_control(private=True, max_age=3600)
def photo(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """A photo for those who may see what it belongs to (media are private)."""
    require_capability(request.user, Capability.VIEW_VOLUNTEERS)
    found = selectors.photo_get_for_user(user=request.user, pk=pk)
    field = found.thumbnail if request.GET.get("size") == "thumb" else found.image
    return serve_private_file(field, content_type="image/jpeg")
