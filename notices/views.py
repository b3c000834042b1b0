"""The administrator's notice channels (/orders/channels/) and an order's delivery log."""

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from huaisi.access import require_capability
from huaisi.privacy import mask_phone
from huaisi.roles import Capability
from tickets.selectors import order_get_for_user, units_of_town

from . import selectors, services
from .forms import ChannelForm
from .models import Channel


def _town(request):
    require_capability(request.user, Capability.MANAGE_AREAS)
    town = selectors.town_for_admin(user=request.user)
    if town is None:
        raise PermissionDenied
    return town


@require_http_methods(["GET", "POST"])
@login_required
def channel_list(request) -> HttpResponse:
    town = _town(request)
    units = units_of_town(town=town)
    form = ChannelForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        channel = form.save(commit=False)
        channel.town = town
        channel.save()
        messages.success(request, _("Channel %(name)s added.") % {"name": channel.name})
        return redirect("channel-list")
    channels = list(selectors.channels_of_town(town=town))
    for channel in channels:
        channel.host = urlsplit(channel.url).netloc
        channel.masked = [mask_phone(p) for p in channel.recipients.split()]
    return render(
        request,
        "notices/channel_list.html",
        {
            "town": town,
            "form": form,
            "channels": channels,
            "failures": list(selectors.failures_of_town(town=town)),
        },
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def channel_test(request, pk: int) -> HttpResponse:
    town = _town(request)
    channel = Channel.objects.filter(pk=pk, town=town).first()
    if channel is None:
        raise Http404
    services.channel_test(channel=channel)
    messages.info(
        request,
        _("A test message is on its way to %(name)s; its result shows below within a minute.")
        % {"name": channel.name},
    )
    return redirect("channel-list")


@require_POST
@login_required
def channel_toggle(request, pk: int) -> HttpResponse:
    town = _town(request)
    updated = Channel.objects.filter(pk=pk, town=town, is_active=request.POST.get("was") == "on")
    if not updated.update(is_active=request.POST.get("was") != "on"):
        messages.info(request, _("Someone else changed this channel meanwhile."))
    return redirect("channel-list")


@login_required
def order_deliveries(request, pk: int) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_TICKETS)
    order = order_get_for_user(user=request.user, pk=pk)
    return render(
        request,
        "notices/order_deliveries.html",
        {"order": order, "deliveries": list(selectors.deliveries_of_order(order_id=order.pk))},
    )
