import csv
import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from huaisi.access import assignable_kinds, require_capability, user_can, user_can_in
from huaisi.redirects import safe_next
from huaisi.roles import EXCLUSIVE_KINDS, SCOPE_LEVEL, Capability, Level, RoleKind
from huaisi.views import HtmxHttpRequest

from . import selectors, services
from .forms import (
    AreaCreateForm,
    AreaForm,
    DepartmentForm,
    Position,
    RoleAssignForm,
    RoleEndForm,
    StaffForm,
    parse_roster_date,
)
from .services import AccountSlip


@require_GET
@login_required
def village_list(request: HtmxHttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_AREAS)
    villages = selectors.village_list_for_user(user=request.user)
    return render(request, "grids/village_list.html", {"villages": villages})


@require_GET
@login_required
def village_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    village = selectors.village_get_for_user(user=request.user, pk=pk)
    grids = selectors.grid_list_for_user(user=request.user, village_id=village.pk)
    context = {
        "village": village,
        "grids": grids,
        "can_manage": user_can_in(request.user, Capability.MANAGE_AREAS, village),
        "can_assign": bool(_roster_kinds(request.user, village)),
    }
    return render(request, "grids/village_detail.html", context)


@require_GET
@login_required
@vary_on_headers("HX-Request")
def grid_list(request: HtmxHttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_AREAS)
    query = request.GET.get("q", "")[:50]
    grids = selectors.grid_list_for_user(user=request.user, query=query)
    context = {
        "grids": grids,
        "query": query,
        "can_export": user_can(request.user, Capability.EXPORT_AREAS),
    }
    template = "grids/grid_list.html"
    if request.htmx and request.htmx.target == "grid-results":
        template += "#results"
    return render(request, template, context)


@require_GET
@login_required
def grid_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    grid = selectors.grid_get_for_user(user=request.user, pk=pk)
    microgrids = selectors.microgrids_of_grid(user=request.user, grid=grid)
    context = {
        "grid": grid,
        "microgrids": microgrids,
        "can_manage": user_can_in(request.user, Capability.MANAGE_AREAS, grid),
    }
    return render(request, "grids/grid_detail.html", context)


@require_GET
@login_required
def grid_export(request: HtmxHttpRequest) -> HttpResponse:
    """The grids the user may export, as CSV with a BOM so Chinese Excel opens it right."""
    require_capability(request.user, Capability.EXPORT_AREAS)
    query = request.GET.get("q", "")[:50]
    grids = selectors.grid_list_for_user(
        user=request.user, query=query, capability=Capability.EXPORT_AREAS
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="grids-{stamp}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(
        [_("Village or community"), _("Grid code"), _("Grid"), _("Grid leader"), _("Micro-grids")]
    )
    for grid in grids:
        writer.writerow(
            [grid.village.name, grid.code, grid.name, grid.leader_name or "", grid.microgrid_count]
        )
    return response


# --- Forms: shared handling -------------------------------------------------------------


def _add_errors(form: Form, error: ValidationError) -> None:
    """A service's refusal shown on the form: on its field when it names one."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _live_check(request: HtmxHttpRequest, form: Form) -> HttpResponse | None:
    """Answer an as-you-type check: the errors of the one field that asked, nothing saved."""
    name = request.htmx.trigger_name if request.htmx else None
    if request.method != "POST" or name not in getattr(form, "live_fields", {}):
        return None
    if name not in form.fields:
        return None
    form.is_valid()
    context = {"field": form[name], "ok": form.live_ok(name) if not form[name].errors else ""}
    return render(request, "grids/_field.html#errors", context)


# --- Areas ------------------------------------------------------------------------------


def _area_form_page(
    request: HtmxHttpRequest, form: Form, *, title: str, area, parent, cancel_url: str
) -> HttpResponse:
    context = {
        "form": form,
        "title": title,
        "area": area,
        "parent": parent,
        "cancel_url": cancel_url,
    }
    return render(request, "grids/area_form.html", context)


def _area_edit(request, area, *, update, detail_url: str, parent) -> HttpResponse:
    """The edit page of a village, grid or micro-grid: live checks, save through `update`, or the form
    again with the service's reasons."""
    data = (request.POST, request.FILES) if request.method == "POST" else ()
    form = AreaForm(*data, instance=area)
    form.enable_live_validation(request.path)
    if live := _live_check(request, form):
        return live
    if request.method == "POST" and form.is_valid():
        try:
            update(area, **form.area_values())
        except ValidationError as error:
            area.refresh_from_db()
            _add_errors(form, error)
        else:
            messages.success(request, _("%(name)s saved.") % {"name": area.name})
            return redirect(detail_url)
    return _area_form_page(
        request,
        form,
        title=_("Edit %(name)s") % {"name": area.name},
        area=area,
        parent=parent,
        cancel_url=detail_url,
    )


@require_http_methods(["GET", "POST"])
@login_required
@vary_on_headers("HX-Request")
def village_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    village = selectors.village_get_for_manager(
        user=request.user, pk=pk, capability=Capability.MANAGE_AREAS
    )
    return _area_edit(
        request,
        village,
        update=lambda area, **values: services.village_update(village=area, **values),
        detail_url=reverse("village-detail", args=[village.pk]),
        parent=None,
    )


@require_http_methods(["GET", "POST"])
@login_required
@vary_on_headers("HX-Request")
def grid_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    grid = selectors.grid_get_for_manager(
        user=request.user, pk=pk, capability=Capability.MANAGE_AREAS
    )
    return _area_edit(
        request,
        grid,
        update=lambda area, **values: services.grid_update(grid=area, **values),
        detail_url=reverse("grid-detail", args=[grid.pk]),
        parent=grid.village,
    )


@require_http_methods(["GET", "POST"])
@login_required
@vary_on_headers("HX-Request")
def microgrid_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    micro = selectors.microgrid_get_for_manager(
        user=request.user, pk=pk, capability=Capability.MANAGE_AREAS
    )
    return _area_edit(
        request,
        micro,
        update=lambda area, **values: services.microgrid_update(microgrid=area, **values),
        detail_url=reverse("grid-detail", args=[micro.grid_id]),
        parent=micro.grid,
    )


def _area_create(
    request, parent, *, create, title: str, added: str, success_url, cancel_url: str
) -> HttpResponse:
    """The page adding a grid to a village or a micro-grid to a grid."""
    data = (request.POST, request.FILES) if request.method == "POST" else ()
    form = AreaCreateForm(*data)
    form.enable_live_validation(request.path)
    if live := _live_check(request, form):
        return live
    if request.method == "POST" and form.is_valid():
        try:
            area = create(parent, code=form.cleaned_data["code"], **form.area_values())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, added % {"name": area.name})
            return redirect(success_url(area))
    return _area_form_page(
        request, form, title=title, area=None, parent=parent, cancel_url=cancel_url
    )


@require_http_methods(["GET", "POST"])
@login_required
@vary_on_headers("HX-Request")
def grid_create(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    village = selectors.village_get_for_manager(
        user=request.user, pk=pk, capability=Capability.MANAGE_AREAS
    )
    return _area_create(
        request,
        village,
        create=lambda parent, **values: services.grid_create(village=parent, **values),
        title=_("New grid in %(name)s") % {"name": village.name},
        added=_("Grid %(name)s added."),
        success_url=lambda grid: reverse("grid-detail", args=[grid.pk]),
        cancel_url=reverse("village-detail", args=[village.pk]),
    )


@require_http_methods(["GET", "POST"])
@login_required
@vary_on_headers("HX-Request")
def microgrid_create(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    grid = selectors.grid_get_for_manager(
        user=request.user, pk=pk, capability=Capability.MANAGE_AREAS
    )
    return _area_create(
        request,
        grid,
        create=lambda parent, **values: services.microgrid_create(grid=parent, **values),
        title=_("New micro-grid in %(name)s") % {"name": grid.name},
        added=_("Micro-grid %(name)s added."),
        success_url=lambda micro: reverse("grid-detail", args=[grid.pk]),
        cancel_url=reverse("grid-detail", args=[grid.pk]),
    )


# --- Departments ------------------------------------------------------------------------


@require_GET
@login_required
def department_list(request: HtmxHttpRequest) -> HttpResponse:
    """The town administrator maintains the departments here; the command centre reads the
    same list (who handles each department's orders, their work phones) to route orders."""
    can_manage = user_can(request.user, Capability.MANAGE_AREAS)
    capability = Capability.MANAGE_AREAS if can_manage else Capability.DISPATCH_TICKETS
    require_capability(request.user, capability)
    departments = selectors.department_list_for_user(user=request.user, capability=capability)
    context = {"departments": departments, "can_manage": can_manage}
    return render(request, "grids/department_list.html", context)


@require_http_methods(["GET", "POST"])
@login_required
@vary_on_headers("HX-Request")
def department_create(request: HtmxHttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.MANAGE_AREAS)
    towns = selectors.towns_for_user(user=request.user, capability=Capability.MANAGE_AREAS)
    if not towns.exists():
        raise PermissionDenied
    data = (request.POST,) if request.method == "POST" else ()
    form = DepartmentForm(*data, towns=towns)
    form.enable_live_validation(request.path)
    if live := _live_check(request, form):
        return live
    if request.method == "POST" and form.is_valid():
        try:
            department = services.department_create(
                town=form.cleaned_data["town"],
                code=form.cleaned_data["code"],
                name=form.cleaned_data["name"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Department %(name)s added.") % {"name": department.name})
            return redirect("department-edit", department.pk)
    context = {"form": form, "department": None}
    return render(request, "grids/department_form.html", context)


@require_http_methods(["GET", "POST"])
@login_required
@vary_on_headers("HX-Request")
def department_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    department = selectors.department_get_for_user(
        user=request.user, pk=pk, capability=Capability.MANAGE_AREAS
    )
    if request.method == "POST":
        form = DepartmentForm(request.POST, editing=True)
    else:
        form = DepartmentForm(
            editing=True, initial={"name": department.name, "is_active": department.is_active}
        )
    form.enable_live_validation(request.path)
    if live := _live_check(request, form):
        return live
    if request.method == "POST" and form.is_valid():
        try:
            services.department_update(
                department=department,
                name=form.cleaned_data["name"],
                is_active=form.cleaned_data["is_active"],
            )
        except ValidationError as error:
            department.refresh_from_db()
            _add_errors(form, error)
        else:
            messages.success(request, _("%(name)s saved.") % {"name": department.name})
            return redirect("department-list")
    context = {
        "form": form,
        "department": department,
        "can_assign": RoleKind.DEPARTMENT_HANDLER in assignable_kinds(request.user, department),
    }
    return render(request, "grids/department_form.html", context)


# --- Rosters ----------------------------------------------------------------------------

# The seats a village's roster page hands out; departments have their own page.
VILLAGE_PAGE_KINDS = frozenset(
    {
        RoleKind.VILLAGE_CLERK,
        RoleKind.ASSESSOR,
        RoleKind.VOLUNTEER_LEADER,
        RoleKind.GRID_LEADER,
        RoleKind.MICROGRID_WORKER,
    }
)


def _roster_kinds(user, village) -> frozenset[str]:
    return assignable_kinds(user, village) & VILLAGE_PAGE_KINDS


@require_GET
@login_required
@vary_on_headers("HX-Request")
def village_roster(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    village = selectors.village_get_for_user(user=request.user, pk=pk)
    on, date_error = parse_roster_date(request.GET.get("on"))
    roster = selectors.village_roster(user=request.user, village=village, on=on)
    context = {
        "village": village,
        "roster": roster,
        "on": on,
        "today": timezone.localdate(),
        "date_error": date_error,
        "assignable": _roster_kinds(request.user, village),
        "can_edit_staff": user_can_in(request.user, Capability.MANAGE_AREAS, village),
        "printed_at": timezone.localtime(),
    }
    template = "grids/village_roster.html"
    if request.htmx and request.htmx.target == "roster":
        template += "#roster"
    return render(request, template, context)


def _positions(seats) -> list[Position]:
    return [Position(s.kind, s.scope, "、".join(h.name for h in s.holders)) for s in seats]


def _assign(
    request: HtmxHttpRequest, *, positions: list[Position], back_url, heading: str, scope_obj
) -> HttpResponse:
    """The assignment form for a village's or a department's seats, and its submission.
    `back_url(starts_on)` is where to go once done, and `back_url(None)` for "cancel"."""
    is_town_admin = user_can_in(request.user, Capability.MANAGE_AREAS, scope_obj)
    only_one = positions[0].key if len(positions) == 1 else ""
    initial = {"position": request.GET.get("position", only_one)}
    data = (request.POST,) if request.method == "POST" else ()
    form = RoleAssignForm(
        *data,
        initial=initial,
        positions=positions,
        actor=request.user,
        may_create_accounts=is_town_admin,
        may_assign_self=is_town_admin,
    )
    form.enable_live_validation(request.path)
    if live := _live_check(request, form):
        return live
    if request.method == "POST" and form.is_valid():
        position, starts_on = form.cleaned_data["position"], form.cleaned_data["starts_on"]
        new_staff = None
        if form.cleaned_data["creates_account"]:
            new_staff = services.NewStaff(
                username=form.cleaned_data["new_username"],
                full_name=form.cleaned_data["full_name"],
                phone=form.cleaned_data["phone"],
                password=form.cleaned_data["password"],
                title=form.cleaned_data["title"],
            )
        try:
            role = services.roster_assign(
                kind=position.kind,
                scope=position.scope,
                starts_on=starts_on,
                user=form.existing_user if new_staff is None else None,
                new_staff=new_staff,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            _report_assignment(request, role=role, position=position, starts_on=starts_on)
            return redirect(back_url(role.starts_on))
    context = {"form": form, "heading": heading, "back_url": back_url(None)}
    return render(request, "grids/role_form.html", context)


def _report_assignment(request, *, role, position: Position, starts_on: datetime.date) -> None:
    names = {
        "name": role.user.first_name or role.user.username,
        "role": role.get_kind_display(),
        "area": position.scope,
        "date": role.starts_on.isoformat(),
    }
    if role.starts_on != starts_on:
        messages.info(
            request, _("%(name)s already is %(role)s of %(area)s, since %(date)s.") % names
        )
        return
    messages.success(request, _("%(name)s is %(role)s of %(area)s from %(date)s.") % names)
    if position.kind in EXCLUSIVE_KINDS:
        previous = selectors.role_ended_before(role=role)
        if previous is not None:
            messages.info(
                request,
                _("%(name)s's role there ended on %(date)s.")
                % {
                    "name": previous.user.first_name or previous.user.username,
                    "date": previous.ends_on.isoformat(),
                },
            )


@require_http_methods(["GET", "POST"])
@login_required
@vary_on_headers("HX-Request")
def roster_assign(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    village = selectors.village_get_for_user(user=request.user, pk=pk)
    kinds = _roster_kinds(request.user, village)
    if not kinds:
        raise PermissionDenied
    roster = selectors.village_roster(user=request.user, village=village, on=timezone.localdate())
    seats = selectors.roster_seats(roster=roster, kinds=kinds)
    roster_url = reverse("village-roster", args=[village.pk])

    def back_url(day: datetime.date | None) -> str:
        # After an assignment, the roster of the day it takes effect shows it.
        if day is None or day == timezone.localdate():
            return roster_url
        return f"{roster_url}?on={day.isoformat()}"

    return _assign(
        request,
        positions=_positions(seats),
        back_url=back_url,
        heading=_("Assign a role in %(name)s") % {"name": village.name},
        scope_obj=village,
    )


@require_http_methods(["GET", "POST"])
@login_required
@vary_on_headers("HX-Request")
def department_assign(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    department = selectors.department_get_for_user(
        user=request.user, pk=pk, capability=Capability.MANAGE_ROSTERS
    )
    if RoleKind.DEPARTMENT_HANDLER not in assignable_kinds(request.user, department):
        raise PermissionDenied
    holders = "、".join(r.user.first_name or r.user.username for r in department.handlers)
    return _assign(
        request,
        positions=[Position(RoleKind.DEPARTMENT_HANDLER, department, holders)],
        back_url=lambda day: reverse("department-edit", args=[department.pk]),
        heading=_("Add a handler to %(name)s") % {"name": department.name},
        scope_obj=department,
    )


def _roster_url_of(role) -> str:
    if SCOPE_LEVEL[role.kind] == Level.DEPARTMENT:
        return reverse("department-edit", args=[role.department_id])
    scope = role.scope
    village_id = {
        Level.VILLAGE: lambda: scope.pk,
        Level.GRID: lambda: scope.village_id,
        Level.MICROGRID: lambda: scope.grid.village_id,
    }[SCOPE_LEVEL[role.kind]]()
    return reverse("village-roster", args=[village_id])


@require_http_methods(["GET", "POST"])
@login_required
def role_end(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    role = selectors.role_get_for_user(user=request.user, pk=pk)
    scope = role.scope
    if role.kind not in assignable_kinds(request.user, scope):
        raise PermissionDenied
    if role.user_id == request.user.pk and not user_can_in(
        request.user, Capability.MANAGE_AREAS, scope
    ):
        raise PermissionDenied
    back_url = _roster_url_of(role)
    form = RoleEndForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.roster_end(role=role, ends_on=form.cleaned_data["ends_on"])
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request,
                _("%(name)s's role as %(role)s of %(area)s ends on %(date)s.")
                % {
                    "name": role.user.first_name or role.user.username,
                    "role": role.get_kind_display(),
                    "area": scope,
                    "date": role.ends_on.isoformat(),
                },
            )
            return redirect(back_url)
    context = {"form": form, "role": role, "scope": scope, "back_url": back_url}
    return render(request, "grids/role_end_form.html", context)


# --- Staff ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
@vary_on_headers("HX-Request")
def staff_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    require_capability(request.user, Capability.MANAGE_AREAS)
    staff = selectors.staff_get_for_user(user=request.user, pk=pk)
    profile = getattr(staff, "staff_profile", None)
    if request.method == "POST":
        form = StaffForm(request.POST)
    else:
        form = StaffForm(
            initial={
                "full_name": staff.first_name,
                "phone": profile.phone if profile else "",
                "title": profile.title if profile else "",
            }
        )
    form.enable_live_validation(request.path)
    if live := _live_check(request, form):
        return live
    back_url = safe_next(request) or reverse("home")
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_update(user=staff, **form.cleaned_data)
        except ValidationError as error:
            staff.refresh_from_db()
            _add_errors(form, error)
        else:
            messages.success(request, _("%(name)s saved.") % {"name": staff.first_name})
            return redirect(back_url)
    context = {"form": form, "staff": staff, "back_url": back_url}
    return render(request, "grids/staff_form.html", context)


@require_POST
@login_required
@never_cache
def staff_password_reset(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Hand a member of staff a new one-time password on a printable slip; they must choose
    their own at the next log-in. The password is on this one answer only (never cached,
    stored hashed), so reloading the page cannot show it again."""
    require_capability(request.user, Capability.MANAGE_AREAS)
    staff = selectors.staff_get_for_user(user=request.user, pk=pk)
    if staff.is_superuser or staff.is_staff:
        # A site administrator's password is theirs to change: resetting it would let a town
        # administrator sign in with more rights than their own.
        raise PermissionDenied
    try:
        password = services.staff_password_reset(user=staff)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect(reverse("staff-edit", args=[staff.pk]))
    slip = AccountSlip(
        name=staff.first_name or staff.username, username=staff.username, password=password
    )
    return account_slips_page(request, [slip], back_url=safe_next(request) or reverse("home"))


def account_slips_page(request, slips: list["AccountSlip"], *, back_url: str) -> HttpResponse:
    context = {
        "slips": slips,
        "login_url": request.build_absolute_uri(reverse("login")),
        "back_url": back_url,
    }
    return render(request, "grids/account_slips.html", context)
