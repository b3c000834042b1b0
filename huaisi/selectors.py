import datetime

from django.db.models import Q, QuerySet

from .models import Role


def roles_in_force(*, on: datetime.date) -> QuerySet[Role]:
    """Roles whose dates cover `on`: the roster of that day."""
    return Role.objects.filter(starts_on__lte=on).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=on)
    )


def roles_of_user(*, user, on: datetime.date) -> QuerySet[Role]:
    return (
        roles_in_force(on=on)
        .filter(user=user)
        .select_related("town", "village", "grid__village", "microgrid__grid", "department")
        .order_by("kind", "pk")
    )
