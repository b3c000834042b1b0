"""Adding and correcting houses and households from the field."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from grids.models import MicroGrid
from huaisi.access import visible_to
from huaisi.roles import Capability
from huaisi.views import HtmxHttpRequest

from .. import selectors, services
from ..forms import HouseForm, HouseholdForm
from ..models import House


def _apply_errors(form, exc: ValidationError) -> None:
    for key, errors in exc.message_dict.items():
        form.add_error(key if key in form.fields else None, errors)


@require_http_methods(["GET", "POST"])
@login_required
def house_create(request: HtmxHttpRequest) -> HttpResponse:
    microgrids = visible_to(
        request.user,
        MicroGrid.objects.select_related("grid__village"),
        capability=Capability.EDIT_RESIDENTS,
    ).order_by("code")
    if not microgrids.exists():
        raise PermissionDenied
    form = HouseForm(
        request.POST or None,
        microgrids=microgrids,
        initial={"microgrid": request.GET.get("microgrid")},
    )
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in HouseForm.Meta.fields}
        try:
            house = services.house_create(microgrid=form.cleaned_data["microgrid"], **data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request, _("The house %(address)s was added.") % {"address": house.address}
            )
            return redirect("house-detail", pk=house.pk)
    return render(request, "households/house_form.html", {"form": form, "house": None})


@require_http_methods(["GET", "POST"])
@login_required
def house_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    house = selectors.house_get_for_editor(user=request.user, pk=pk)
    form = HouseForm(request.POST or None, instance=house)
    if request.method == "POST" and form.is_valid():
        try:
            services.house_update(
                house=house, **{k: form.cleaned_data[k] for k in HouseForm.Meta.fields}
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Changes to the house were saved."))
            return redirect("house-detail", pk=house.pk)
    return render(request, "households/house_form.html", {"form": form, "house": house})


@require_http_methods(["GET", "POST"])
@login_required
def household_create(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """A new household living in house `pk` (a family moving in, or one registering anew)."""
    house = selectors.house_get_for_editor(user=request.user, pk=pk)
    form = HouseholdForm(
        request.POST or None,
        houses=House.objects.filter(pk=house.pk),
        with_number=True,
        initial={"house": house},
    )
    if request.method == "POST" and form.is_valid():
        try:
            household = services.household_create(
                number=form.cleaned_data["number"],
                microgrid=house.microgrid,
                house=house,
                pact_signed_on=form.cleaned_data["pact_signed_on"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request, _("Household %(number)s was registered.") % {"number": household.number}
            )
            return redirect("household-detail", pk=household.pk)
    return render(
        request, "households/household_form.html", {"form": form, "household": None, "house": house}
    )


@require_http_methods(["GET", "POST"])
@login_required
def household_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get_for_editor(user=request.user, pk=pk)
    houses = House.objects.filter(microgrid=household.microgrid).order_by("address")
    form = HouseholdForm(
        request.POST or None,
        houses=houses,
        with_number=False,
        initial={"pact_signed_on": household.pact_signed_on, "house": household.house_id},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.household_update(
                household=household,
                pact_signed_on=form.cleaned_data["pact_signed_on"],
                house=form.cleaned_data["house"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("Changes to household %(number)s were saved.") % {"number": household.number},
            )
            return redirect("household-detail", pk=household.pk)
    return render(
        request,
        "households/household_form.html",
        {
            "form": form,
            "household": household,
            "house": household.house,
        },
    )
