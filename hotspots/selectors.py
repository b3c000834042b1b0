"""Reads for the hotspots page: one query per list, whatever the number of rows."""

import json

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from grids.models import Town
from grids.selectors import towns_for_user
from huaisi.periods import TZ, month_start
from huaisi.roles import Capability

from .models import Hotspot, HotspotMember, RepeatCaller, RisingIssue

LIMIT = 100


def town_for_user(*, user) -> Town | None:
    """The town whose command centre the user works in (None: not one)."""
    return towns_for_user(user=user, capability=Capability.DISPATCH_TICKETS).first()


def hotspots_of_town(*, town: Town) -> QuerySet[Hotspot]:
    """Found by the last run, or kept for the order made from them; newest report first."""
    members = HotspotMember.objects.select_related("order", "finding").order_by("-at", "pk")
    return (
        Hotspot.objects.filter(Q(active=True) | Q(order__isnull=False), town=town)
        .select_related("category", "village", "order")
        .prefetch_related(Prefetch("members", queryset=members))
        .order_by("-last_at", "-pk")[:LIMIT]
    )


def map_points(hotspot: Hotspot) -> str:
    """The placed members as JSON for the small map: no personal data, just where and what."""
    return json.dumps(
        [
            {
                "lat": float(m.lat),
                "lng": float(m.lng),
                "label": m.order.number if m.order_id else "",
                "url": f"/orders/{m.order_id}/" if m.order_id else "",
            }
            for m in hotspot.members.all()
            if m.lat is not None
        ]
    )


def rising_of_town(*, town: Town) -> QuerySet[RisingIssue]:
    this_month = month_start(timezone.localdate(timezone=TZ))
    return (
        RisingIssue.objects.filter(town=town, month=this_month)
        .select_related("village", "category")
        .order_by("-count", "village__name", "category__name")
    )


def repeat_callers_of_town(*, town: Town) -> QuerySet[RepeatCaller]:
    return RepeatCaller.objects.filter(town=town).order_by("-last_at", "pk")[:LIMIT]
