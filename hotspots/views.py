"""The command centre's 未诉先办 page: hotspots, rising issues, repeat callers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from huaisi.access import require_capability
from huaisi.roles import Capability
from tickets.selectors import categories_of_town
from tickets.services import NotPermitted

from . import selectors, services
from .models import Hotspot
from .tasks import analyse_task


def _town(request):
    require_capability(request.user, Capability.DISPATCH_TICKETS)
    town = selectors.town_for_user(user=request.user)
    if town is None:
        raise PermissionDenied
    return town


@require_GET
@login_required
def hotspot_list(request) -> HttpResponse:
    town = _town(request)
    hotspots = list(selectors.hotspots_of_town(town=town))
    for hotspot in hotspots:
        hotspot.points_json = selectors.map_points(hotspot)
    context = {
        "town": town,
        "hotspots": hotspots,
        "rising": list(selectors.rising_of_town(town=town)),
        "callers": list(selectors.repeat_callers_of_town(town=town)),
        "categories": list(categories_of_town(town=town)),
        "computed_at": max((h.computed_at for h in hotspots), default=None),
        "radius_m": services.RADIUS_M,
        "days": services.WINDOW_DAYS,
        "min_reports": services.MIN_REPORTS,
    }
    return render(request, "hotspots/hotspot_list.html", context)


@require_POST
@login_required
def hotspot_refresh(request) -> HttpResponse:
    """Recompute now (in the background): the hourly job, for this town."""
    town = _town(request)
    transaction.on_commit(lambda: analyse_task.delay(town.pk))
    messages.info(request, _("Recomputing the town's hotspots; reload the page in a minute."))
    return redirect("hotspot-list")


@require_POST
@login_required
def hotspot_order(request, pk: int) -> HttpResponse:
    town = _town(request)
    if not Hotspot.objects.filter(pk=pk, town=town).exists():
        raise Http404
    category = None
    raw = request.POST.get("category", "")
    if raw.isdigit():
        category = next(
            (
                c
                for top in categories_of_town(town=town)
                for c in (top, *top.children.all())
                if c.pk == int(raw)
            ),
            None,
        )
    try:
        order, created = services.hotspot_order(
            actor=request.user, hotspot_id=pk, category=category
        )
    except (services.HotspotOrderError, ValidationError, NotPermitted) as exc:
        message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, message)
        return redirect("hotspot-list")
    if created:
        messages.success(
            request,
            _("Proactive order %(number)s made; dispatch it from the board.")
            % {"number": order.number},
        )
    else:
        messages.info(
            request, _("This hotspot already has order %(number)s.") % {"number": order.number}
        )
    return redirect("order-detail", order.pk)
