from django.db.models import QuerySet

from grids.models import Town
from grids.selectors import towns_for_user
from huaisi.roles import Capability

from .models import Channel, Delivery

LIMIT = 100


def town_for_admin(*, user) -> Town | None:
    return towns_for_user(user=user, capability=Capability.MANAGE_AREAS).first()


def channels_of_town(*, town: Town) -> QuerySet[Channel]:
    return (
        Channel.objects.filter(town=town)
        .select_related("unit__department", "unit__village")
        .order_by("unit_id", "pk")
    )


def failures_of_town(*, town: Town) -> QuerySet[Delivery]:
    return (
        Delivery.objects.filter(channel__town=town, state=Delivery.State.FAILED)
        .select_related("channel", "order")
        .order_by("-created_at", "-pk")[:LIMIT]
    )


def deliveries_of_order(*, order_id: int) -> QuerySet[Delivery]:
    return (
        Delivery.objects.filter(order_id=order_id)
        .select_related("channel")
        .order_by("-created_at", "-pk")[:LIMIT]
    )
