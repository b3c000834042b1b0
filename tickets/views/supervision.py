"""督查: the supervision team's scoring queue and scores, each unit's monthly figures, and the
published monthly reports (frozen, printable)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from huaisi.access import require_capability, user_can
from huaisi.periods import month_start, next_month, parse_month, previous_month
from huaisi.roles import Capability
from huaisi.views import HtmxHttpRequest

from .. import selectors, services
from ..forms import ScoreForm
from ._common import Page, page_number, town_for


@require_GET
@login_required
@vary_on_headers("HX-Request")
def scoring_queue(request: HtmxHttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.SUPERVISE_TICKETS)
    town = town_for(request.user, Capability.SUPERVISE_TICKETS)
    page = Page.of(selectors.scoring_queue(town=town), page_number(request.GET))
    template = "tickets/scoring_queue.html"
    if request.htmx and request.htmx.target == "queue-results":
        template += "#results"
    return render(request, template, {"page": page})


@require_http_methods(["GET", "POST"])
@login_required
def order_score(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Score one replied order against the town's checklist (again, to correct a score)."""
    require_capability(request.user, Capability.SUPERVISE_TICKETS)
    order = selectors.order_get_for_user(user=request.user, pk=pk)
    items = list(selectors.checklist_of_town(town=order.town))
    existing = getattr(order, "score", None)
    form = ScoreForm(
        request.POST or None,
        items=items,
        initial_points=existing.items if existing else None,
        initial={"note": existing.note} if existing else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.order_score(
                actor=request.user, order=order, points=form.points, note=form.cleaned_data["note"]
            )
        except services.NotPermitted as exc:
            messages.error(request, str(exc))
            return redirect("order-detail", pk=order.pk)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        else:
            messages.success(request, _("%(number)s was scored.") % {"number": order.number})
            return redirect("scoring-queue")
    context = {"order": order, "form": form, "items": items, "existing": existing}
    return render(request, "tickets/order_score.html", context)


def _month_param(request) -> tuple:
    default = month_start(timezone.localdate())
    month = parse_month(request.GET.get("month")) or default
    return month, previous_month(month), next_month(month), month < default


@require_GET
@login_required
@vary_on_headers("HX-Request")
def unit_figures(request: HtmxHttpRequest) -> HttpResponse:
    """Each unit's figures for a month as they stand now, ranked (the town's roles)."""
    require_capability(request.user, Capability.VIEW_TICKETS)
    town = town_for(request.user, Capability.VIEW_TICKETS)
    month, previous, following, finished = _month_param(request)
    rows = selectors.unit_month_rows(town=town, month=month)
    report = (
        selectors.supervision_reports_for_user(user=request.user)
        .filter(town=town, month=month)
        .first()
    )
    context = {
        "town": town,
        "month": month,
        "previous": previous,
        "following": following if following <= timezone.localdate().replace(day=1) else None,
        "rows": rows,
        "report": report,
        "can_publish": finished
        and report is None
        and user_can(request.user, Capability.SUPERVISE_TICKETS),
    }
    template = "tickets/unit_figures.html"
    if request.htmx and request.htmx.target == "figures":
        template += "#figures"
    return render(request, template, context)


@require_GET
@login_required
def report_list(request: HtmxHttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_TICKETS)
    reports = selectors.supervision_reports_for_user(user=request.user)[:120]
    return render(request, "tickets/report_list.html", {"reports": reports})


@require_GET
@login_required
def report_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_TICKETS)
    report = selectors.supervision_reports_for_user(user=request.user).filter(pk=pk).first()
    if report is None:
        raise Http404
    return render(request, "tickets/report_detail.html", {"report": report})


@require_POST
@login_required
def report_publish(request: HtmxHttpRequest) -> HttpResponse:
    """Publish a finished month's report now, rather than wait for the job on the 1st."""
    require_capability(request.user, Capability.SUPERVISE_TICKETS)
    town = town_for(request.user, Capability.SUPERVISE_TICKETS)
    month = parse_month(request.POST.get("month"))
    if month is None:
        messages.error(request, _("Choose a month."))
        return redirect("unit-figures")
    try:
        report, created = services.supervision_report_publish(
            town=town, month=month, actor=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(f"{reverse('unit-figures')}?month={month:%Y-%m}")
    if created:
        messages.success(
            request, _("The report for %(month)s was published.") % {"month": f"{month:%Y-%m}"}
        )
    else:
        messages.info(request, _("The report for this month had been published already."))
    return redirect("report-detail", pk=report.pk)
