"""Micro-wishes: the list per village with status filters, recording, claim, fulfil, close."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from grids.selectors import area_choices_for_user
from households import selectors as register
from huaisi.access import require_capability, user_can
from huaisi.list_filters import ResultCount, read_area
from huaisi.roles import Capability
from huaisi.views import HtmxHttpRequest

from .. import selectors, services
from ..forms import ClaimForm, CloseForm, FulfilForm, WishForm, apply_errors
from ..models import Team, Wish
from ._common import int_or_none

RESIDENT_RESULTS = 20


@require_GET
@login_required
@vary_on_headers("HX-Request")
def wish_list(request: HtmxHttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_VOLUNTEERS)
    notices: list[str] = []
    choices = area_choices_for_user(user=request.user, capability=Capability.VIEW_VOLUNTEERS)
    area = read_area(request.GET, choices, notices)
    status = request.GET.get("status", "")
    if status not in Wish.Status.values:
        status = ""
    where = {"village_id": area.village_id, "grid_id": area.grid_id}
    rows = list(
        selectors.wish_list_for_user(user=request.user, status=status, **where)[
            : selectors.LIST_LIMIT + 1
        ]
    )
    counts = selectors.wish_status_counts(user=request.user, **where)
    context = {
        "wishes": rows[: selectors.LIST_LIMIT],
        "more": len(rows) > selectors.LIST_LIMIT,
        "limit": selectors.LIST_LIMIT,
        "result_count": ResultCount(n=counts.get(status, 0) if status else sum(counts.values())),
        "filter_notices": notices,
        "area_choices": choices,
        "area": area,
        "status": status,
        "statuses": Wish.Status.choices,
        "status_counts": [
            (value, label, counts.get(value, 0)) for value, label in Wish.Status.choices
        ],
        "can_record": user_can(request.user, Capability.MANAGE_WISHES),
    }
    template = "volunteers/wish_list.html"
    if request.htmx and request.htmx.target == "wish-results":
        template += "#results"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@login_required
@vary_on_headers("HX-Request")
def wish_create(request: HtmxHttpRequest) -> HttpResponse:
    """Find the resident (the register's search, in the user's areas), then the wish."""
    require_capability(request.user, Capability.MANAGE_WISHES)
    require_capability(request.user, Capability.VIEW_RESIDENTS)
    resident_id = int_or_none(request.POST.get("resident") or request.GET.get("resident"))
    resident = (
        register.resident_get_for_user(user=request.user, pk=resident_id) if resident_id else None
    )
    query = request.GET.get("q", "")[:40]
    results = []
    if resident is None and query.strip():
        results = list(
            register.resident_search_for_user(user=request.user, query=query)[:RESIDENT_RESULTS]
        )
    form = WishForm(request.POST or None, initial={"resident": resident_id})
    if request.method == "POST" and resident is not None and form.is_valid():
        try:
            wish = services.wish_record(
                resident=resident,
                by=request.user,
                title=form.cleaned_data["title"],
                details=form.cleaned_data["details"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The wish was recorded."))
            return redirect("wish-detail", pk=wish.pk)
    template = "volunteers/wish_form.html"
    if request.htmx and request.htmx.target == "resident-results":
        template += "#resident_results"
    return render(
        request,
        template,
        {"form": form, "resident": resident, "query": query, "results": results},
    )


def _claim_teams(user, wish: Wish):
    """The active teams serving the wish's village that the user may claim it for."""
    teams = selectors.team_list_for_user(user=user).filter(is_active=True)
    ids = [
        t.pk
        for t in teams
        if (t.village_id in (None, wish.village_id))
        and services.has_team_role(user, Capability.CLAIM_WISHES, t, village=wish.village)
    ]
    return Team.objects.filter(pk__in=ids).select_related("village").order_by("name")


@require_GET
@login_required
def wish_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_VOLUNTEERS)
    wish = selectors.wish_get_for_user(user=request.user, pk=pk)
    user = request.user
    claim_teams = _claim_teams(user, wish) if wish.status == Wish.Status.RECORDED else None
    context = {
        "wish": wish,
        "claim_form": ClaimForm(teams=claim_teams) if claim_teams else None,
        "can_fulfil": wish.status == Wish.Status.CLAIMED
        and services.has_team_role(user, Capability.CLAIM_WISHES, wish.team, village=wish.village),
        "can_close": wish.status == Wish.Status.FULFILLED
        and services.has_role_in_village(user, Capability.MANAGE_WISHES, wish.village),
    }
    return render(request, "volunteers/wish_detail.html", context)


@require_POST
@login_required
def wish_claim(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    require_capability(request.user, Capability.CLAIM_WISHES)
    wish = selectors.wish_get_for_user(user=request.user, pk=pk)
    teams = _claim_teams(request.user, wish)
    form = ClaimForm(request.POST, teams=teams)
    if not form.is_valid():
        if not teams:
            raise PermissionDenied
        messages.error(request, _("Choose the team that takes the wish on."))
        return redirect("wish-detail", pk=wish.pk)
    try:
        services.wish_claim(wish=wish, team=form.cleaned_data["team"], by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("%(team)s claimed the wish.") % {"team": form.cleaned_data["team"].name}
        )
    return redirect("wish-detail", pk=wish.pk)


def _wish_step(request, pk: int, *, form_class, capability_check, run, title, submit, done):
    wish = selectors.wish_get_for_user(user=request.user, pk=pk)
    if not capability_check(wish):
        raise PermissionDenied
    form = form_class(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            run(wish, form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("wish-detail", pk=wish.pk)
    return render(
        request,
        "volunteers/form.html",
        {
            "form": form,
            "title": title,
            "intro": f"{wish.resident.name} · {wish.title}",
            "submit_label": submit,
            "multipart": True,
            "back_url": "wish-detail",
            "back_pk": wish.pk,
            "back_label": wish.title,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def wish_fulfil(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    require_capability(request.user, Capability.CLAIM_WISHES)
    user = request.user
    return _wish_step(
        request,
        pk,
        form_class=FulfilForm,
        capability_check=lambda w: (
            w.team is not None
            and services.has_team_role(user, Capability.CLAIM_WISHES, w.team, village=w.village)
        ),
        run=lambda w, d: services.wish_fulfil(
            wish=w, by=user, fulfilment=d["fulfilment"], photos=d["photos"]
        ),
        title=_("Report the wish fulfilled"),
        submit=_("Wish fulfilled"),
        done=_("The wish is marked fulfilled; grid staff will ask the resident."),
    )


@require_http_methods(["GET", "POST"])
@login_required
def wish_close(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    require_capability(request.user, Capability.MANAGE_WISHES)
    user = request.user
    return _wish_step(
        request,
        pk,
        form_class=CloseForm,
        capability_check=lambda w: services.has_role_in_village(
            user, Capability.MANAGE_WISHES, w.village
        ),
        run=lambda w, d: services.wish_close(
            wish=w, by=user, feedback=d["feedback"], satisfied=d["satisfied"]
        ),
        title=_("The resident's feedback"),
        submit=_("Close the wish"),
        done=_("The wish is closed."),
    )
