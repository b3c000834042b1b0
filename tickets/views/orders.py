"""The order page with its timeline and actions, the list of orders, intake and the printouts."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from grids.selectors import area_choices_for_user, grid_list_for_user, village_list_for_user
from huaisi.access import require_capability, user_can
from huaisi.list_filters import count_rows, read_area
from huaisi.redirects import safe_next
from huaisi.roles import Capability
from huaisi.uploads import serve_private_file
from huaisi.views import HtmxHttpRequest

from .. import selectors, services
from ..forms import GridReportForm, OrderCreateForm
from ..models import (
    CLOCK_STATES,
    Action,
    ExtensionRequest,
    NoticeKind,
    Satisfaction,
    Source,
    State,
    WorkOrder,
)
from ._common import Page, page_number, query_without, town_for
from .actions import ACTS, ACTS_BY_NAME, Roles

SATISFACTION = dict(Satisfaction.choices)
# The board's views, offered on the list too (the dashboard's order figures link to them).
LIST_VIEWS = (
    ("new", gettext_lazy("To dispatch")),
    ("overdue", gettext_lazy("Overdue")),
    ("due_soon", gettext_lazy("Due soon")),
    ("open", gettext_lazy("All open")),
    ("closed", gettext_lazy("Closed")),
)


def order_or_404(user, pk: int) -> WorkOrder:
    """The order with what an action needs; 404 outside the user's orders."""
    order = (
        selectors.orders_for_user(user=user)
        .select_related("town", "category", "lead_unit__department", "lead_unit__village")
        .filter(pk=pk)
        .first()
    )
    if order is None:
        raise Http404
    return order


def _timeline(order: WorkOrder) -> list[dict]:
    """Each event with what its `data` says, ready to show."""
    rows = []
    for event in order.timeline.all():
        data = event.data or {}
        due = data.get("reply_due")
        rows.append(
            {
                "event": event,
                "co_units": data.get("co_units") or [],
                "result": SATISFACTION.get(data.get("result", "")),
                "reply_due": parse_datetime(due) if due else None,
                "working_days": data.get("working_days"),
                "original": data.get("original"),
                "files": list(event.attachments.all()),
                "moved": event.from_state != event.to_state and event.to_state,
            }
        )
    return rows


def _detail_context(request, order: WorkOrder, bound: dict | None = None) -> dict:
    user = request.user
    extensions = list(order.extensions.all())
    pending = next((e for e in extensions if e.status == ExtensionRequest.Status.PENDING), None)
    co_units = list(order.co_units.all())
    roles = Roles.of(user, order, co_units=co_units, pending=pending)
    fresh = selectors.never_dispatched(order)
    bound = bound or {}
    actions = []
    for act in ACTS:
        if not act.offered(order, roles):
            continue
        form = bound.get(act.name) or act.make_form(None, None, order=order, user=user, roles=roles)
        actions.append(
            {
                "act": act,
                "form": form,
                "url": reverse(f"order-{act.name}", args=[order.pk]),
                "open": act.name in bound,
            }
        )
    return {
        "order": order,
        "timeline": _timeline(order),
        "extensions": extensions,
        "pending": pending,
        "co_units": co_units,
        "repeats": list(selectors.repeat_orders(user=user, order=order)),
        "notices": [] if fresh else list(selectors.notices_of_order(order=order)),
        "meetings": [] if fresh else list(selectors.meetings_of_order(order=order)),
        "actions": actions,
        "roles": roles,
        "can_reveal_phone": bool(order.caller_phone)
        and services.may_reveal_caller_phone(user, order),
        "phone_reveals": list(selectors.phone_reveals_of_order(order=order)),
        "can_score": roles.supervisor
        and order.first_replied_at is not None
        and order.lead_unit_id is not None
        and not order.handled_on_spot
        and order.state != State.DUPLICATE,
        "now": timezone.now(),
    }


@require_POST
@login_required
def order_caller_phone(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Show the caller's full number, after logging who saw it. POST, so no prefetch or
    crawler reveals anything, and the log has exactly one row per click. Refused (403) to
    anyone but the command centre and the lead unit's handlers."""
    require_capability(request.user, Capability.VIEW_TICKETS)
    order = order_or_404(request.user, pk)
    if not order.caller_phone:
        raise Http404
    services.order_caller_phone_reveal(actor=request.user, order=order)
    if request.htmx:
        return render(request, "tickets/order_detail.html#caller-phone", {"order": order})
    messages.info(
        request,
        _("Full number: %(value)s (this view was logged)") % {"value": order.caller_phone},
    )
    return redirect("order-detail", pk=order.pk)


@require_GET
@login_required
def order_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_TICKETS)
    order = selectors.order_get_for_user(user=request.user, pk=pk)
    return render(request, "tickets/order_detail.html", _detail_context(request, order))


def _row_response(request, order: WorkOrder, *, message: str, ok: bool):
    """For the board's and the inbox's in-place buttons: the order's row, redrawn."""
    where = request.POST.get("_row")
    fresh = (
        selectors.orders_for_user(user=request.user)
        .select_related(*selectors.LIST_RELATED)
        .get(pk=order.pk)
    )
    context = {"o": fresh, "row_message": message, "row_ok": ok}
    context["here"] = safe_next(request) or ""
    if where == "board":
        template = "tickets/board.html#row"
    else:
        context["unit_ids"] = set(
            selectors.handler_units(user=request.user).values_list("pk", flat=True)
        )
        context["claimable"] = CLOCK_STATES
        template = "tickets/inbox.html#row"
    return render(request, template, context)


@require_POST
@login_required
def order_action(request: HtmxHttpRequest, pk: int, action: str) -> HttpResponse:
    """One workflow step posted from the order page (or a row of the board or the inbox)."""
    act = ACTS_BY_NAME[action]
    require_capability(request.user, act.capability)
    order = order_or_404(request.user, pk)
    in_row = request.htmx and request.POST.get("_row") in ("board", "inbox")
    roles = Roles.of(request.user, order, co_units=list(order.co_units.all()))
    form = act.make_form(request.POST, request.FILES, order=order, user=request.user, roles=roles)
    back = safe_next(request) or reverse("order-detail", args=[order.pk])
    if not form.is_valid():
        if in_row:
            # The row has no room for the form: its errors are said in the row's message.
            problems = " ".join(str(e) for errors in form.errors.values() for e in errors)
            message = _("Nothing was changed: %(problems)s") % {"problems": problems}
            return _row_response(request, order, message=message, ok=False)
        return _redraw(request, order, act.name, form)
    try:
        done = act.run(request.user, order, form)
    except services.NotPermitted as exc:
        message = str(exc) or _("You may not do this on this order.")
    except services.WrongState as exc:
        message = " ".join(exc.messages)
    except ValidationError as exc:
        if in_row:
            return _row_response(request, order, message=" ".join(exc.messages), ok=False)
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc.messages)
        return _redraw(request, order, act.name, form)
    else:
        if in_row:
            return _row_response(request, order, message=done, ok=True)
        messages.success(request, done)
        return redirect(back)
    # Refused: nothing changed; say why where the user is.
    if in_row:
        return _row_response(request, order, message=message, ok=False)
    messages.error(request, message)
    return redirect(back)


def _redraw(request, order: WorkOrder, action: str, form) -> HttpResponse:
    order = selectors.order_get_for_user(user=request.user, pk=order.pk)
    context = _detail_context(request, order, bound={action: form})
    return render(request, "tickets/order_detail.html", context)


@require_GET
@login_required
def order_file(request: HtmxHttpRequest, pk: int, file_pk: int) -> FileResponse:
    """A photo or document of an order, to those who see the order (files are not public)."""
    require_capability(request.user, Capability.VIEW_TICKETS)
    order = order_or_404(request.user, pk)
    attachment = order.attachments.filter(pk=file_pk).first()
    if attachment is None:
        raise Http404
    thumb = request.GET.get("thumb") == "1" and attachment.thumbnail
    stored = attachment.thumbnail if thumb else attachment.file
    return serve_private_file(
        stored,
        as_attachment=not attachment.is_image,
        filename=attachment.name,
        content_type=attachment.content_type if not thumb else "image/jpeg",
    )


# --- The list of orders a user may see ------------------------------------------------------


@require_GET
@login_required
@vary_on_headers("HX-Request")
def order_list(request: HtmxHttpRequest) -> HttpResponse:
    """Every order the user may see: grid staff their grid's, handlers their unit's, the
    town's roles all of the town's; searchable by number or title, filtered by state, by the
    board's views (to dispatch, overdue, due soon, open, closed), by village and grid."""
    require_capability(request.user, Capability.VIEW_TICKETS)
    query = request.GET.get("q", "").strip()[:40]
    state = request.GET.get("state", "")
    notices: list[str] = []
    orders = selectors.orders_for_user(user=request.user).select_related(*selectors.LIST_RELATED)
    if state in State.values:
        orders = orders.filter(state=state)
    else:
        state = ""
    view = request.GET.get("view", "").strip()
    if view in selectors.BOARD_VIEWS:
        orders = orders.filter(selectors.board_view_filter(view))
    elif view:
        notices.append(
            _("“%(value)s” is not one of the choices: showing every order.") % {"value": view[:20]}
        )
        view = ""
    choices = area_choices_for_user(user=request.user, capability=Capability.VIEW_TICKETS)
    area = read_area(request.GET, choices, notices)
    if area.village is not None:
        orders = orders.filter(village_id=area.village_id)
    if area.grid is not None:
        orders = orders.filter(grid_id=area.grid_id)
    if query:
        orders = orders.filter(Q(number__startswith=query.upper()) | Q(title__contains=query))
    page = Page.of(orders.order_by("-created_at", "-pk"), page_number(request.GET))
    context = {
        "page": page,
        "result_count": count_rows(orders, known=page.total),
        "filter_notices": notices,
        "query": query,
        "state": state,
        "states": State.choices,
        "view": view,
        "views": LIST_VIEWS,
        "area_choices": choices,
        "area": area,
        "base_query": query_without(request.GET, "page"),
        "can_create": user_can(request.user, Capability.DISPATCH_TICKETS),
        "can_report": user_can(request.user, Capability.REPORT_TICKETS),
    }
    template = "tickets/order_list.html"
    if request.htmx and request.htmx.target == "order-results":
        template += "#results"
    return render(request, template, context)


# --- Intake ------------------------------------------------------------------------------


def _intake_error(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@require_http_methods(["GET", "POST"])
@login_required
def order_create(request: HtmxHttpRequest) -> HttpResponse:
    """Walk-in and phone intake (and hotline orders keyed in by hand) at the command centre."""
    require_capability(request.user, Capability.DISPATCH_TICKETS)
    town = town_for(request.user, Capability.DISPATCH_TICKETS)
    categories = selectors.categories_for_choice(town_id=town.pk)
    villages = village_list_for_user(user=request.user).filter(town=town)
    form = OrderCreateForm(
        request.POST or None, request.FILES or None, categories=categories, villages=villages
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            order, _created = services.order_create(
                actor=request.user,
                town=town,
                source=d["source"],
                category=d["category"],
                title=d["title"],
                description=d["description"],
                urgency=d["urgency"],
                caller_name=d["caller_name"],
                caller_phone=d["caller_phone"],
                village=d["village"],
                address=d["address"],
                upstream_number=d["upstream_number"],
                upstream_deadline=d["upstream_deadline"],
                files=d["files"],
            )
        except services.UpstreamConflict as exc:
            form.add_error(
                "upstream_number",
                _("Order %(number)s has this city platform number with other content.")
                % {"number": exc.order.number},
            )
        except ValidationError as exc:
            _intake_error(form, exc)
        else:
            messages.success(
                request, _("Order %(number)s was received.") % {"number": order.number}
            )
            return redirect("order-detail", pk=order.pk)
    return render(request, "tickets/order_form.html", {"form": form, "grid_report": False})


@require_http_methods(["GET", "POST"])
@login_required
def grid_report(request: HtmxHttpRequest) -> HttpResponse:
    """A problem found on patrol (source: grid report), optionally already fixed on the spot."""
    require_capability(request.user, Capability.REPORT_TICKETS)
    grids = grid_list_for_user(user=request.user, capability=Capability.REPORT_TICKETS)
    grid_list = list(grids)
    if not grid_list:
        raise Http404
    town_id = grid_list[0].village.town_id
    categories = selectors.categories_for_choice(town_id=town_id)
    form = GridReportForm(
        request.POST or None, request.FILES or None, categories=categories, grids=grids
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        grid = d["grid"]
        try:
            order, _created = services.order_create(
                actor=request.user,
                town=grid.village.town,
                source=Source.GRID,
                category=d["category"],
                title=d["title"],
                description=d["description"],
                urgency=d["urgency"],
                grid=grid,
                village=grid.village,
                address=d["address"],
                files=d["files"],
            )
        except ValidationError as exc:
            _intake_error(form, exc)
        else:
            if d["handled_on_spot"]:
                try:
                    services.order_handled_on_spot(
                        actor=request.user, order=order, note=d["on_spot_note"]
                    )
                except (ValidationError, services.NotPermitted) as exc:
                    messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
                else:
                    messages.success(
                        request,
                        _("Report %(number)s was recorded and closed as handled on the spot.")
                        % {"number": order.number},
                    )
                    return redirect("order-detail", pk=order.pk)
            else:
                messages.success(
                    request,
                    _("Report %(number)s was sent to the command centre.")
                    % {"number": order.number},
                )
            return redirect("order-detail", pk=order.pk)
    return render(request, "tickets/order_form.html", {"form": form, "grid_report": True})


# --- Printouts ---------------------------------------------------------------------------


@require_GET
@login_required
def order_print(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """交办单: the dispatch form the command centre hands to the lead unit."""
    require_capability(request.user, Capability.VIEW_TICKETS)
    order = selectors.order_get_for_user(user=request.user, pk=pk)
    dispatches = [e for e in order.timeline.all() if e.action == Action.DISPATCH]
    context = {
        "order": order,
        "dispatch": dispatches[-1] if dispatches else None,
        "co_units": list(order.co_units.all()),
        "printed_at": timezone.now(),
    }
    return render(request, "tickets/order_print.html", context)


@require_GET
@login_required
def order_supervision_print(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """督办单: the supervision orders the deadline sweep issued for an order, printable."""
    require_capability(request.user, Capability.VIEW_TICKETS)
    order = selectors.order_get_for_user(user=request.user, pk=pk)
    notices = list(selectors.notices_of_order(order=order))
    context = {
        "order": order,
        "notices": notices,
        "supervisions": [n for n in notices if n.kind == NoticeKind.SUPERVISE],
        "printed_at": timezone.now(),
    }
    return render(request, "tickets/order_supervision_print.html", context)
