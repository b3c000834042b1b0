"""Households' points for staff: finding a household, and its statement (逐一反馈) with every
addition and deduction, its basis, status and reviewer, and the running balance."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from huaisi.access import require_capability
from huaisi.roles import Capability
from huaisi.views import HtmxHttpRequest

from .. import selectors
from ..services._common import has_village_role
from ._common import parse_period, period_choices


@require_GET
@login_required
@vary_on_headers("HX-Request")
def household_list(request: HtmxHttpRequest) -> HttpResponse:
    """Find a household by number, passbook number or a member's name."""
    require_capability(request.user, Capability.VIEW_POINTS)
    query = request.GET.get("q", "").strip()[:40]
    found = selectors.household_find_for_user(
        user=request.user, query=query, capability=Capability.VIEW_POINTS
    )
    template = "points/household_list.html"
    if request.htmx and request.htmx.target == "household-results":
        template += "#results"
    return render(request, template, {"found": found, "query": query})


def _statement_context(request, pk: int) -> dict:
    household = selectors.household_get_for_points(user=request.user, pk=pk)
    period = parse_period(request.GET.get("period"))
    statement = selectors.household_statement(
        household=household, start=period.start, end=period.end
    )
    return {
        "household": household,
        "village": household.microgrid.grid.village,
        "account": getattr(household, "points_account", None),
        "period": period,
        "periods": period_choices(),
        "statement": statement,
        "rejected": list(
            selectors.household_rejected_entries(
                household=household, start=period.start, end=period.end
            )
        ),
    }


@require_GET
@login_required
@vary_on_headers("HX-Request")
def household_points(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    context = _statement_context(request, pk)
    village = context["village"]
    context |= {
        "can_manage": has_village_role(request.user, Capability.MANAGE_PASSBOOKS, village),
        "can_record": has_village_role(request.user, Capability.RECORD_POINTS, village),
        "can_see_receipts": has_village_role(request.user, Capability.RUN_STORE, village),
        "locked": bool(
            context["account"]
            and context["account"].locked_until
            and context["account"].locked_until > timezone.now()
        ),
    }
    template = "points/household_points.html"
    if request.htmx and request.htmx.target == "statement":
        template += "#statement"
    return render(request, template, context)


@require_GET
@login_required
def household_statement_print(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The passbook statement for one period, on paper for the household: numbers of the
    household and passbook, never ID or phone numbers."""
    return render(request, "points/statement_print.html", _statement_context(request, pk))
