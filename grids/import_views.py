"""Pages that load a town from files: staff from a sheet, areas and boundaries from files.

Each is a check first (nothing written, every refused row with its reason), then an import of
exactly what was checked, checked once more inside its one transaction. The checked rows wait
in the session between the two steps, under a token the import button carries: a second click
or an old tab finds the token spent and writes nothing.
"""

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from huaisi.access import require_capability
from huaisi.roles import Capability
from huaisi.views import HtmxHttpRequest

from . import geometry, selectors
from .area_import import REQUIRED_COLUMNS as AREA_REQUIRED_COLUMNS
from .area_import import AreasRefused, areas_files_check, areas_files_import
from .boundary_files import BoundaryFeature, read_boundaries
from .sheets import SheetRow, read_sheet
from .staff_import import REQUIRED_COLUMNS, SheetRefused, staff_sheet_check, staff_sheet_import
from .views import account_slips_page

STAFF_SESSION_KEY = "grids-staff-sheet"


class SheetForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Sheet (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


def town_to_load(user):
    """The one town the user maintains; 403 for anyone who maintains none."""
    require_capability(user, Capability.MANAGE_AREAS)
    town = selectors.towns_for_user(user=user, capability=Capability.MANAGE_AREAS).first()
    if town is None:
        raise PermissionDenied
    return town


def _spend(token: str) -> bool:
    """True for the first request carrying `token` (Redis-wide, so two web processes agree)."""
    return cache.add(f"grids-sheet-token:{token}", 1, timeout=3600)


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def staff_import(request: HtmxHttpRequest) -> HttpResponse:
    town = town_to_load(request.user)
    form = SheetForm(request.POST or None, request.FILES or None)
    context = {"form": form, "town": town}
    if request.method == "POST" and "token" in request.POST:
        stored = request.session.get(STAFF_SESSION_KEY) or {}
        token = request.POST["token"]
        if stored.get("token") != token or stored.get("town") != town.pk or not _spend(token):
            messages.error(
                request,
                _(
                    "This check was already imported or is out of date: nothing was written. "
                    "Upload the sheet again to check it."
                ),
            )
            return redirect("staff-import")
        rows = [SheetRow(number=n, cells=cells) for n, cells in stored["rows"]]
        try:
            slips = staff_sheet_import(user=request.user, town=town, rows=rows)
        except SheetRefused as refused:
            context.update(plan=refused.plan, refused=True)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            request.session.pop(STAFF_SESSION_KEY, None)
            messages.success(
                request,
                _("%(count)s accounts made; the roles of every row are on the rosters.")
                % {"count": len(slips)},
            )
            return account_slips_page(request, slips, back_url=reverse("staff-import"))
        form = SheetForm()
        context["form"] = form
    elif request.method == "POST" and form.is_valid():
        try:
            rows = read_sheet(form.cleaned_data["file"].read(), required=REQUIRED_COLUMNS)
        except ValidationError as error:
            form.add_error("file", error)
        else:
            plan = staff_sheet_check(user=request.user, town=town, rows=rows)
            context["plan"] = plan
            if not plan.errors:
                token = uuid.uuid4().hex
                request.session[STAFF_SESSION_KEY] = {
                    "token": token,
                    "town": town.pk,
                    "rows": [[row.number, row.cells] for row in rows],
                }
                context["token"] = token
    return render(request, "grids/staff_import.html", context)


# --- Areas and boundaries from files ---------------------------------------------------


class AreaFilesForm(forms.Form):
    sheet = forms.FileField(
        label=gettext_lazy("Areas sheet (.xlsx or .csv)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    boundaries = forms.FileField(
        label=gettext_lazy("Boundaries (.geojson or .kml)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".geojson,.json,.kml"}),
    )

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("sheet") and not cleaned.get("boundaries"):
            raise ValidationError(_("Choose an areas sheet, a boundary file, or both."))
        return cleaned


def _area_cache_key(token: str) -> str:
    return f"grids-area-files:{token}"


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def area_import(request: HtmxHttpRequest) -> HttpResponse:
    town = town_to_load(request.user)
    form = AreaFilesForm(request.POST or None, request.FILES or None)
    context = {"form": form, "town": town, "tolerance": geometry.CONTAINMENT_TOLERANCE_M}
    if request.method == "POST" and "token" in request.POST:
        token = request.POST["token"]
        # The checked files wait in Redis (boundaries may be megabytes: too big for a session).
        stored = cache.get(_area_cache_key(token))
        if (
            not stored
            or stored["town"] != town.pk
            or stored["user"] != request.user.pk
            or not _spend(token)
        ):
            messages.error(
                request,
                _(
                    "This check was already imported or is out of date: nothing was written. "
                    "Upload the files again to check them."
                ),
            )
            return redirect("area-import")
        rows = [SheetRow(number=n, cells=cells) for n, cells in stored["rows"]]
        features = [BoundaryFeature(**feature) for feature in stored["features"]]
        try:
            plan = areas_files_import(town=town, rows=rows, features=features)
        except AreasRefused as refused:
            context.update(plan=refused.plan)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            cache.delete(_area_cache_key(token))
            messages.success(
                request,
                _(
                    "Imported: %(villages)s villages, %(grids)s grids, %(microgrids)s "
                    "micro-grids added; %(boundaries)s boundaries set."
                )
                % {
                    "villages": len(plan.new["village"]),
                    "grids": len(plan.new["grid"]),
                    "microgrids": len(plan.new["microgrid"]),
                    "boundaries": len(plan.boundaries),
                },
            )
            return redirect("village-list")
        context["form"] = AreaFilesForm()
    elif request.method == "POST" and form.is_valid():
        rows, features = [], []
        try:
            if form.cleaned_data["sheet"]:
                rows = read_sheet(form.cleaned_data["sheet"].read(), required=AREA_REQUIRED_COLUMNS)
        except ValidationError as error:
            form.add_error("sheet", error)
        try:
            if form.cleaned_data["boundaries"]:
                features = read_boundaries(form.cleaned_data["boundaries"].read())
        except ValidationError as error:
            form.add_error("boundaries", error)
        if not form.errors:
            plan = areas_files_check(town=town, rows=rows, features=features)
            context["plan"] = plan
            if not plan.errors:
                token = uuid.uuid4().hex
                cache.set(
                    _area_cache_key(token),
                    {
                        "town": town.pk,
                        "user": request.user.pk,
                        "rows": [[row.number, row.cells] for row in rows],
                        "features": [feature.__dict__ for feature in features],
                    },
                    timeout=3600,
                )
                context["token"] = token
    return render(request, "grids/area_import.html", context)
