"""Checks on ID numbers and people's names, with messages a clerk can act on (phone numbers:
huaisi.phones)."""

import datetime
import functools
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric


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


# --- People's names -----------------------------------------------------------------------
#
# The rule follows what a Chinese ID card can carry: Chinese characters (every CJK ideograph
# block, extensions included), the middle dot of minority names (阿卜杜·热合曼), and for
# foreigners (外国人永久居留身份证) Latin letters with single spaces. Decisions where the
# brief was silent:
# - Look-alike dots (・ • ‧ ∙ ⋅ . and the full-width ．) are the middle dot ·, spaces around a
#   dot are dropped; a dot must stand between two letters (not first, last or doubled).
# - Runs of spaces become one space; a space next to a Chinese character is dropped (张 三 is
#   张三), so spaces only ever separate Latin words.
# - A hyphen or apostrophe between two Latin letters is kept (Jean-Pierre, O'Neil): foreign
#   names carry them and refusing them would refuse real people.
# - Everything else is refused with the character named: markup (< > &), control characters
#   (tabs, NUL, newlines), invisible format characters, digits, lone surrogates, punctuation.
#   Nothing is silently removed, so a name is never changed behind the clerk's back.

MIDDLE_DOT = "\u00b7"
_DOT_LOOKALIKES = "\u30fb\u2022\u2027\u2219\u22c5.\uff0e\uff65\u0387"
_CJK_RANGES = (
    (0x3400, 0x4DBF),  # extension A
    (0x4E00, 0x9FFF),  # unified ideographs
    (0xF900, 0xFAFF),  # compatibility ideographs (NFKC maps most to unified ones)
    (0x20000, 0x2A6DF),  # extension B
    (0x2A700, 0x2EBEF),  # extensions C, D, E, F
    (0x2EBF0, 0x2EE5F),  # extension I
    (0x2F800, 0x2FA1F),  # compatibility supplement
    (0x30000, 0x323AF),  # extensions G, H
)
_SPACES = re.compile(r" {2,}")


def _is_ideograph(char: str) -> bool:
    code = ord(char)
    return char == "\u3007" or any(low <= code <= high for low, high in _CJK_RANGES)


def _is_latin_letter(char: str) -> bool:
    if "a" <= char.lower() <= "z":
        return True
    return unicodedata.category(char).startswith("L") and unicodedata.name(char, "").startswith(
        "LATIN "
    )


def _shown(char: str) -> str:
    """The character as a clerk can read it in a message: invisible ones by code point."""
    if (
        unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp", "Co", "Cn", "Mn", "Me")
        or char in "\t\n\r"
    ):
        return f"U+{ord(char):04X}"
    return char


def validate_person_name(value, *, max_length: int = 50) -> str:
    """Return the tidied name (trimmed, NFKC, one kind of middle dot), or raise ValidationError.

    An empty name is refused too ("Enter a name."): callers that allow an empty name check for
    it before calling.
    """
    if not isinstance(value, str):
        raise ValidationError(_("Enter a name as text."), code="name_type")
    for char in value:
        category = unicodedata.category(char)
        if category == "Cs":
            raise ValidationError(
                _("The name contains a broken character (%(char)s): please type it again.")
                % {"char": _shown(char)},
                code="name_surrogate",
            )
        if category in ("Cc", "Cf", "Zl", "Zp"):
            raise ValidationError(
                _(
                    "The name contains an invisible control character (%(char)s): tabs, line breaks and the like are not allowed."
                )
                % {"char": _shown(char)},
                code="name_control",
            )
    name = unicodedata.normalize("NFKC", value)
    if any(char in "<>&" for char in name):
        raise ValidationError(_("A name cannot contain <, > or &."), code="name_markup")
    name = name.translate({ord(dot): MIDDLE_DOT for dot in _DOT_LOOKALIKES})
    name = _SPACES.sub(" ", name.strip())
    name = name.replace(" " + MIDDLE_DOT, MIDDLE_DOT).replace(MIDDLE_DOT + " ", MIDDLE_DOT)
    # A space next to a Chinese character is a typing slip (张 三): drop it.
    kept = []
    for index, char in enumerate(name):
        if char == " " and (_is_ideograph(name[index - 1]) or _is_ideograph(name[index + 1])):
            continue
        kept.append(char)
    name = "".join(kept)
    if not name:
        raise ValidationError(_("Enter a name."), code="name_empty")
    for index, char in enumerate(name):
        if _is_ideograph(char) or _is_latin_letter(char) or char == " ":
            continue
        if char == MIDDLE_DOT:
            before = name[index - 1] if index else ""
            after = name[index + 1] if index + 1 < len(name) else ""
            if before and after and before != MIDDLE_DOT and after != MIDDLE_DOT:
                continue
            raise ValidationError(
                _("The middle dot (·) goes between two parts of a name, once."),
                code="name_dot",
            )
        if char in "-'":
            before = name[index - 1] if index else ""
            after = name[index + 1] if index + 1 < len(name) else ""
            if before and after and _is_latin_letter(before) and _is_latin_letter(after):
                continue
        if char.isdigit():
            raise ValidationError(_("A name cannot contain digits."), code="name_digit")
        raise ValidationError(
            _(
                "A name cannot contain the character “%(char)s”: use Chinese characters, the middle dot (·), or Latin letters and spaces."
            )
            % {"char": _shown(char)},
            code="name_character",
        )
    if len(name) > max_length:
        raise ValidationError(
            _("A name has at most %(limit)d characters; this one has %(count)d.")
            % {"limit": max_length, "count": len(name)},
            code="name_length",
        )
    return name
