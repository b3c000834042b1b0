"""A unit's inbox: the orders its handlers lead or help with, by stage, deadlines first."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from huaisi.access import require_capability
from huaisi.roles import Capability
from huaisi.views import HtmxHttpRequest

from .. import selectors
from ..models import CLOCK_STATES, OPEN_STATES, UNIT_DONE_STATES, State
from ._common import PAGE_SIZE, Page, page_number, query_without

# tab -> the states it lists
TABS = {
    "to_accept": (State.DISPATCHED,),
    "in_hand": (State.ACCEPTED, State.IN_PROGRESS, State.REWORK),
    "answered": (State.REPLIED, State.REVIEWED, State.CALLED_BACK),
    "open": OPEN_STATES,
    "closed": UNIT_DONE_STATES,
}


# Whose orders, among those the units lead (个人签收): the user's, nobody's yet, or all.
WHO = (
    ("all", gettext_lazy("Everyone's")),
    ("mine", gettext_lazy("Mine")),
    ("unassigned", gettext_lazy("Nobody's yet")),
)


@require_GET
@login_required
@vary_on_headers("HX-Request")
def inbox(request: HtmxHttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.HANDLE_TICKETS)
    tab = request.GET.get("tab", "open")
    if tab not in TABS:
        tab = "open"
    who = request.GET.get("who", "all")
    if who not in selectors.INBOX_WHO:
        who = "all"
    units = list(selectors.handler_units(user=request.user).select_related("department", "village"))
    number = page_number(request.GET)
    orders = selectors.unit_inbox(
        user=request.user, states=TABS[tab], units=units, upto=number * PAGE_SIZE + 1, who=who
    )
    page = Page.of(orders, number)
    unit_ids = {u.pk for u in units}
    here = request.get_full_path()
    context = {
        "unit_ids": unit_ids,
        "here": here,
        "tab": tab,
        "who": who,
        "claimable": CLOCK_STATES,
        "whos": WHO,
        "tab_query": query_without(request.GET, "page", "tab"),
        "who_query": query_without(request.GET, "page", "who"),
        "page": page,
        "units": units,
        "unread": selectors.unread_notification_count(user=request.user),
        "page_query": query_without(request.GET, "page"),
    }
    template = "tickets/inbox.html"
    if request.htmx and request.htmx.target == "inbox-results":
        template += "#results"
    return render(request, template, context)
