"""Showing an order's full caller number: only to those who call the caller, and logged."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import CallerPhoneReveal, WorkOrder
from .core import _require, handles_unit, is_command_centre


def may_reveal_caller_phone(user, order: WorkOrder) -> bool:
    """The command centre makes the callback; the lead unit's handlers may need to call too."""
    return is_command_centre(user, order.town_id) or handles_unit(user, order.lead_unit)


@transaction.atomic(durable=True)
def order_caller_phone_reveal(*, actor, order: WorkOrder) -> CallerPhoneReveal:
    """Log that ACTOR saw ORDER's full caller number (one row per request to see it).

    Everyone else, and every page until someone asks, sees the number masked."""
    _require(
        may_reveal_caller_phone(actor, order),
        _("Only the command centre or a handler of the lead unit may see the full number."),
    )
    return CallerPhoneReveal.objects.create(order=order, user=actor, at=timezone.now())
