"""Checks on ID numbers and phone numbers, with messages a clerk can act on."""

import datetime
import functools
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric

MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")
# Chinese input methods type full-width digits (１３８…); they mean the same number.
FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９＋", "0123456789+")


def normalise_id_number(value: str) -> str:
    return ric.compact(value or "").upper()


@functools.lru_cache(maxsize=4096)
def _region_known(prefix: str) -> bool:
    """Whether the first six digits name a county that exists or existed (any year)."""
    from stdnum import numdb

    parts = numdb.get("cn/loc").info(prefix)
    return any("county" in props for _part, props in parts)


def validate_id_number(value: str) -> str:
    """Return the compact, checked 18-character ID number (GB 11643), or raise.

    Checks length, digits, the check digit, a real birth date and a region code that exists.
    Unlike `stdnum.cn.ric.validate` it does not demand that the region code existed in the
    birth year: the code is where the card was first issued, often decades after birth (a
    person born in 1960 may carry 321003, Hanjiang district, created in 2000), and refusing
    such numbers would refuse real residents.
    """
    number = normalise_id_number(value)
    if len(number) != 18:
        raise ValidationError(
            _("An ID number has 18 characters; this one has %(count)d.") % {"count": len(number)},
            code="id_length",
        )
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(
            _("An ID number is 17 digits followed by a digit or X."), code="id_format"
        )
    if number[17] != ric.calc_check_digit(number):
        raise ValidationError(
            _("The check digit (the last character) does not match: please check the number."),
            code="id_checksum",
        )
    try:
        birth = ric.get_birth_date(number)
    except stdnum_errors.InvalidComponent:
        birth = None
    if (
        birth is None
        or birth > timezone.localdate()
        or birth.year < 1880
        or not _region_known(number[:6])
    ):
        raise ValidationError(
            _("The birth date or region inside the ID number is impossible."), code="id_component"
        )
    return number


def id_number_facts(number: str) -> tuple[datetime.date, str]:
    """Birth date and gender ("M"/"F") written in a valid ID number."""
    birth = ric.get_birth_date(number)
    gender = "M" if int(number[16]) % 2 == 1 else "F"
    return birth, gender


def check_id_agrees(
    *, id_number: str, birth_date: datetime.date | None, gender: str | None
) -> dict:
    """Errors by field where the birth date or gender disagree with the ID number."""
    errors = {}
    birth, id_gender = id_number_facts(id_number)
    if birth_date and birth_date != birth:
        errors["birth_date"] = ValidationError(
            _("The ID number gives the birth date %(date)s.") % {"date": birth.isoformat()},
            code="birth_mismatch",
        )
    if gender and gender != id_gender:
        errors["gender"] = ValidationError(
            _("The ID number belongs to a man.")
            if id_gender == "M"
            else _("The ID number belongs to a woman."),
            code="gender_mismatch",
        )
    return errors


def validate_mobile(value: str) -> str:
    phone = re.sub(r"[\s-]", "", (value or "").translate(FULL_WIDTH_DIGITS))
    if phone.startswith("+86"):
        phone = phone[3:]
    if not MOBILE_RE.match(phone):
        raise ValidationError(
            _("A mobile number has 11 digits and starts with 13–19, e.g. 13812345678."),
            code="mobile",
        )
    return phone
