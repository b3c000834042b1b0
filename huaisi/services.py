import datetime
from typing import Protocol

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .access import forget_grants
from .models import SCOPE_FIELDS, Role
from .roles import EXCLUSIVE_KINDS, SCOPE_LEVEL


@transaction.atomic
def role_assign(*, user, kind: str, scope, starts_on: datetime.date | None = None) -> Role:
    """Give `user` the role `kind` over `scope` from `starts_on`.

    For kinds an area has one holder of at a time (grid leader, micro-grid worker) the current
    holder's role ends the day before, so the roster of any past day stays true. The open
    holder's row is locked first, so two assignments at once cannot both succeed.

    No day gets two holders of an exclusive kind, nor the same person twice in one role: a
    start that falls on or before the end of an earlier holding is refused (ValidationError),
    before anything is written.
    """
    starts_on = starts_on or timezone.localdate()
    field = SCOPE_FIELDS[SCOPE_LEVEL[kind]]
    current = None
    if kind in EXCLUSIVE_KINDS:
        current = (
            Role.objects.select_for_update()
            .filter(kind=kind, ends_on__isnull=True, **{field: scope})
            .first()
        )
        if current is not None:
            if current.user_id == user.pk:
                return current
            if current.starts_on >= starts_on:
                raise ValidationError(
                    _("The current holder started on %(date)s; a successor must start later.")
                    % {"date": current.starts_on.isoformat()}
                )
    # Ended roles are not locked by the open-holder row above; they no longer change, so
    # reading them is enough.
    earlier = Role.objects.filter(kind=kind, ends_on__gte=starts_on, **{field: scope})
    if kind not in EXCLUSIVE_KINDS:
        earlier = earlier.filter(user=user)
    clash = earlier.order_by("-ends_on").first()
    if clash is not None:
        raise ValidationError(
            _("An earlier holding of this role runs until %(date)s; the new one must start later.")
            % {"date": clash.ends_on.isoformat()}
        )
    if current is not None:
        role_end(role=current, ends_on=starts_on - datetime.timedelta(days=1))
    role, _created = Role.objects.get_or_create(
        user=user, kind=kind, ends_on=None, defaults={"starts_on": starts_on}, **{field: scope}
    )
    forget_grants(user)
    return role


@transaction.atomic
def role_end(*, role: Role, ends_on: datetime.date) -> Role:
    """End an open role on `ends_on` (kept, never deleted, for the rosters of past days)."""
    if ends_on < role.starts_on:
        raise ValidationError(_("A role cannot end before it starts."))
    updated = Role.objects.filter(pk=role.pk, ends_on__isnull=True).update(ends_on=ends_on)
    if updated != 1:
        raise ValidationError(_("This role has already ended."))
    role.ends_on = ends_on
    forget_grants(role.user)
    return role


# --- Passwords --------------------------------------------------------------------------

# The session key the middleware reads: set at log-in while the account's flag is up.
PASSWORD_CHANGE_SESSION_KEY = "password_change_required"  # noqa: S105 (a key, no secret)


class PasswordFlag(Protocol):
    """Where an app keeps "this account must choose a new password" (grids keeps it on the
    staff profile, which the town export carries with the account)."""

    def is_raised(self, user) -> bool: ...

    def lower(self, user) -> None: ...


# Filled at start-up by the apps that keep such a flag (grids.apps); the core imports none.
PASSWORD_FLAGS: list[PasswordFlag] = []


def password_change_is_required(*, user) -> bool:
    return any(flag.is_raised(user) for flag in PASSWORD_FLAGS)


@transaction.atomic(durable=True)
def password_change(*, user, new_password: str) -> None:
    """Set the password `user` chose and lower their flag, together: a crash between the two
    would either keep the one-time password working or ask again for a change already made."""
    user.set_password(new_password)
    user.save(update_fields=["password"])
    for flag in PASSWORD_FLAGS:
        flag.lower(user)
