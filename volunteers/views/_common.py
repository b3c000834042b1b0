"""What the volunteers pages share: the user's villages and town, and the filter values."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from grids.models import Grid, Town, Village
from huaisi.access import grants_for, visible_to
from huaisi.roles import Capability, Level

from ..services import has_role_in_village


def villages_seen(user):
    return visible_to(user, Village.objects.all(), capability=Capability.VIEW_VOLUNTEERS).order_by(
        "code"
    )


def villages_acting(user, capability: str, within=None):
    """The villages where the user may use `capability` (one query for the villages)."""
    villages = within if within is not None else Village.objects.all()
    if not user.is_superuser:
        town_ids = {g.ancestors[Level.TOWN] for g in grants_for(user)}
        villages = villages.filter(town_id__in=town_ids)
    return [
        v
        for v in villages.select_related("town").order_by("code")
        if has_role_in_village(user, capability, v)
    ]


def grids_in(villages) -> list:
    return Grid.objects.filter(village__in=villages).select_related("village").order_by("code")


def town_of_user(user) -> Town:
    ids = sorted({g.ancestors[Level.TOWN] for g in grants_for(user)})
    if not ids:
        if user.is_superuser:
            town = Town.objects.order_by("pk").first()
            if town:
                return town
        raise PermissionDenied
    town = Town.objects.filter(pk=ids[0]).first()
    if town is None:
        raise Http404
    return town


def int_or_none(value) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


def this_year() -> int:
    return timezone.localdate().year
