"""In-app notifications about orders: dispatched to the unit, urged, supervised, decided."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from huaisi.access import require_capability
from huaisi.roles import Capability
from huaisi.views import HtmxHttpRequest

from .. import selectors, services

LIMIT = 100


@require_GET
@login_required
@vary_on_headers("HX-Request")
def notification_list(request: HtmxHttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_TICKETS)
    show_all = request.GET.get("all") == "1"
    notes = list(
        selectors.notifications_for_user(user=request.user, unread_only=not show_all, limit=LIMIT)
    )
    context = {
        "notes": notes,
        "show_all": show_all,
        "unread": selectors.unread_notification_count(user=request.user),
    }
    template = "tickets/notification_list.html"
    if request.htmx and request.htmx.target == "notification-results":
        template += "#results"
    return render(request, template, context)


@require_POST
@login_required
def notification_read(request: HtmxHttpRequest) -> HttpResponse:
    """Mark every unread notification read (or those ticked)."""
    require_capability(request.user, Capability.VIEW_TICKETS)
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()] or None
    count = services.notifications_mark_read(user=request.user, ids=ids)
    messages.success(request, _("%(n)s notifications marked read.") % {"n": count})
    return redirect("notification-list")
