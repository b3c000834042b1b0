"""The points supermarket (满满加油站): goods and stock, the clerk's counter, receipts,
refunds and the monthly report.

The counter's basket lives in the address (`b=12:2,15:1`), not in the session: every add or
remove is a plain link (and an htmx request), a reload shows the same basket, and two counters
in two tabs cannot mix their baskets. The redemption is one POST with the key made when the
basket was shown, so a double click sells the basket once.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from huaisi.access import require_capability
from huaisi.periods import month_start, parse_month, previous_month
from huaisi.roles import Capability
from huaisi.views import HtmxHttpRequest

from .. import selectors, services
from ..forms import GoodForm, RefundForm, StockReceiptForm, StoreOpenForm, apply_errors
from ..models import Store
from ..services._common import has_village_role
from ..services.store import MAX_QUANTITY
from ._common import new_key, page_of, villages_for_user

# --- Stores and goods ------------------------------------------------------------------------


def _openable_villages(user):
    """Villages the user runs that have no supermarket yet."""
    return (
        villages_for_user(user, Capability.RUN_STORE)
        .filter(points_store__isnull=True)
        .select_related("town")
    )


@require_GET
@login_required
def store_list(request: HtmxHttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_POINTS)
    stores = list(selectors.stores_for_user(user=request.user))
    openable = [
        village
        for village in _openable_villages(request.user)
        if has_village_role(request.user, Capability.RUN_STORE, village)
    ]
    context = {
        "stores": stores,
        "openable": openable,
        "runs": {
            s.pk for s in stores if has_village_role(request.user, Capability.RUN_STORE, s.village)
        },
    }
    return render(request, "points/store_list.html", context)


@require_POST
@login_required
def store_open(request: HtmxHttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.RUN_STORE)
    form = StoreOpenForm(request.POST, villages=_openable_villages(request.user))
    if form.is_valid():
        try:
            store = services.store_open(
                village=form.cleaned_data["village"],
                name=form.cleaned_data["name"],
                by=request.user,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("%(name)s is open.") % {"name": store.name})
            return redirect("store-detail", pk=store.pk)
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("store-list")


@require_GET
@login_required
def store_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    store = selectors.store_get_for_user(user=request.user, pk=pk)
    context = {
        "store": store,
        "goods": list(selectors.goods_of_store(store=store)),
        "can_run": has_village_role(request.user, Capability.RUN_STORE, store.village),
    }
    return render(request, "points/store_detail.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def good_create(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    store = selectors.store_get_for_user(user=request.user, pk=pk, capability=Capability.RUN_STORE)
    form = GoodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            good = services.good_create(
                store=store,
                by=request.user,
                name=form.cleaned_data["name"],
                unit=form.cleaned_data["unit"],
                price_points=form.cleaned_data["price_points"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s was added. Record a stock receipt when it arrives.")
                % {"name": good.name},
            )
            return redirect("stock-receive", pk=good.pk)
    return render(request, "points/good_form.html", {"form": form, "store": store, "good": None})


@require_http_methods(["GET", "POST"])
@login_required
def good_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    good = selectors.good_get_for_user(user=request.user, pk=pk)
    form = GoodForm(request.POST or None, instance=good)
    if request.method == "POST" and form.is_valid():
        try:
            good = services.good_update(
                good=good, by=request.user, **{k: form.cleaned_data[k] for k in form.fields}
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("%(name)s was saved.") % {"name": good.name})
            return redirect("store-detail", pk=good.store_id)
    return render(
        request, "points/good_form.html", {"form": form, "store": good.store, "good": good}
    )


@require_http_methods(["GET", "POST"])
@login_required
def stock_receive(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    good = selectors.good_get_for_user(user=request.user, pk=pk)
    form = StockReceiptForm(request.POST or None, initial={"idempotency_key": new_key()})
    if request.method == "POST" and form.is_valid():
        try:
            receipt = services.stock_receive(
                good=good,
                quantity=form.cleaned_data["quantity"],
                note=form.cleaned_data["note"],
                by=request.user,
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(quantity)s %(unit)s of %(name)s received.")
                % {"quantity": receipt.quantity, "unit": good.unit, "name": good.name},
            )
            return redirect("store-detail", pk=good.store_id)
    return render(request, "points/stock_receive.html", {"form": form, "good": good})


# --- The counter -----------------------------------------------------------------------------


def parse_basket(text: str) -> dict[int, int]:
    """`12:2,15:1` → {12: 2, 15: 1}; unreadable parts are dropped, quantities kept in range."""
    basket: dict[int, int] = {}
    for part in (text or "").split(","):
        good_id, _sep, quantity = part.partition(":")
        if good_id.strip().isdigit() and quantity.strip().isdigit():
            count = min(int(quantity), MAX_QUANTITY)
            if count > 0:
                basket[int(good_id)] = count
    return basket


def format_basket(basket: dict[int, int]) -> str:
    return ",".join(f"{good_id}:{quantity}" for good_id, quantity in basket.items() if quantity)


def _counter_url(store: Store, **params) -> str:
    params = {key: value for key, value in params.items() if value not in ("", None)}
    url = reverse("store-counter", args=[store.pk])
    return f"{url}?{urlencode(params)}" if params else url


def _counter_context(request, store: Store, *, account_id, basket_text, query="") -> dict:
    """The counter as it stands: the household found, its balance, the basket with totals
    and a link for each +/− (each a real address, also fetched by htmx)."""
    account = None
    if str(account_id or "").isdigit():
        account = (
            selectors.accounts_for_user(user=request.user, capability=Capability.RUN_STORE)
            .filter(pk=int(account_id), village_id=store.village_id)
            .first()
        )
    goods = list(selectors.goods_of_store(store=store, active_only=True).order_by("name"))
    by_id = {good.pk: good for good in goods}
    basket = {g: q for g, q in parse_basket(basket_text).items() if g in by_id}
    account_param = account.pk if account else None

    def link(changed: dict[int, int]) -> str:
        return _counter_url(store, account=account_param, b=format_basket(changed))

    lines = []
    for good_id, quantity in basket.items():
        good = by_id[good_id]
        lines.append(
            {
                "good": good,
                "quantity": quantity,
                "points": quantity * good.price_points,
                "more": link(basket | {good_id: min(quantity + 1, MAX_QUANTITY)}),
                "less": link(basket | {good_id: quantity - 1}),
                "remove": link({g: q for g, q in basket.items() if g != good_id}),
            }
        )
    total = sum(line["points"] for line in lines)
    offers = [
        {"good": good, "add": link(basket | {good.pk: min(basket.get(good.pk, 0) + 1, 999)})}
        for good in goods
    ]
    return {
        "store": store,
        "account": account,
        "query": query,
        "basket": format_basket(basket),
        "lines": lines,
        "offers": offers,
        "total": total,
        "balance_after": (account.balance - total) if account else None,
        "idempotency_key": new_key(),
        "clear_url": link({}),
    }


def _found_in_store(request, store: Store, query: str) -> list:
    found = selectors.household_find_for_user(
        user=request.user, query=query, capability=Capability.RUN_STORE
    )
    return [h for h in found if h.microgrid.grid.village_id == store.village_id]


@require_GET
@login_required
@vary_on_headers("HX-Request")
def store_counter(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The clerk's counter: find the household (passbook number typed or scanned into the
    box, household number, or a name), then build the basket."""
    store = selectors.store_get_for_user(user=request.user, pk=pk, capability=Capability.RUN_STORE)
    query = request.GET.get("q", "").strip()[:40]
    account_id = request.GET.get("account")
    found = _found_in_store(request, store, query) if query else []
    if query and len(found) == 1 and getattr(found[0], "points_account", None):
        # A scanned or typed passbook number (or a single match) opens the household at once.
        account_id = found[0].points_account.pk
    context = _counter_context(
        request, store, account_id=account_id, basket_text=request.GET.get("b", ""), query=query
    )
    context["found"] = found
    template = "points/store_counter.html"
    if request.htmx and request.htmx.target in {"counter", "counter-results"}:
        template += "#counter"
    return render(request, template, context)


@require_POST
@login_required
def redemption_create(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Sell the basket in one transaction. A refusal (balance or stock short) shows the
    amounts and changes nothing."""
    store = selectors.store_get_for_user(user=request.user, pk=pk, capability=Capability.RUN_STORE)
    context = _counter_context(
        request,
        store,
        account_id=request.POST.get("account"),
        basket_text=request.POST.get("b", ""),
    )
    account = context["account"]
    errors = []
    if account is None:
        errors.append(_("Find the household first."))
    elif not context["lines"]:
        errors.append(_("The basket is empty."))
    else:
        try:
            redemption = services.redemption_create(
                store=store,
                household=account.household,
                lines=[(line["good"].pk, line["quantity"]) for line in context["lines"]],
                by=request.user,
                idempotency_key=request.POST.get("idempotency_key", ""),
            )
        except ValidationError as exc:
            errors.extend(exc.messages)
        else:
            messages.success(
                request,
                _("Receipt %(number)s: %(points)s points redeemed.")
                % {"number": redemption.receipt_number, "points": redemption.total_points},
            )
            return redirect("redemption-detail", pk=redemption.pk)
    context |= {"found": [], "errors": errors}
    return render(request, "points/store_counter.html", context)


# --- Receipts, refunds, the report -----------------------------------------------------------


@require_GET
@login_required
@vary_on_headers("HX-Request")
def redemption_list(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    store = selectors.store_get_for_user(user=request.user, pk=pk, capability=Capability.RUN_STORE)
    page = page_of(request, selectors.redemptions_of_store(store=store))
    template = "points/redemption_list.html"
    if request.htmx and request.htmx.target == "receipt-results":
        template += "#results"
    return render(request, template, {"store": store, "page": page})


@require_GET
@login_required
def redemption_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The receipt, printable: number, lines, total and the balance after it; the household
    by household and passbook number only."""
    redemption = selectors.redemption_get_for_user(user=request.user, pk=pk)
    account = (
        selectors.accounts_for_user(user=request.user, capability=Capability.RUN_STORE)
        .filter(household_id=redemption.household_id)
        .first()
    )
    refund = getattr(redemption, "refund", None) if not redemption.is_refund else None
    context = {
        "redemption": redemption,
        "lines": list(redemption.lines.all()),
        "account": account,
        "balance_after": selectors.balance_after(redemption=redemption),
        "points_shown": abs(redemption.total_points),
        "refund": refund,
        "can_refund": not redemption.is_refund
        and refund is None
        and has_village_role(request.user, Capability.RUN_STORE, redemption.store.village),
    }
    return render(request, "points/redemption_detail.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def redemption_refund(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Undo a whole basket: points and stock come back, the receipt stays as printed."""
    redemption = selectors.redemption_get_for_user(user=request.user, pk=pk)
    form = RefundForm(request.POST or None, initial={"idempotency_key": new_key()})
    if request.method == "POST" and form.is_valid():
        try:
            refund = services.redemption_refund(
                redemption=redemption,
                by=request.user,
                reason=form.cleaned_data["reason"],
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("Receipt %(number)s was refunded: %(points)s points returned.")
                % {"number": redemption.receipt_number, "points": -refund.total_points},
            )
            return redirect("redemption-detail", pk=refund.pk)
    return render(
        request,
        "points/redemption_refund.html",
        {"form": form, "redemption": redemption, "lines": list(redemption.lines.all())},
    )


@require_GET
@login_required
def store_report(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The month's report, printable: per good what went out, the points spent, what came
    in, and the stock now."""
    store = selectors.store_get_for_user(user=request.user, pk=pk)
    month = parse_month(request.GET.get("month")) or previous_month()
    rows = list(selectors.store_month_report(store=store, month=month))
    this_month = month_start(timezone.localdate())
    months = []
    cursor = this_month
    for _step in range(12):
        months.append(cursor)
        cursor = month_start(cursor - datetime.timedelta(days=1))
    context = {
        "store": store,
        "month": month,
        "months": months,
        "rows": rows,
        "totals": {
            "quantity_out": sum(r.quantity_out for r in rows),
            "points_spent": sum(r.points_spent for r in rows),
            "received": sum(r.received for r in rows),
        },
    }
    return render(request, "points/store_report.html", context)
