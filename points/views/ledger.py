"""The ledger (评分台账): recording entries, the village lists, review and corrections."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from grids.selectors import area_choices_for_user
from households.models import Household
from huaisi.access import require_capability, visible_to
from huaisi.list_filters import ResultCount, read_area, read_month
from huaisi.periods import next_month
from huaisi.redirects import safe_next
from huaisi.roles import Capability
from huaisi.uploads import serve_private_file
from huaisi.views import HtmxHttpRequest

from .. import selectors, services
from ..forms import EntryForm, RejectForm, ReverseForm, apply_errors
from ..models import Entry
from ..services._common import has_village_role
from ._common import new_key, page_of, town_for_user


def _entry_actions(user, entry: Entry) -> dict:
    """Which of the entry's actions the user would be allowed (as the services decide)."""
    village = entry.household.microgrid.grid.village
    pending = entry.status == Entry.Status.PENDING
    return {
        "can_review": pending
        and entry.recorded_by_id != user.pk
        and has_village_role(user, Capability.REVIEW_POINTS, village),
        "can_reverse": entry.status == Entry.Status.APPROVED
        and entry.source != Entry.Source.REVERSAL
        and has_village_role(user, Capability.RECORD_POINTS, village),
    }


@require_GET
@login_required
@vary_on_headers("HX-Request")
def entry_list(request: HtmxHttpRequest) -> HttpResponse:
    """The entries of the villages the user sees, newest first, by status, month of the deed,
    village or grid and household number."""
    require_capability(request.user, Capability.VIEW_POINTS)
    entries = selectors.entries_for_user(user=request.user)
    status = request.GET.get("status", "")
    if status in Entry.Status.values:
        entries = entries.filter(status=status)
    notices: list[str] = []
    month = read_month(request.GET.get("month"), notices)
    if month is not None:
        entries = entries.filter(deed_date__gte=month, deed_date__lt=next_month(month))
    choices = area_choices_for_user(user=request.user, capability=Capability.VIEW_POINTS)
    area = read_area(request.GET, choices, notices)
    if area.village is not None:
        entries = entries.filter(household__microgrid__grid__village_id=area.village_id)
    if area.grid is not None:
        entries = entries.filter(household__microgrid__grid_id=area.grid_id)
    number = request.GET.get("q", "").strip()[:40]
    if number:
        entries = entries.filter(household__number=number)
    page = page_of(request, entries)
    context = {
        "page": page,
        "result_count": ResultCount(n=page.paginator.count),
        "filter_notices": notices,
        "status": status,
        "statuses": Entry.Status.choices,
        "month": f"{month:%Y-%m}" if month else "",
        "area_choices": choices,
        "area": area,
        "query": number,
        "can_record": acts_in_any(request.user, Capability.RECORD_POINTS, choices.villages),
    }
    template = "points/entry_list.html"
    if request.htmx and request.htmx.target == "entry-results":
        template += "#results"
    return render(request, template, context)


def acts_in_any(user, capability: str, villages) -> bool:
    return any(has_village_role(user, capability, village) for village in villages)


@require_http_methods(["GET", "POST"])
@login_required
@vary_on_headers("HX-Request")
def entry_create(request: HtmxHttpRequest) -> HttpResponse:
    """Record an entry for review. The hidden key is made when the form is first shown, so
    a double click or a retry of the same submission returns the entry it made."""
    require_capability(request.user, Capability.RECORD_POINTS)
    town = town_for_user(request.user)
    households = visible_to(
        request.user, Household.objects.all(), capability=Capability.RECORD_POINTS
    )
    rules = selectors.rules_for_town(town=town)
    query = request.GET.get("q", "").strip()[:40]
    chosen = None
    chosen_pk = request.POST.get("household") or request.GET.get("household")
    if chosen_pk and str(chosen_pk).isdigit():
        try:
            chosen = selectors.household_get_for_points(
                user=request.user, pk=int(chosen_pk), capability=Capability.RECORD_POINTS
            )
        except (Http404, PermissionDenied):
            chosen = None
    if request.htmx and request.method == "GET":
        if request.htmx.target == "household-results":
            found = selectors.household_find_for_user(user=request.user, query=query)
            return render(
                request,
                "points/entry_form.html#household_results",
                {"found": found, "query": query},
            )
        if request.htmx.target == "household-chooser":
            return render(
                request, "points/entry_form.html#chooser", {"chosen": chosen, "query": query}
            )
    initial = {
        "idempotency_key": new_key(),
        "household": chosen.pk if chosen else None,
        "deed_date": timezone.localdate(),
        **{
            name: request.GET[name]
            for name in ("rule", "deed_date", "method", "basis")
            if request.GET.get(name)
        },
    }
    form = EntryForm(
        request.POST or None,
        request.FILES or None,
        households=households,
        rules=rules,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.entry_record(
                household=data["household"],
                rule=data["rule"],
                deed_date=data["deed_date"],
                basis=data["basis"],
                method=data["method"],
                photos=data["photos"],
                recorded_by=request.user,
                idempotency_key=data["idempotency_key"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("The entry for household %(number)s was recorded and waits for review.")
                % {"number": entry.household.number},
            )
            return redirect("entry-detail", pk=entry.pk)
    found = selectors.household_find_for_user(user=request.user, query=query) if query else []
    context = {"form": form, "chosen": chosen, "query": query, "found": found, "town": town}
    return render(request, "points/entry_form.html", context)


@require_GET
@login_required
def entry_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    entry = selectors.entry_get_for_user(user=request.user, pk=pk)
    context = {
        "entry": entry,
        "reversals": list(entry.reversals.all()),
        "reject_form": RejectForm(),
        **_entry_actions(request.user, entry),
    }
    return render(request, "points/entry_detail.html", context)


@require_GET
@login_required
def entry_photo(request: HtmxHttpRequest, pk: int, size: str) -> HttpResponse:
    """An evidence photo (or its thumbnail), to those who may see the entry: photos show
    residents' homes, so they are never public files."""
    photo = selectors.photo_get_for_user(user=request.user, pk=pk)
    field = photo.thumbnail if size == "thumb" else photo.image
    return serve_private_file(field, content_type="image/jpeg")


@require_GET
@login_required
@vary_on_headers("HX-Request")
def review_queue(request: HtmxHttpRequest) -> HttpResponse:
    """Entries waiting for the user's review (their villages', not their own), oldest first."""
    require_capability(request.user, Capability.REVIEW_POINTS)
    queue = selectors.review_queue_for_user(user=request.user)
    # The filter menus list what waits in the whole queue (not only the filtered part), so a
    # reviewer can move from one recorder or rule to the next without clearing the filter.
    choices = selectors.review_queue_choices(queue)
    notices: list[str] = []
    number = request.GET.get("q", "").strip()[:40]
    if number:
        queue = queue.filter(household__number=number)
    rule = _chosen(request, "rule", {str(r["rule_id"]) for r in choices["rules"]}, notices,
                   _("No entry of that rule waits for your review; showing every rule."))  # fmt: skip
    if rule:
        queue = queue.filter(rule_id=rule)
    recorder = _chosen(
        request, "recorder", {str(r["recorded_by_id"]) for r in choices["recorders"]}, notices,
        _("No entry recorded by that person waits for your review; showing everyone's."),
    )  # fmt: skip
    if recorder:
        queue = queue.filter(recorded_by_id=recorder)
    page = page_of(request, queue)
    context = {
        "page": page,
        "reject_form": RejectForm(),
        "choices": choices,
        "query": number,
        "rule": rule,
        "recorder": recorder,
        "filtered": bool(number or rule or recorder),
        "filter_notices": notices,
        # Approving or rejecting without JavaScript comes back to the same filtered page.
        "back": request.get_full_path(),
    }
    template = "points/review_queue.html"
    if request.htmx and request.htmx.target == "review-results":
        template += "#results"
    return render(request, template, context)


def _chosen(request, name: str, allowed: set[str], notices: list[str], notice: str) -> str:
    """A filter's value from the query string when it names one of `allowed`; else "" and,
    if something was asked for, a notice saying the filter was left out."""
    value = request.GET.get(name, "").strip()
    if value and value not in allowed:
        notices.append(notice)
        return ""
    return value


def _back(request, entry: Entry):
    return redirect(safe_next(request) or reverse("entry-detail", args=[entry.pk]))


def _review_answer(request, entry: Entry, *, error: str = "", reject_form=None):
    """The queue item in place (htmx) or back to where the reviewer was."""
    if request.htmx:
        entry = selectors.entry_get_for_user(user=request.user, pk=entry.pk)
        return render(
            request,
            "points/review_queue.html#item",
            {
                "entry": entry,
                "error": error,
                "reject_form": reject_form or RejectForm(),
                "back": safe_next(request) or reverse("review-queue"),
            },
        )
    if error:
        messages.error(request, error)
    return _back(request, entry)


@require_POST
@login_required
@vary_on_headers("HX-Request")
def entry_approve(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    entry = selectors.entry_get_for_user(user=request.user, pk=pk)
    require_capability(request.user, Capability.REVIEW_POINTS)
    try:
        entry = services.entry_approve(entry=entry, reviewer=request.user)
    except ValidationError as exc:
        return _review_answer(request, entry, error=" ".join(exc.messages))
    if not request.htmx:
        messages.success(
            request,
            _("Entry for household %(number)s approved: %(points)+d points.")
            % {"number": entry.household.number, "points": entry.points},
        )
    return _review_answer(request, entry)


@require_POST
@login_required
@vary_on_headers("HX-Request")
def entry_reject(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    entry = selectors.entry_get_for_user(user=request.user, pk=pk)
    require_capability(request.user, Capability.REVIEW_POINTS)
    form = RejectForm(request.POST)
    if not form.is_valid():
        return _review_answer(
            request,
            entry,
            error=" ".join(e for errors in form.errors.values() for e in errors),
            reject_form=form,
        )
    try:
        entry = services.entry_reject(
            entry=entry, reviewer=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        return _review_answer(request, entry, error=" ".join(exc.messages), reject_form=form)
    if not request.htmx:
        messages.success(
            request,
            _("Entry for household %(number)s rejected.") % {"number": entry.household.number},
        )
    return _review_answer(request, entry)


@require_http_methods(["GET", "POST"])
@login_required
def entry_reverse(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Propose a correction: a reversal entry citing the original, reviewed like any other."""
    entry = selectors.entry_get_for_user(user=request.user, pk=pk)
    if not has_village_role(
        request.user, Capability.RECORD_POINTS, entry.household.microgrid.grid.village
    ):
        raise PermissionDenied
    form = ReverseForm(request.POST or None, initial={"idempotency_key": new_key()})
    if request.method == "POST" and form.is_valid():
        try:
            reversal = services.entry_reverse(
                entry=entry,
                by=request.user,
                reason=form.cleaned_data["reason"],
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("The correction of %(points)+d points was recorded and waits for review.")
                % {"points": reversal.points},
            )
            return redirect("entry-detail", pk=reversal.pk)
    return render(request, "points/entry_reverse.html", {"form": form, "entry": entry})
