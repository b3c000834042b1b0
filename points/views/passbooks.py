"""Passbooks (积分存折): opening one, the kiosk PIN and the printed card with its QR code."""

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from huaisi.roles import Capability
from huaisi.views import HtmxHttpRequest

from .. import selectors, services
from ..forms import PinForm
from ..models import PointsAccount


def card_url(account: PointsAccount, request=None) -> str:
    """Where the card's QR code leads: the kiosk opened on this household. Absolute when a
    request tells the host (a phone scanning the card needs the whole address)."""
    path = reverse(
        "kiosk-card",
        kwargs={"passbook_number": account.passbook_number, "token": account.card_token},
    )
    return request.build_absolute_uri(path) if request is not None else path


def _household_for_manager(request, pk: int):
    return selectors.household_get_for_points(
        user=request.user, pk=pk, capability=Capability.MANAGE_PASSBOOKS
    )


@require_POST
@login_required
def passbook_open(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    household = _household_for_manager(request, pk)
    account = services.account_open(household=household, by=request.user)
    messages.success(
        request, _("Passbook %(number)s is open.") % {"number": account.passbook_number}
    )
    return redirect("household-points", pk=household.pk)


@require_http_methods(["GET", "POST"])
@login_required
def passbook_pin(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Set or reset the kiosk PIN, typed twice; the household chooses it at the counter."""
    household = _household_for_manager(request, pk)
    account = getattr(household, "points_account", None)
    if account is None:
        messages.error(request, _("Open the passbook first."))
        return redirect("household-points", pk=household.pk)
    form = PinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_set_pin(account=account, pin=form.cleaned_data["pin"], by=request.user)
        except ValidationError as exc:
            form.add_error("pin", exc.messages)
        else:
            messages.success(
                request,
                _("The PIN of passbook %(number)s was set.") % {"number": account.passbook_number},
            )
            return redirect("household-points", pk=household.pk)
    return render(
        request,
        "points/passbook_pin.html",
        {"form": form, "household": household, "account": account},
    )


@require_POST
@login_required
def passbook_card_issue(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """A new card: the old card's QR code stops working."""
    household = _household_for_manager(request, pk)
    account = getattr(household, "points_account", None)
    if account is None:
        messages.error(request, _("Open the passbook first."))
        return redirect("household-points", pk=household.pk)
    services.account_issue_card(account=account, by=request.user)
    messages.success(request, _("A new card was issued; the old card no longer opens the kiosk."))
    return redirect("passbook-card", pk=household.pk)


@require_GET
@login_required
def passbook_card(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The printable card: passbook and household numbers, the village, the head's name and
    the QR code. No ID or phone numbers."""
    household = _household_for_manager(request, pk)
    account = getattr(household, "points_account", None)
    if account is None:
        messages.error(request, _("Open the passbook first."))
        return redirect("household-points", pk=household.pk)
    url = card_url(account, request)
    qr = segno.make(url, error="m")
    context = {
        "household": household,
        "account": account,
        "village": household.microgrid.grid.village,
        "qr_svg": mark_safe(qr.svg_inline(scale=4, border=2)),  # noqa: S308 - segno's own SVG
    }
    return render(request, "points/passbook_card.html", context)
