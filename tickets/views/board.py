"""The command centre's dispatch board: counts, the orders by view and filter, each unit's load,
pending extension requests; new orders are dispatched from their row.

The live part polls every 30 seconds. The poll sends a fingerprint of what it shows; when
nothing changed the answer is 204 and htmx leaves the page alone, so a dispatcher half-way
through choosing a unit is not interrupted by a refresh that would show the same thing.
"""

import hashlib
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from grids.selectors import area_choices_for_user
from huaisi.access import require_capability
from huaisi.list_filters import count_rows
from huaisi.redirects import safe_next
from huaisi.roles import Capability
from huaisi.views import HtmxHttpRequest

from .. import selectors, services
from ..board_filters import MAX_VIEW_NAME, BoardFilters, BoardLookups, read_board_filters
from ..forms import BulkForm
from ..models import BoardView, Source, State
from ._common import Page, page_number, query_without, town_for, unit_options

VIEWS = (
    ("new", "new"),
    ("overdue", "overdue"),
    ("due_soon", "due_soon"),
    ("open", "open"),
    ("closed", "closed"),
)
# The sort orders offered, in the order the list shows them ("" is the view's own order).
SORTS = (
    ("", gettext_lazy("Usual order")),
    ("deadline", gettext_lazy("Deadline, soonest first")),
    ("received", gettext_lazy("Received, oldest first")),
    ("-received", gettext_lazy("Received, newest first")),
    ("category", gettext_lazy("Category")),
    ("village", gettext_lazy("Village")),
)


def _fingerprint(*parts) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Tab:
    """A saved view as a tab: the filters it opens the board with (read again now, so what
    no longer fits has dropped out) and whether they are the board's current ones."""

    view: BoardView
    query: str
    current: bool
    mine: bool

    @property
    def author(self) -> str:
        return self.view.owner.get_full_name() or self.view.owner.get_username()


def board_lookups(user, town) -> BoardLookups:
    """What the board's filters are checked against (the villages and grids when first read)."""
    return BoardLookups(
        categories=list(selectors.categories_of_town(town=town)),
        units=list(selectors.units_of_town(town=town)),
        areas=area_choices_for_user(user=user, capability=Capability.DISPATCH_TICKETS, town=town),
    )


def saved_view_tabs(user, town, lookups: BoardLookups, current: BoardFilters) -> list[Tab]:
    """The user's saved views and those shared with them as tabs (one query), the first whose
    filters are CURRENT marked as the current one."""
    tabs, found = [], False
    for view in selectors.board_views_for_user(user=user, town=town):
        query = read_board_filters(QueryDict(view.query), lookups, []).query
        is_current = not found and query == current.query
        found = found or is_current
        tabs.append(Tab(view=view, query=query, current=is_current, mine=view.owner_id == user.pk))
    return tabs


def saved_views_context(tabs: list[Tab], current: BoardFilters) -> dict:
    return {
        "tabs": tabs,
        "current_tab": next((t for t in tabs if t.current), None),
        "f": current,
        "max_view_name": MAX_VIEW_NAME,
    }


@require_GET
@login_required
@vary_on_headers("HX-Request")
def board(request: HtmxHttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.DISPATCH_TICKETS)
    town = town_for(request.user, Capability.DISPATCH_TICKETS)
    params = request.GET
    lookups = board_lookups(request.user, town)
    notices: list[str] = []
    f = read_board_filters(params, lookups, notices)
    orders = selectors.dispatch_board(
        user=request.user,
        town=town,
        view=f.view,
        unit=f.unit,
        category=f.category,
        source=f.source,
        query=f.q,
        state=f.state,
        village_id=f.area.village_id,
        grid_id=f.area.grid_id,
        sort=f.sort,
    )
    page = Page.of(orders, page_number(params))
    result_count = count_rows(orders, known=page.total)
    counts = selectors.board_counts(town=town)
    load = list(selectors.board_by_unit(town=town))
    extensions = list(selectors.pending_extensions(town=town))
    seen = _fingerprint(
        counts,
        result_count,
        [(o.pk, o.state, o.updated_at, o.overdue, o.due_soon) for o in page.rows],
        [(u.pk, u.open_count, u.overdue_count, u.due_soon_count) for u in load],
        [e.pk for e in extensions],
    )
    if request.htmx and params.get("seen") == seen:
        return HttpResponse(status=204)
    live_query = query_without(params, "seen")
    here = f"{request.path}?{live_query}" if live_query else request.path
    live_only = bool(request.htmx and request.htmx.target == "board-live")
    # The saved views' strip lies outside the live part, so the 30-second poll (which sends
    # `seen`) never redraws it under a name being typed; a change of filters redraws it beside
    # the live part (out of band), to mark the tab that now matches.
    polled = live_only and "seen" in params
    tabs = [] if polled else saved_view_tabs(request.user, town, lookups, f)
    context = {
        **saved_views_context(tabs, f),
        "unit_options": unit_options(lookups.units),
        "here": here,
        "town": town,
        "view": f.view,
        "views": VIEWS,
        "counts": counts,
        "page": page,
        "load": load,
        "extensions": extensions,
        "categories": lookups.categories,
        "area_choices": lookups.areas,
        "area": f.area,
        "result_count": result_count,
        "filter_notices": notices,
        "states": State.choices,
        "sources": Source.choices,
        "sorts": SORTS,
        "seen": seen,
        "live_query": live_query,
        "page_query": query_without(params, "seen", "page"),
        "view_query": query_without(params, "seen", "page", "view"),
    }
    if not live_only:
        return render(request, "tickets/board.html", context)
    body = render_to_string("tickets/board.html#live", context, request)
    if not polled:
        body += render_to_string("tickets/board.html#saved", {**context, "oob": True}, request)
    return HttpResponse(body)


@require_POST
@login_required
def board_bulk(request: HtmxHttpRequest) -> HttpResponse:
    """The rows chosen on the board, dispatched to one unit or marked duplicates of one order.

    Each order is its own compare-and-set (the same service as its row's button): an order
    someone else changed meanwhile is left as they left it and reported by its number, and
    the others go ahead."""
    require_capability(request.user, Capability.DISPATCH_TICKETS)
    town = town_for(request.user, Capability.DISPATCH_TICKETS)
    form = BulkForm(
        request.POST,
        units=selectors.units_of_town(town=town),
        orders=selectors.orders_for_user(user=request.user).filter(town=town),
    )
    back = safe_next(request) or reverse("order-board")
    if not form.is_valid():
        problems = " ".join(str(e) for errors in form.errors.values() for e in errors)
        messages.error(request, _("Nothing was changed: %(problems)s") % {"problems": problems})
        return redirect(back)
    d = form.cleaned_data
    done, refused = [], []
    for order in d["orders"]:
        try:
            if d["action"] == "dispatch":
                services.order_dispatch(actor=request.user, order=order, lead_unit=d["lead_unit"])
            else:
                services.order_mark_duplicate(
                    actor=request.user, order=order, original=d["original"]
                )
        except (services.NotPermitted, services.WrongState, ValidationError) as exc:
            reason = " ".join(getattr(exc, "messages", None) or [str(exc)])
            refused.append(f"{order.number}（{reason}）")
        else:
            done.append(order.number)
    if done:
        if d["action"] == "dispatch":
            text = _("Dispatched to %(unit)s: %(numbers)s.") % {
                "unit": d["lead_unit"],
                "numbers": "、".join(done),
            }
        else:
            text = _("Marked duplicates of %(original)s: %(numbers)s.") % {
                "original": d["original"].number,
                "numbers": "、".join(done),
            }
        messages.success(request, text)
    if refused:
        messages.error(
            request,
            _("Not changed, someone else acted first or it could not be done: %(orders)s")
            % {"orders": "；".join(refused)},
        )
    return redirect(back)
