import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from huaisi.access import require_capability
from huaisi.roles import Capability
from huaisi.views import HtmxHttpRequest

from . import selectors, services
from .forms import ImportForm, SpecialDayForm, YearChoiceForm, YearEnterForm
from .models import DayKind, SpecialDay


def _year_url(year: int) -> str:
    return f"{reverse('calendar-year')}?year={year}"


def _require_manage(user) -> None:
    """403 unless the user may change the calendar (see `selectors.calendar_may_change`)."""
    if not selectors.calendar_may_change(user=user):
        raise PermissionDenied


def _add_errors(form: Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _requested_year(request) -> int:
    """?year=…, else the first year missing (so the banner's link and the page agree), else
    this year. A malformed year is dropped for the default."""
    form = YearChoiceForm(request.GET)
    if form.is_valid():
        return form.cleaned_data["year"]
    missing = selectors.missing_years()
    return missing[0] if missing else timezone.localdate().year


@require_GET
@login_required
@vary_on_headers("HX-Request")
def calendar_year(request: HtmxHttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_CALENDAR)
    year = _requested_year(request)
    days = list(selectors.special_days_of_year(year=year))
    today = timezone.localdate()
    context = {
        "year": year,
        "days": days,
        "holidays": sum(1 for d in days if d.kind == DayKind.HOLIDAY),
        "workdays": sum(1 for d in days if d.kind == DayKind.WORKDAY),
        "entry": selectors.calendar_year_get(year=year),
        "years": sorted(set(selectors.calendar_years_known()) | {today.year, today.year + 1}),
        "previous_year": year - 1,
        "next_year": year + 1,
        "can_manage": selectors.calendar_may_change(user=request.user),
        "enter_form": YearEnterForm(),
    }
    template = "workcalendar/calendar_year.html"
    if request.htmx:
        template += "#year"
    return render(request, template, context)


def _day_form_page(request, form: SpecialDayForm, special_day: SpecialDay | None) -> HttpResponse:
    return render(
        request, "workcalendar/specialday_form.html", {"form": form, "special_day": special_day}
    )


@require_http_methods(["GET", "POST"])
@login_required
def special_day_create(request: HtmxHttpRequest) -> HttpResponse:
    _require_manage(request.user)
    if request.method == "POST":
        form = SpecialDayForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                special = services.special_day_create(
                    day=data["date"], kind=data["kind"], name=data["name"], notice=data["notice"]
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("%(day)s added.") % {"day": special})
                return redirect(_year_url(special.date.year))
    else:
        initial = {"kind": DayKind.HOLIDAY}
        year = YearChoiceForm(request.GET)
        if year.is_valid():
            initial["date"] = datetime.date(year.cleaned_data["year"], 1, 1)
        form = SpecialDayForm(initial=initial)
    return _day_form_page(request, form, None)


def _special_day_or_404(pk: int) -> SpecialDay:
    special = SpecialDay.objects.filter(pk=pk).first()
    if special is None:
        raise Http404
    return special


@require_http_methods(["GET", "POST"])
@login_required
def special_day_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    _require_manage(request.user)
    special = _special_day_or_404(pk)
    if request.method == "POST":
        form = SpecialDayForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                special = services.special_day_update(
                    special_day=special,
                    day=data["date"],
                    kind=data["kind"],
                    name=data["name"],
                    notice=data["notice"],
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("%(day)s saved.") % {"day": special})
                return redirect(_year_url(special.date.year))
    else:
        form = SpecialDayForm(
            initial={
                "date": special.date,
                "kind": special.kind,
                "name": special.name,
                "notice": special.notice,
            }
        )
    return _day_form_page(request, form, special)


@require_http_methods(["GET", "POST"])
@login_required
def special_day_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """GET asks to confirm; POST deletes and goes back to the year."""
    _require_manage(request.user)
    special = _special_day_or_404(pk)
    if request.method == "POST":
        services.special_day_delete(special_day=special)
        messages.success(request, _("%(day)s deleted.") % {"day": special})
        return redirect(_year_url(special.date.year))
    return render(request, "workcalendar/specialday_confirm_delete.html", {"special_day": special})


@require_POST
@login_required
def calendar_year_enter(request: HtmxHttpRequest, year: int) -> HttpResponse:
    _require_manage(request.user)
    form = YearEnterForm(request.POST)
    notice = form.cleaned_data["notice"] if form.is_valid() else ""
    try:
        services.calendar_year_mark_entered(year=year, actor=request.user, notice=notice)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("The calendar of %(year)s is marked as entered.") % {"year": year}
        )
    return redirect(_year_url(year))


@require_http_methods(["GET", "POST"])
@login_required
def calendar_import(request: HtmxHttpRequest) -> HttpResponse:
    _require_manage(request.user)
    row_errors: list[str] = []
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = services.calendar_import(
                    raw=form.cleaned_data["file"].read(),
                    actor=request.user,
                    mark_years_entered=form.cleaned_data["mark_years_entered"],
                )
            except ValidationError as error:
                row_errors = error.messages
            else:
                messages.success(
                    request,
                    _("Imported: %(created)s days added, %(updated)s changed.")
                    % {"created": result.created, "updated": result.updated},
                )
                if result.years_marked:
                    return redirect(_year_url(result.years_marked[0]))
                return redirect("calendar-year")
    else:
        form = ImportForm()
    return render(
        request, "workcalendar/calendar_import.html", {"form": form, "row_errors": row_errors}
    )
