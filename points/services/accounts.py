"""Passbooks: opening one per household, the printed card, the kiosk PIN and its lockout."""

import datetime
import secrets
import unicodedata
from dataclasses import dataclass

from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from households.models import Household
from huaisi.roles import Capability

from ..models import PointsAccount
from ._common import LOCK_PASSBOOK_SERIAL, advisory_lock, has_village_role

MAX_FAILED_PINS = 5
LOCKOUT = datetime.timedelta(minutes=15)
PIN_LENGTHS = range(4, 7)


def passbook_number_for(village, serial: int) -> str:
    return f"{village.code}{serial:05d}"


def new_card_token() -> str:
    return secrets.token_urlsafe(24)


def _household_with_village(household: Household) -> Household:
    return Household.objects.select_related("microgrid__grid__village__town").get(pk=household.pk)


@transaction.atomic
def account_ensure(*, household: Household) -> PointsAccount:
    """The household's passbook, opened on first use. Serial numbers are drawn per village
    under an advisory lock, so two openings at once cannot draw the same one (and the second
    of two openings for one household finds the first's row)."""
    account = PointsAccount.objects.filter(household_id=household.pk).first()
    if account is not None:
        return account
    household = _household_with_village(household)
    village = household.microgrid.grid.village
    advisory_lock(LOCK_PASSBOOK_SERIAL, village.pk)
    account = PointsAccount.objects.filter(household_id=household.pk).first()
    if account is not None:
        return account
    serial = (
        PointsAccount.objects.filter(village=village).aggregate(m=Max("serial"))["m"] or 0
    ) + 1
    number = passbook_number_for(village, serial)
    # Village codes are unique within a town; on an install carrying many towns the town's
    # code tells two villages with one code apart.
    if PointsAccount.objects.filter(passbook_number=number).exists():
        number = f"{village.town.code}-{number}"
    return PointsAccount.objects.create(
        household=household,
        village=village,
        serial=serial,
        passbook_number=number,
        card_token=new_card_token(),
    )


def account_for_update(*, household: Household) -> PointsAccount:
    """Open (if need be) and lock the household's balance row: the first lock every points
    write takes, before any good, so concurrent writes queue instead of deadlocking."""
    account_ensure(household=household)
    return PointsAccount.objects.select_for_update().get(household_id=household.pk)


def _check_manager(by, household: Household) -> None:
    if not has_village_role(by, Capability.MANAGE_PASSBOOKS, household.microgrid.grid.village):
        raise PermissionDenied(_("Only the village clerk manages this village's passbooks."))


@transaction.atomic(durable=True)
def account_open(*, household: Household, by) -> PointsAccount:
    """Issue the household's passbook (or return the one it has)."""
    household = _household_with_village(household)
    _check_manager(by, household)
    return account_ensure(household=household)


def clean_pin(pin: str) -> str:
    # NFKC: the full-width digits a Chinese input method types count as digits.
    pin = unicodedata.normalize("NFKC", pin or "").strip()
    if not (pin.isascii() and pin.isdigit() and len(pin) in PIN_LENGTHS):
        raise ValidationError({"pin": _("The PIN is 4 to 6 digits.")}, code="bad_pin")
    return pin


@transaction.atomic(durable=True)
def account_set_pin(*, account: PointsAccount, pin: str, by) -> PointsAccount:
    """Set the kiosk PIN (stored hashed); clears a lockout."""
    pin = clean_pin(pin)
    locked = PointsAccount.objects.select_for_update().get(pk=account.pk)
    _check_manager(by, _household_with_village(locked.household))
    locked.pin_hash = make_password(pin)
    locked.failed_pins = 0
    locked.locked_until = None
    locked.save(update_fields=["pin_hash", "failed_pins", "locked_until"])
    return locked


@transaction.atomic(durable=True)
def account_issue_card(*, account: PointsAccount, by) -> PointsAccount:
    """A new printed card: a fresh secret in its QR code, so a lost card stops working."""
    locked = PointsAccount.objects.select_for_update().get(pk=account.pk)
    _check_manager(by, _household_with_village(locked.household))
    locked.card_token = new_card_token()
    locked.card_issued_at = timezone.now()
    locked.save(update_fields=["card_token", "card_issued_at"])
    return locked


class KioskLoginError(Exception):
    """A refused kiosk log-in; `str()` is the message to show."""

    def __init__(self, message: str, *, locked_until: datetime.datetime | None = None):
        super().__init__(message)
        self.locked_until = locked_until


@dataclass
class _Attempt:
    account: PointsAccount | None
    error: KioskLoginError | None


@transaction.atomic(durable=True)
def _kiosk_attempt(passbook_number: str, pin: str) -> _Attempt:
    now = timezone.now()
    wrong = KioskLoginError(_("The passbook number or the PIN is wrong."))
    account = (
        PointsAccount.objects.select_for_update()
        .filter(passbook_number=passbook_number.strip())
        .first()
    )
    if account is None:
        return _Attempt(None, wrong)
    if account.locked_until and account.locked_until > now:
        until = timezone.localtime(account.locked_until)
        return _Attempt(
            None,
            KioskLoginError(
                _("Too many wrong PINs: this passbook is locked until %(time)s.")
                % {"time": until.strftime("%H:%M")},
                locked_until=account.locked_until,
            ),
        )
    if not account.pin_hash:
        return _Attempt(
            None, KioskLoginError(_("No PIN is set for this passbook yet. Ask the village clerk."))
        )
    if check_password(pin, account.pin_hash):
        if account.failed_pins or account.locked_until:
            PointsAccount.objects.filter(pk=account.pk).update(failed_pins=0, locked_until=None)
        return _Attempt(account, None)
    # The row is locked, so concurrent wrong PINs count one after another.
    failed = account.failed_pins + 1
    if failed >= MAX_FAILED_PINS:
        until = now + LOCKOUT
        PointsAccount.objects.filter(pk=account.pk).update(failed_pins=0, locked_until=until)
        return _Attempt(
            None,
            KioskLoginError(
                _("Too many wrong PINs: this passbook is locked until %(time)s.")
                % {"time": timezone.localtime(until).strftime("%H:%M")},
                locked_until=until,
            ),
        )
    PointsAccount.objects.filter(pk=account.pk).update(failed_pins=F("failed_pins") + 1)
    return _Attempt(None, wrong)


def kiosk_login(*, passbook_number: str, pin: str) -> PointsAccount:
    """The kiosk's log-in: passbook number and PIN. Raises KioskLoginError; after
    MAX_FAILED_PINS wrong PINs in a row the passbook is locked for LOCKOUT. The failure count
    is committed even though the log-in fails (the error is raised after the transaction)."""
    attempt = _kiosk_attempt(passbook_number or "", pin or "")
    if attempt.error is not None:
        raise attempt.error
    return attempt.account
