"""Field pages for the register: search, household and resident pages, edits, reveals."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from grids.selectors import area_choices_for_user
from huaisi.access import may_see, require_capability, user_can_in, visible_to
from huaisi.audit import history_of
from huaisi.list_filters import first_rows, read_area
from huaisi.roles import Capability
from huaisi.views import HtmxHttpRequest

from .. import selectors, services
from ..forms import MergeForm, ResidentForm, SplitForm
from ..models import CareTag, Household, RevealLog

REVEAL_CAPABILITY = {
    RevealLog.Field.ID_NUMBER: Capability.REVEAL_ID_NUMBER,
    RevealLog.Field.PHONE: Capability.REVEAL_PHONE,
}


@require_GET
@login_required
@vary_on_headers("HX-Request")
def resident_list(request: HtmxHttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_RESIDENTS)
    query = request.GET.get("q", "")[:40]
    tag = request.GET.get("tag", "")
    notices: list[str] = []
    choices = area_choices_for_user(user=request.user, capability=Capability.VIEW_RESIDENTS)
    area = read_area(request.GET, choices, notices)
    found = selectors.resident_search_for_user(
        user=request.user,
        query=query,
        care_tag=tag,
        village_id=area.village_id,
        grid_id=area.grid_id,
    )
    first = first_rows(found, selectors.SEARCH_LIMIT)
    rows = [
        (r, ngettext("%(age)s year", "%(age)s years", r.age) % {"age": r.age}) for r in first.rows
    ]
    context = {
        "residents": first.rows,
        "rows": rows,
        "more": first.more,
        "limit": selectors.SEARCH_LIMIT,
        "result_count": first.count,
        "filter_notices": notices,
        "query": query,
        "tag": tag,
        "care_tags": CareTag.choices,
        "area_choices": choices,
        "area": area,
    }
    template = "households/resident_list.html"
    if request.htmx and request.htmx.target == "resident-results":
        template += "#results"
    return render(request, template, context)


@require_GET
@login_required
def resident_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    resident = selectors.resident_get_for_user(user=request.user, pk=pk)
    context = {
        "resident": resident,
        "household": resident.household,
        "history": history_of(resident),
        "reveals": selectors.reveals_of_resident(resident=resident),
        # The role that covers this resident decides, not any role the user holds elsewhere.
        "can_edit": user_can_in(request.user, Capability.EDIT_RESIDENTS, resident),
        "can_reveal_id": user_can_in(request.user, Capability.REVEAL_ID_NUMBER, resident),
        "can_reveal_phone": user_can_in(request.user, Capability.REVEAL_PHONE, resident),
    }
    return render(request, "households/resident_detail.html", context)


@require_POST
@login_required
def resident_reveal(request: HtmxHttpRequest, pk: int, field: str) -> HttpResponse:
    """Show one full number, after logging who saw whose. POST, so no prefetch or crawler
    can reveal anything, and the log has exactly one row per click."""
    if field not in REVEAL_CAPABILITY:
        raise Http404
    require_capability(request.user, REVEAL_CAPABILITY[field])
    resident = selectors.resident_get_for_user(user=request.user, pk=pk)
    if not user_can_in(request.user, REVEAL_CAPABILITY[field], resident):
        # Revealing in another area (a clerk of V2 who only assesses V1) is no right here.
        raise PermissionDenied
    services.reveal_record(user=request.user, resident=resident, field=field, path=request.path)
    value = getattr(resident, field) or "—"
    if request.htmx:
        return render(
            request, "households/resident_detail.html#revealed", {"value": value, "field": field}
        )
    messages.info(request, _("Full number: %(value)s (this view was logged)") % {"value": value})
    return redirect("resident-detail", pk=resident.pk)


def _resident_form_view(request, *, household: Household, instance=None):
    # The form is no back door to the full numbers: those the user may not reveal stay masked.
    masked = [
        field
        for field, capability in REVEAL_CAPABILITY.items()
        if instance is not None and not user_can_in(request.user, capability, instance)
    ]
    form = ResidentForm(request.POST or None, instance=instance, household=household, masked=masked)
    validating = request.POST.get("_validate")
    if request.method == "POST" and validating:
        # As-you-type check of one field: answer with that field's errors only, save nothing.
        form.is_valid()
        field = form[validating] if validating in form.fields else None
        return render(request, "households/resident_form.html#field_errors", {"field": field})
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in form.Meta.fields}
        try:
            if instance is None:
                resident = services.resident_create(household=household, **data)
                messages.success(request, _("%(name)s was added.") % {"name": resident.name})
            else:
                resident = services.resident_update(resident=instance, **data)
                messages.success(
                    request, _("Changes to %(name)s were saved.") % {"name": resident.name}
                )
        except ValidationError as exc:
            # Someone else changed the household meanwhile (a second head, the same ID).
            for key, errors in exc.message_dict.items():
                form.add_error(key if key in form.fields else None, errors)
        else:
            return redirect("resident-detail", pk=resident.pk)
    return render(
        request,
        "households/resident_form.html",
        {"form": form, "household": household, "resident": instance},
    )


@require_http_methods(["GET", "POST"])
@login_required
def resident_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    resident = selectors.resident_get_for_user(user=request.user, pk=pk)
    household = selectors.household_get_for_editor(user=request.user, pk=resident.household_id)
    return _resident_form_view(request, household=household, instance=resident)


@require_http_methods(["GET", "POST"])
@login_required
def resident_create(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get_for_editor(user=request.user, pk=pk)
    return _resident_form_view(request, household=household)


@require_GET
@login_required
def household_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get_for_user(user=request.user, pk=pk)
    members = list(household.residents.all())
    context = {
        "household": household,
        "present": [m for m in members if m.is_present],
        "gone": [m for m in members if not m.is_present],
        "history": history_of(household),
        "can_edit": may_see(request.user, household, capability=Capability.EDIT_RESIDENTS),
        # 走访: those who log inspections in the household's grid open the inspection form
        # with this household ticked (the patrols app reads ?household=).
        "can_visit": household.status == Household.Status.ACTIVE
        and may_see(request.user, household, capability=Capability.LOG_INSPECTIONS),
    }
    return render(request, "households/household_detail.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def household_split(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get_for_editor(user=request.user, pk=pk)
    form = SplitForm(request.POST or None, household=household)
    if request.method == "POST" and form.is_valid():
        try:
            new = services.household_split(
                household=household,
                members=form.cleaned_data["members"],
                number=form.cleaned_data["number"],
                head=form.cleaned_data["head"],
            )
        except ValidationError as exc:
            # Field errors (the number) go under their field, the others above the form.
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Household %(number)s was split off.") % {"number": new.number}
            )
            return redirect("household-detail", pk=new.pk)
    return render(
        request, "households/household_split.html", {"form": form, "household": household}
    )


@require_http_methods(["GET", "POST"])
@login_required
def household_merge(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get_for_editor(user=request.user, pk=pk)
    form = MergeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["target_number"].strip()
        target = visible_to(
            request.user,
            Household.objects.filter(number=number),
            capability=Capability.EDIT_RESIDENTS,
        ).first()
        if target is None:
            form.add_error(
                "target_number",
                _("No household %(number)s within your areas.") % {"number": number},
            )
        else:
            try:
                services.household_merge(source=household, target=target)
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(
                    request,
                    _("Household %(a)s was merged into %(b)s.")
                    % {"a": household.number, "b": target.number},
                )
                return redirect("household-detail", pk=target.pk)
    return render(
        request, "households/household_merge.html", {"form": form, "household": household}
    )


@require_GET
@login_required
def house_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    house = selectors.house_get_for_user(user=request.user, pk=pk)
    households = visible_to(
        request.user,
        house.households.select_related("microgrid"),
        capability=Capability.VIEW_RESIDENTS,
    ).order_by("number")
    context = {
        "house": house,
        "households": households,
        "history": history_of(house),
        "can_edit": may_see(request.user, house, capability=Capability.EDIT_RESIDENTS),
    }
    return render(request, "households/house_detail.html", context)
