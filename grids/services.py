"""Every write to areas, departments, staff profiles and rosters.

The ones views call are durable transactions: a refusal anywhere (a taken code, a successor
starting too early) rolls back everything the action wrote, account included.
"""

import datetime
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huaisi.models import Role
from huaisi.roles import SCOPE_LEVEL, Level
from huaisi.services import role_assign, role_end

from .models import Department, Grid, MicroGrid, StaffProfile, Town, Village, mobile_validator

SCOPE_MODELS: dict[Level, type[Model]] = {
    Level.VILLAGE: Village,
    Level.GRID: Grid,
    Level.MICROGRID: MicroGrid,
    Level.DEPARTMENT: Department,
    Level.TOWN: Town,
}

# What each unique constraint means to the person who hit it, keyed by constraint name.
UNIQUE_MESSAGES = {
    "village_name_unique": (
        "name",
        gettext_lazy("Another village or community of this town has this name."),
    ),
    "grid_code_unique": ("code", gettext_lazy("Another grid of this village has this code.")),
    "grid_name_unique": ("name", gettext_lazy("Another grid of this village has this name.")),
    "microgrid_code_unique": (
        "code",
        gettext_lazy("Another micro-grid of this grid has this code."),
    ),
    "department_code_unique": (
        "code",
        gettext_lazy("Another department of this town has this code."),
    ),
    "department_name_unique": (
        "name",
        gettext_lazy("Another department of this town has this name."),
    ),
}


def _save(obj: Model, *, update_fields: list[str] | None = None) -> None:
    """Insert (no `update_fields`) or update `obj`; a unique constraint it breaks becomes a
    ValidationError on the field concerned. The savepoint keeps the outer transaction usable
    for the caller's rollback."""
    try:
        with transaction.atomic():
            if update_fields is None:
                obj.save(force_insert=True)
            else:
                obj.save(update_fields=update_fields)
    except IntegrityError as exc:
        constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
        if constraint in UNIQUE_MESSAGES:
            field, message = UNIQUE_MESSAGES[constraint]
            raise ValidationError({field: str(message)}) from exc
        raise


AREA_FIELDS = ["name", "centre_lat", "centre_lng", "boundary"]


def _set_area(
    area, *, name: str, centre_lat: Decimal | None, centre_lng: Decimal | None, boundary
) -> None:
    area.name = name.strip()
    area.centre_lat, area.centre_lng, area.boundary = centre_lat, centre_lng, boundary
    if not area.name:
        raise ValidationError({"name": _("Give a name.")})


@transaction.atomic(durable=True)
def village_update(
    *,
    village: Village,
    name: str,
    centre_lat: Decimal | None,
    centre_lng: Decimal | None,
    boundary: dict | None,
) -> Village:
    """Rename a village or community and set its centre and boundary (its code stays: other
    registers and imports refer to it)."""
    _set_area(village, name=name, centre_lat=centre_lat, centre_lng=centre_lng, boundary=boundary)
    _save(village, update_fields=AREA_FIELDS)
    return village


@transaction.atomic(durable=True)
def grid_create(
    *,
    village: Village,
    code: str,
    name: str,
    centre_lat: Decimal | None = None,
    centre_lng: Decimal | None = None,
    boundary: dict | None = None,
) -> Grid:
    """A new grid in `village`; code and name unique within the village."""
    grid = Grid(village=village, code=code.strip())
    _set_area(grid, name=name, centre_lat=centre_lat, centre_lng=centre_lng, boundary=boundary)
    _save(grid)
    return grid


@transaction.atomic(durable=True)
def grid_update(
    *,
    grid: Grid,
    name: str,
    centre_lat: Decimal | None,
    centre_lng: Decimal | None,
    boundary: dict | None,
) -> Grid:
    _set_area(grid, name=name, centre_lat=centre_lat, centre_lng=centre_lng, boundary=boundary)
    _save(grid, update_fields=AREA_FIELDS)
    return grid


@transaction.atomic(durable=True)
def microgrid_create(
    *,
    grid: Grid,
    code: str,
    name: str,
    centre_lat: Decimal | None = None,
    centre_lng: Decimal | None = None,
    boundary: dict | None = None,
) -> MicroGrid:
    """A new micro-grid in `grid`; its code unique within the grid."""
    micro = MicroGrid(grid=grid, code=code.strip())
    _set_area(micro, name=name, centre_lat=centre_lat, centre_lng=centre_lng, boundary=boundary)
    _save(micro)
    return micro


@transaction.atomic(durable=True)
def microgrid_update(
    *,
    microgrid: MicroGrid,
    name: str,
    centre_lat: Decimal | None,
    centre_lng: Decimal | None,
    boundary: dict | None,
) -> MicroGrid:
    """Rename a micro-grid and set its centre and boundary; its code stays (households and
    imports refer to it)."""
    _set_area(microgrid, name=name, centre_lat=centre_lat, centre_lng=centre_lng, boundary=boundary)
    _save(microgrid, update_fields=AREA_FIELDS)
    return microgrid


@transaction.atomic(durable=True)
def department_create(*, town: Town, code: str, name: str) -> Department:
    department = Department(town=town, code=code.strip(), name=name.strip())
    if not department.name:
        raise ValidationError({"name": _("Give a name.")})
    _save(department)
    return department


@transaction.atomic(durable=True)
def department_update(*, department: Department, name: str, is_active: bool) -> Department:
    """Rename a department or stop sending it work orders; it is never deleted, so the work
    orders it handled keep pointing at it."""
    department.name, department.is_active = name.strip(), is_active
    if not department.name:
        raise ValidationError({"name": _("Give a name.")})
    _save(department, update_fields=["name", "is_active"])
    return department


# --- Staff ------------------------------------------------------------------------------


@transaction.atomic
def staff_profile_set(*, user: AbstractBaseUser, phone: str, title: str = "") -> StaffProfile:
    """Create or replace the work phone and title the rosters show for `user`."""
    mobile_validator(phone)
    profile, created = StaffProfile.objects.get_or_create(
        user=user, defaults={"phone": phone, "title": title.strip()}
    )
    if not created:
        profile.phone, profile.title = phone, title.strip()
        profile.save(update_fields=["phone", "title", "updated_at"])
    return profile


@dataclass(frozen=True)
class NewStaff:
    """A staff account to create while assigning its first role."""

    username: str
    full_name: str
    phone: str
    password: str
    title: str = ""


@transaction.atomic
def staff_account_create(*, staff: NewStaff) -> AbstractBaseUser:
    """A log-in for a new member of staff, with their work phone. No Django-admin access.
    The password it is given is a one-time password: the account must choose its own at its
    first log-in."""
    User = get_user_model()
    if User.objects.filter(username__iexact=staff.username).exists():
        raise ValidationError(_("This user name is taken; choose another."))
    user = User.objects.create_user(
        username=staff.username, password=staff.password, first_name=staff.full_name.strip()
    )
    staff_profile_set(user=user, phone=staff.phone, title=staff.title)
    StaffProfile.objects.filter(user=user).update(must_change_password=True)
    return user


class StaffPasswordFlag:
    """The staff profile's "must change password" flag, as the core's log-in asks for it."""

    def is_raised(self, user) -> bool:
        return StaffProfile.objects.filter(user=user, must_change_password=True).exists()

    def lower(self, user) -> None:
        StaffProfile.objects.filter(user=user, must_change_password=True).update(
            must_change_password=False
        )


STAFF_PASSWORD_FLAG = StaffPasswordFlag()


@dataclass(frozen=True)
class AccountSlip:
    """What a new member of staff is handed on paper: shown once, never stored in clear."""

    name: str
    username: str
    password: str


# Letters and digits nobody misreads on a printed slip (no 0/O, 1/l/I).
ONE_TIME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def one_time_password() -> str:
    """A random password to print on an account slip: 10 characters from a 31-letter
    alphabet (about 50 bits), grouped by a dash for reading aloud."""
    chars = "".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(10))
    return f"{chars[:5]}-{chars[5:]}"


@transaction.atomic(durable=True)
def staff_password_reset(*, user: AbstractBaseUser) -> str:
    """Give `user` a new one-time password and make them choose their own at the next log-in.
    The changed password signs out every session the account had. Returns the one-time
    password, which is shown once and stored only hashed."""
    if not StaffProfile.objects.filter(user=user).update(must_change_password=True):
        raise ValidationError(_("Give this person a work phone first (Edit)."))
    password = one_time_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    return password


@transaction.atomic(durable=True)
def staff_update(
    *, user: AbstractBaseUser, full_name: str, phone: str, title: str = ""
) -> AbstractBaseUser:
    """Correct the name, work phone and title the rosters show for a member of staff."""
    user.first_name = full_name.strip()
    if not user.first_name:
        raise ValidationError({"full_name": _("Give a name.")})
    user.save(update_fields=["first_name"])
    staff_profile_set(user=user, phone=phone, title=title)
    return user


# --- Rosters ----------------------------------------------------------------------------


def _check_scope(kind: str, scope: Model) -> None:
    expected = SCOPE_MODELS[SCOPE_LEVEL[kind]]
    if not isinstance(scope, expected):
        raise ValidationError(_("This role is not held over that kind of area."))


@transaction.atomic(durable=True)
def roster_assign(
    *,
    kind: str,
    scope: Model,
    starts_on: datetime.date,
    user: AbstractBaseUser | None = None,
    new_staff: NewStaff | None = None,
) -> Role:
    """Put `user` (or a new account made from `new_staff`) on the roster as `kind` over
    `scope` from `starts_on`. For a grid leader or micro-grid worker the current holder's role
    ends the day before. If the assignment is refused, the new account is not kept either."""
    if (user is None) == (new_staff is None):
        raise ValueError("give exactly one of user and new_staff")
    _check_scope(kind, scope)
    if new_staff is not None:
        user = staff_account_create(staff=new_staff)
    if not user.is_active:
        raise ValidationError(_("This account is disabled."))
    try:
        with transaction.atomic():
            return role_assign(user=user, kind=kind, scope=scope, starts_on=starts_on)
    except IntegrityError as exc:
        # Another assignment to the same seat committed between our check and our insert.
        raise ValidationError(
            _("Someone else changed this roster at the same moment; look at it again.")
        ) from exc


@transaction.atomic(durable=True)
def roster_end(*, role: Role, ends_on: datetime.date) -> Role:
    """End an open role on `ends_on`, its last day; the row stays for past rosters."""
    return role_end(role=role, ends_on=ends_on)
